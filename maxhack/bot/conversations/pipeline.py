"""The middlewares around every conversation update, and the router that runs them.

Order for each update (``message_created`` in dialogs, ``bot_started``,
``message_callback``):

1. logging — start, end, duration, outcome (``extra={"action": "bot_update", …}``);
2. flood control — per MAX user: a burst passes, a faster stream is slowed, beyond the
   bound the user is told «слишком часто» (never a silent drop);
3. user upsert — the sender's user row and personal group on first contact, the dialog
   chat id from the update, the dialog state from Redis (one bridge crossing);
4. the flow (`flows`);
5. errors — a domain error is explained with its reason; anything else gets the error
   window with a one-sentence cause and is re-raised so the dispatcher marks the update
   failed.

Group-chat messages are ignored (the bot talks in dialogs only).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import trio

from maxhack.bot.conversations import callbacks, flows, texts, windows
from maxhack.bot.conversations.flood import FloodControl
from maxhack.bot.conversations.queries import Stores, begin
from maxhack.bot.conversations.turn import SendsCalls, Turn
from maxhack.bot.router import Router
from maxhack.bot.status import BotStatus
from maxhack.bridge import run_aio
from maxhack.domain.errors import DomainError
from maxhack.domain.users import MaxProfile
from maxhack.max.errors import MaxError
from maxhack.max.models import (
    BotStartedUpdate,
    MessageCallbackUpdate,
    MessageCreatedUpdate,
    Update,
)
from maxhack.max.models import User as MaxUser

log = logging.getLogger(__name__)

DIALOG_CHAT_TYPE = "dialog"


class ConversationContext(Protocol):
    """What the conversation needs from the dispatcher's handler context."""

    @property
    def sender(self) -> SendsCalls: ...

    @property
    def status(self) -> BotStatus: ...

    def stores(self) -> Stores: ...


@dataclass(frozen=True)
class _Incoming:
    kind: str
    user: MaxUser
    chat_id: int | None


def _incoming(update: Update) -> _Incoming | None:
    if isinstance(update, MessageCreatedUpdate):
        msg = update.message
        if msg.sender is None or msg.sender.is_bot or msg.recipient.chat_type != DIALOG_CHAT_TYPE:
            return None
        return _Incoming("message", msg.sender, msg.recipient.chat_id)
    if isinstance(update, BotStartedUpdate):
        return _Incoming("start", update.user, update.chat_id)
    if isinstance(update, MessageCallbackUpdate):
        chat_id = update.message.recipient.chat_id if update.message is not None else None
        return _Incoming("callback", update.callback.user, chat_id)
    return None


class Conversation:
    """Handles the conversation updates (see the module docstring)."""

    def __init__(
        self,
        flood: FloodControl | None = None,
        clock: Callable[[], datetime] = flows.now_utc,
    ) -> None:
        self.flood = flood or FloodControl()
        self._clock = clock
        self.handled = 0
        self.failed = 0

    async def handle(self, update: Update, ctx: ConversationContext) -> None:
        incoming = _incoming(update)
        if incoming is None:
            return
        began = time.perf_counter()
        outcome = "handled"
        turn = Turn(
            sender=ctx.sender,
            status=ctx.status,
            stores=ctx.stores(),
            now=self._clock(),
            max_id=incoming.user.user_id,
            chat_id=incoming.chat_id,
        )
        if isinstance(update, MessageCallbackUpdate):
            turn.callback_id = update.callback.callback_id
            turn.pressed = update.message
        try:
            age_s = time.time() - getattr(update, "timestamp", 0) / 1000
            if not await self.flood.admit(incoming.user.user_id, age_s):
                outcome = "throttled"
                await self._throttled(turn)
                return
            await self._run(update, incoming, turn)
        except DomainError as exc:
            outcome = "refused"
            await self._explain(turn, exc.reason)
        except (Exception, trio.TooSlowError) as exc:
            outcome = "failed"
            self.failed += 1
            reason = texts.MAX_UNAVAILABLE_REASON if isinstance(exc, MaxError) else None
            await self._explain(turn, reason or texts.INTERNAL_REASON)
            raise
        finally:
            self.handled += 1
            log.info(
                "bot update",
                extra={
                    "action": "bot_update",
                    "kind": incoming.kind,
                    "user_id": incoming.user.user_id,
                    "outcome": outcome,
                    "duration_ms": round((time.perf_counter() - began) * 1000, 1),
                },
            )

    async def _run(self, update: Update, incoming: _Incoming, turn: Turn) -> None:
        is_start = isinstance(update, BotStartedUpdate) or (
            isinstance(update, MessageCreatedUpdate)
            and (update.message.body.text or "").strip().startswith("/start")
        )
        profile = MaxProfile(
            max_id=incoming.user.user_id,
            first_name=incoming.user.first_name,
            last_name=incoming.user.last_name,
            username=incoming.user.username,
        )
        session = await run_aio(begin, turn.stores, profile, incoming.chat_id, reset_state=is_start)
        turn.user, turn.state = session.user, session.state
        if isinstance(update, BotStartedUpdate):
            await flows.start(turn, update.payload)
        elif isinstance(update, MessageCreatedUpdate):
            await flows.message(turn, update.message)
        elif isinstance(update, MessageCallbackUpdate):
            payload = update.callback.payload or ""
            if flows.is_reminder_answer(payload):
                await flows.reminder_answer(turn, payload)
                return
            pressed = callbacks.parse(payload)
            if pressed is None:
                log.info(
                    "stale or forged button",
                    extra={"action": "bot_stale_callback", "payload": payload[:80]},
                )
                await flows.stale(turn)
                return
            await flows.press(turn, pressed)

    async def _throttled(self, turn: Turn) -> None:
        if turn.callback_id is not None:
            await turn.answer(toast=texts.FLOOD)
        else:
            await turn.send_text(texts.FLOOD)

    async def _explain(self, turn: Turn, reason: str) -> None:
        """Tell the user why (best effort: if MAX itself fails, the log says it)."""
        try:
            with trio.fail_after(10):
                if turn.callback_id is not None and not turn.answered:
                    await turn.answer(toast=f"😵‍💫 {reason}")
                await turn.send(windows.error(reason).body())
        except (Exception, trio.TooSlowError):
            log.warning(
                "could not tell the user about an error",
                exc_info=True,
                extra={"action": "bot_error_report_failed"},
            )


def conversation_router(conversation: Conversation | None = None) -> Router:
    conversation = conversation or Conversation()
    router = Router()
    for update_type in ("message_created", "bot_started", "message_callback"):
        router.on(update_type)(conversation.handle)
    return router


def stores_of(pool_source: Callable[[], Any], redis_source: Callable[[], Any]) -> Stores:
    return Stores(pg=pool_source(), redis=redis_source())
