"""What producers hand to the sender and what they get back.

SenderError             base of the sender's own errors (MAX errors pass through as is)
└─ SenderStopped        the sender was cancelled while the call was in flight
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import trio

from maxhack.max import MaxClient


class Lane(enum.Enum):
    """Interactive calls (a reply to someone who just acted) always go before bulk ones
    (reminders); see :class:`~maxhack.sender.actor.Sender`."""

    INTERACTIVE = "interactive"
    BULK = "bulk"


class SenderError(Exception):
    """Base class of errors raised by the sender itself."""


class SenderStopped(SenderError):
    """The sender was stopped (cancelled) while the call was in flight: it may or may not
    have reached MAX."""


Action = Callable[[MaxClient], Awaitable[Any]]
"""One logical MAX call, e.g. ``lambda c: c.send_message(body, chat_id=chat_id)``.

It may make several HTTP attempts (retries, an upload then a send) but one after another,
as ``MaxClient`` methods do: the sender counts an attempt as complete when the next one
starts or the action returns. Attempts run concurrently inside one action are still
counted, only less strictly."""


@dataclass(frozen=True)
class SendOutcome:
    """The result of one :class:`OutgoingCall`.

    ``ok`` ⇔ ``error is None``; ``result`` is what the action returned (e.g. the sent
    ``Message``, whose ``body.mid`` is the MAX message id). Times are wall-clock epoch
    seconds: ``started_at`` when a worker started the action, ``finished_at`` when it ended.
    """

    tag: object
    ok: bool
    result: Any
    error: BaseException | None
    lane: Lane
    due_at: float | None
    started_at: float
    finished_at: float


@dataclass(frozen=True)
class OutgoingCall:
    """One call for the sender to make.

    ``chat_id`` is the per-chat limit key (``None``: not limited per chat). ``due_at``
    (wall-clock epoch seconds) orders the bulk lane, earliest first; ``None`` counts as
    "due when submitted". Bulk calls due in the same second are interleaved across
    ``fairness_key`` values (e.g. group ids). ``tag`` is echoed in the outcome, which goes to
    ``reply`` if set. ``user_id`` is reported to ``on_chat_denied`` on 403 ``chat.denied``.
    """

    action: Action
    chat_id: int | None
    lane: Lane = Lane.INTERACTIVE
    due_at: float | None = None
    fairness_key: object = None
    tag: object = None
    reply: trio.MemorySendChannel[SendOutcome] | None = None
    user_id: int | None = None


__all__ = ["Action", "Lane", "OutgoingCall", "SendOutcome", "SenderError", "SenderStopped"]
