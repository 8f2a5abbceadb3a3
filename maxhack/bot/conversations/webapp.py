"""WebApp deep links: a startapp payload carries the path the WebApp opens on start.

The payload is ``base64url(JSON {"path": …})`` without padding, so it only holds
``[A-Za-z0-9_-]`` — what MAX allows for ``startapp`` and ``open_app`` payloads (≤ 512
characters). A path that would not fit is replaced by the WebApp's start page.
"""

from __future__ import annotations

import base64
import json
from typing import Final

from maxhack.max.models import OPEN_APP_PAYLOAD_MAX_CHARS, OpenAppButton

ROOT_PATH: Final = "/"
MAX_LINK_BASE: Final = "https://max.ru"


def startapp_payload(path: str) -> str:
    """``{"path": path}`` as URL-safe base64 without padding (the root path if too long)."""
    raw = json.dumps({"path": path}, separators=(",", ":"), ensure_ascii=False).encode()
    encoded = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    if len(encoded) > OPEN_APP_PAYLOAD_MAX_CHARS:
        return startapp_payload(ROOT_PATH)
    return encoded


def decode_startapp(payload: str) -> str:
    """The path of a startapp payload (the inverse of :func:`startapp_payload`)."""
    padded = payload + "=" * (-len(payload) % 4)
    path = json.loads(base64.urlsafe_b64decode(padded))["path"]
    assert isinstance(path, str)
    return path


def app_button(text: str, path: str, bot_username: str | None) -> OpenAppButton:
    """An ``open_app`` button opening the bot's WebApp at ``path``."""
    return OpenAppButton(text=text, web_app=bot_username, payload=startapp_payload(path))


def app_link(bot_username: str, path: str) -> str:
    """``https://max.ru/<bot>?startapp=<payload>``: the same, as a link to share."""
    return f"{MAX_LINK_BASE}/{bot_username}?startapp={startapp_payload(path)}"


def invite_link(bot_username: str | None, key: str) -> str:
    """``https://max.ru/<bot>?start=invite_<key>`` (the bot's name is unknown until GET /me
    answered; the key is then shown alone)."""
    if bot_username is None:
        return f"invite_{key}"
    return f"{MAX_LINK_BASE}/{bot_username}?start=invite_{key}"
