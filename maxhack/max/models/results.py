"""Response bodies (reference §1.6, §2, §3, §5)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator

from ._base import MaxModel
from .messages import Message
from .updates import Update, parse_updates


def _lenient_updates(value: Any) -> Any:
    return parse_updates(value) if isinstance(value, list) else value


class UpdateList(MaxModel):
    """``GET /updates``: ``marker`` may be ``None`` — keep the previous one then."""

    updates: Annotated[list[Update], BeforeValidator(_lenient_updates)]
    marker: int | None = None


class SendMessageResult(MaxModel):
    message: Message


class SimpleQueryResult(MaxModel):
    """``{"success": true}``; on ``false`` MAX may explain in ``message``."""

    success: bool
    message: str | None = None


class Subscription(MaxModel):
    url: str
    time: int | None = None
    update_types: list[str] | None = None
    version: str | None = None


class GetSubscriptionsResult(MaxModel):
    subscriptions: list[Subscription]


class UploadEndpoint(MaxModel):
    """``POST /uploads``: where to send the bytes; ``token`` only for video/audio."""

    url: str
    token: str | None = None


class UploadedFileInfo(MaxModel):
    """Upload-host answer for ``type=file``: ``{"token": …}``."""

    token: str


class ErrorBody(MaxModel):
    """Every error response: ``{"code": …, "message": …}`` (``error`` optional)."""

    code: str
    message: str = ""
    error: str | None = None
