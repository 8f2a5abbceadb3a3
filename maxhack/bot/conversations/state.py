"""Dialog state in Redis: which window a person has open and the data it needs.

One key per (chat, user): ``maxhack:dialog:<chat_id>:<user_id>``, a small JSON object
``{"v": 1, "window": …, "group_id": …, "invite_key": …}`` written with a 30-day TTL
(refreshed on every write). A value of another version or that does not parse reads as "no
state", which the flows treat as a stale window. Functions here are asyncio coroutines on a
``redis.asyncio.Redis``; callers put them inside the action's single bridge crossing.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Final

STATE_VERSION: Final = 1
STATE_TTL_S: Final = 30 * 24 * 3600
KEY_PREFIX: Final = "maxhack:dialog"


@dataclass(frozen=True)
class DialogState:
    window: str
    group_id: int | None = None
    invite_key: str | None = None


def state_key(chat_id: int, user_id: int) -> str:
    return f"{KEY_PREFIX}:{chat_id}:{user_id}"


def encode_state(state: DialogState) -> str:
    return json.dumps({"v": STATE_VERSION, **asdict(state)}, separators=(",", ":"))


def decode_state(raw: bytes | str | None) -> DialogState | None:
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("v") != STATE_VERSION:
            return None
        group_id = data.get("group_id")
        invite_key = data.get("invite_key")
        window = data["window"]
        if not isinstance(window, str):
            return None
        if group_id is not None and not isinstance(group_id, int):
            return None
        if invite_key is not None and not isinstance(invite_key, str):
            return None
        return DialogState(window=window, group_id=group_id, invite_key=invite_key)
    except (ValueError, KeyError, TypeError):
        return None


async def aio_load_state(redis: Any, chat_id: int, user_id: int) -> DialogState | None:
    return decode_state(await redis.get(state_key(chat_id, user_id)))


async def aio_save_state(redis: Any, chat_id: int, user_id: int, state: DialogState) -> None:
    await redis.set(state_key(chat_id, user_id), encode_state(state), ex=STATE_TTL_S)


async def aio_clear_state(redis: Any, chat_id: int, user_id: int) -> None:
    await redis.delete(state_key(chat_id, user_id))
