"""A faithful fake of the MAX Bot API, served over real HTTP (quart-trio + hypercorn).

Start it in a nursery and point a :class:`~maxhack.max.MaxClient` at the reported URL::

    emulator = Emulator(EmulatorConfig(token="t"))
    url = await nursery.start(emulator.serve)
    emulator.user_starts_bot(42, payload="invite")

``serve_emulator(config)`` does the same without keeping the handle (use the ``/_emulator``
control API then).
"""

from __future__ import annotations

import trio

from .config import EmulatorConfig
from .emulator import Emulator
from .errors import ApiFailure, EmulatorUsageError
from .faults import FaultRule
from .records import (
    DIALOG_CHAT_ID_OFFSET,
    AnswerRecord,
    CallbackRecord,
    EmulatedUser,
    GroupChat,
    MessageVersion,
    RequestRecord,
    StoredMessage,
    Subscription,
    WebhookDelivery,
    dialog_chat_id,
)
from .webhooks import SECRET_HEADER


async def serve_emulator(
    config: EmulatorConfig,
    *,
    emulator: Emulator | None = None,
    task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve a new emulator (or ``emulator``, whose own config then wins) until cancelled;
    reports the bound base URL (``http://host:port``) through ``task_status``."""
    await (emulator or Emulator(config)).serve(task_status=task_status)


__all__ = [
    "DIALOG_CHAT_ID_OFFSET",
    "SECRET_HEADER",
    "AnswerRecord",
    "ApiFailure",
    "CallbackRecord",
    "EmulatedUser",
    "Emulator",
    "EmulatorConfig",
    "EmulatorUsageError",
    "FaultRule",
    "GroupChat",
    "MessageVersion",
    "RequestRecord",
    "StoredMessage",
    "Subscription",
    "WebhookDelivery",
    "dialog_chat_id",
    "serve_emulator",
]
