"""``Emulator``: a fake MAX server plus the handle tests drive it with.

The same object serves HTTP (``await nursery.start(emulator.serve)``) and offers Python
methods for in-process tests: user actions (``user_starts_bot``, ``user_sends_text``,
``user_presses_button``, …), inspection (``bot_messages_to``, ``answers``, ``requests``),
and fault injection (``fail_next``, ``drop_next``, ``add_latency``, ``deny_user``,
``set_rate_limit``). The ``/_emulator`` control API exposes the same over HTTP.

Not thread-safe: call it from the trio thread that serves it (or before serving).
User actions take effect at once — the update is in the log when the method returns and any
waiting long poll is woken.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any, cast

import httpx
import trio
from hypercorn.config import Config as HypercornConfig
from hypercorn.trio import serve as hypercorn_serve

from .actions import UserActions
from .app import create_app
from .bot_ops import BotApi
from .config import EmulatorConfig
from .errors import EmulatorUsageError
from .faults import FaultPlan, FaultRule, RateLimiter, RequestLog
from .records import (
    AnswerRecord,
    JsonDict,
    RequestRecord,
    StoredMessage,
    Subscription,
    WebhookDelivery,
)
from .webhooks import deliver_updates
from .world import World

logger = logging.getLogger(__name__)

SERVER_GRACEFUL_TIMEOUT_S = 1.0


class Emulator(UserActions):
    """A faithful in-memory MAX Bot API server (see the module docstring)."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.world = World(self.config)
        self.api = BotApi(self.world, self._restart_webhook)
        self.faults = FaultPlan()
        self.rate_limiter = RateLimiter(self.config.rate_limit_per_s)
        self.request_log = RequestLog(self.config.request_log_max_entries)
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.url: str | None = None
        self._nursery: trio.Nursery | None = None
        self._webhook_http: httpx.AsyncClient | None = None
        self._webhook_scope: trio.CancelScope | None = None
        self._stop = trio.Event()

    # --- serving -------------------------------------------------------------------------

    async def serve(self, *, task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED) -> None:
        """Serve HTTP until cancelled or :meth:`stop`; reports the base URL once bound
        (``http://host:port`` — with ``port=0`` the port the OS picked).

        Cancellation closes everything at once (held long polls and in-flight webhook
        deliveries are cut); :meth:`stop` lets requests in flight finish for up to
        ``SERVER_GRACEFUL_TIMEOUT_S``. The state survives: the emulator can serve again.
        """
        if self._nursery is not None:
            raise RuntimeError("this emulator is already serving")
        self._stop = trio.Event()
        server_config = HypercornConfig()
        server_config.bind = [_bind_address(self.config.host, self.config.port)]
        server_config.errorlog = logging.getLogger("maxhack.max.emulator.server")
        server_config.graceful_timeout = SERVER_GRACEFUL_TIMEOUT_S
        app = create_app(self)
        async with httpx.AsyncClient() as webhook_http:
            try:
                async with trio.open_nursery() as nursery:
                    self._nursery = nursery
                    self._webhook_http = webhook_http
                    binds = await nursery.start(
                        partial(
                            hypercorn_serve,
                            cast(Any, app),
                            server_config,
                            shutdown_trigger=self._stop.wait,
                        )
                    )
                    self.url = str(binds[0])
                    self.world.base_url = self.url
                    self._restart_webhook()
                    logger.info(
                        "MAX emulator listening", extra={"action": "emulator_up", "url": self.url}
                    )
                    task_status.started(self.url)
                    await self._stop.wait()
                    # hypercorn drains on its own (same trigger); stop what would outlive it
                    self._nursery = None
                    self._restart_webhook()
            finally:
                self._nursery = None
                self._webhook_http = None
                self._webhook_scope = None

    def stop(self) -> None:
        """Ask :meth:`serve` to shut down gracefully."""
        self._stop.set()

    def _restart_webhook(self) -> None:
        if self._webhook_scope is not None:
            self._webhook_scope.cancel()
            self._webhook_scope = None
        subscription = self.world.subscription
        if subscription is None or self._nursery is None or self._webhook_http is None:
            return
        scope = trio.CancelScope()
        self._webhook_scope = scope
        self._nursery.start_soon(self._run_webhook, scope, subscription, self._webhook_http)

    async def _run_webhook(
        self, scope: trio.CancelScope, subscription: Subscription, http: httpx.AsyncClient
    ) -> None:
        with scope:
            await deliver_updates(
                updates=self.world.updates,
                subscription=subscription,
                http=http,
                config=self.config,
                journal=self.webhook_deliveries,
            )

    # --- inspection ----------------------------------------------------------------------

    def message(self, mid: str) -> StoredMessage:
        try:
            return self.world.messages[mid]
        except KeyError:
            raise EmulatorUsageError(f"unknown message {mid}") from None

    def messages_in_chat(
        self, chat_id: int, *, include_deleted: bool = False
    ) -> list[StoredMessage]:
        """Every message of the chat (bot's and users'), oldest first, as they are now."""
        messages = (self.world.messages[mid] for mid in self.world.chat_messages.get(chat_id, []))
        return [m for m in messages if include_deleted or not m.deleted]

    def bot_messages_to(
        self, user_id: int, *, include_deleted: bool = False
    ) -> list[StoredMessage]:
        """The bot's messages in the user's dialog, oldest first, as they are now."""
        chat_id = self.world.user(user_id).chat_id
        return [
            m for m in self.messages_in_chat(chat_id, include_deleted=include_deleted) if m.from_bot
        ]

    def last_bot_message_to(self, user_id: int) -> StoredMessage:
        messages = self.bot_messages_to(user_id)
        if not messages:
            raise EmulatorUsageError(f"the bot has sent nothing to user {user_id}")
        return messages[-1]

    @property
    def answers(self) -> list[AnswerRecord]:
        """Every ``POST /answers`` in order."""
        return list(self.world.answers)

    def notifications_for(self, user_id: int) -> list[str]:
        """Toasts shown to the user through callback answers, in order."""
        return [
            a.notification for a in self.world.answers if a.user_id == user_id and a.notification
        ]

    def requests(
        self, *, method: str | None = None, path: str | None = None
    ) -> list[RequestRecord]:
        """Logged Bot API/upload requests, oldest first, optionally filtered."""
        return [
            r
            for r in self.request_log.entries()
            if (method is None or r.method == method) and (path is None or r.path == path)
        ]

    def clear_requests(self) -> None:
        self.request_log.clear()

    @property
    def subscription(self) -> Subscription | None:
        return self.world.subscription

    async def wait_for_polls(self, count: int = 1) -> None:
        """Return once at least ``count`` long polls are held open waiting for updates."""
        await self.world.updates.wait_for_held_polls(count)

    async def wait_until_consumed(self) -> None:
        """Return once every update published so far is committed (polled with a later
        marker, or delivered/skipped by the webhook)."""
        await self.world.updates.wait_committed()

    def pending_updates(self) -> list[JsonDict]:
        """Updates not yet committed by a poll (or delivered by the webhook)."""
        return [update for _, update in self.world.updates.pending()]

    # --- faults --------------------------------------------------------------------------

    def fail_next(
        self,
        count: int | None = 1,
        *,
        status: int = 503,
        code: str | None = None,
        message: str = "",
        retry_after: float | str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        """The next ``count`` matching requests get ``status`` (with ``Retry-After`` if
        given) without being handled."""
        self.faults.add(
            FaultRule(
                kind="status",
                count=count,
                status=status,
                code=code,
                message=message,
                retry_after=None if retry_after is None else _header_value(retry_after),
                method=method,
                path=path,
            )
        )

    def rate_limit_next(
        self,
        count: int | None = 1,
        *,
        retry_after: float | str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        """Shorthand for ``fail_next(status=429)``."""
        self.fail_next(count, status=429, retry_after=retry_after, method=method, path=path)

    def drop_next(
        self,
        count: int | None = 1,
        *,
        after_handling: bool = False,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        """Cut the connection of the next ``count`` matching requests, before handling them
        or (``after_handling``) after they took effect."""
        self.faults.add(
            FaultRule(
                kind="drop", count=count, after_handling=after_handling, method=method, path=path
            )
        )

    def add_latency(
        self,
        seconds: float,
        *,
        count: int | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        """Delay matching requests by ``seconds`` (all of them until cleared by default)."""
        self.faults.add(
            FaultRule(kind="latency", count=count, latency_s=seconds, method=method, path=path)
        )

    def clear_faults(self) -> None:
        self.faults.clear()

    def deny_user(self, user_id: int, denied: bool = True) -> None:
        """Sends to the user get 403 ``chat.denied`` while ``denied`` (no update is sent)."""
        self.add_user(user_id).denied = denied

    def set_rate_limit(self, per_s: float | None) -> None:
        """Change the global limit (requests per sliding second; ``None`` = unlimited)."""
        if per_s is not None and per_s <= 0:
            raise EmulatorUsageError("rate limit must be positive or None")
        self.rate_limiter.per_s = per_s


def _header_value(value: float | str) -> str:
    if isinstance(value, str):
        return value
    return str(int(value)) if float(value).is_integer() else str(value)


def _bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
