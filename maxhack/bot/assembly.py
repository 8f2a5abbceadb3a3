"""Builds the MAX side of the tree when a bot token is configured.

    sender        every outgoing MAX call: rate limit, interactive lane before bulk lane
    bot           supervisor (one_for_one)
    ├─ identity   GET /me → username for deep links (transient)
    ├─ dispatcher per-chat ordered handling of stored updates
    └─ poller     long polling into the inbox (absent in webhook mode; transient: a 401
                  ends it and /health says why)

One MaxClient is shared; its attempt gate is the sender's rate limiter, so the long poll
and every retry count against the same per-bot budget.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg

from maxhack.bot.conversations.queries import Stores
from maxhack.bot.dispatcher import Dispatcher
from maxhack.bot.identity import IdentityActor
from maxhack.bot.intake import WebhookIntake
from maxhack.bot.lifecycle import MARK_UNREACHABLE, lifecycle_router
from maxhack.bot.poller import Poller
from maxhack.bot.router import Router
from maxhack.bot.status import BotStatus
from maxhack.config import Settings
from maxhack.db.writer import DbWriter
from maxhack.max import MaxClient, MaxClientConfig
from maxhack.sender import Sender
from supervisors import Backoff, ChildSpec, Intensity, Restart, Strategy, Supervisor

BOT_INTENSITY = Intensity(max_restarts=60, period=60.0)
BOT_BACKOFF = Backoff(initial=0.5, maximum=10.0, factor=2.0, jitter="full", reset_after=30.0)


@dataclass
class HandlerContext:
    """What handlers get: settings, the db writer, the sender, the bot's status (username
    for deep links) and the stores (resolved per call: a resources restart replaces them)."""

    settings: Settings
    writer: DbWriter
    sender: Sender
    status: BotStatus
    pool_source: Callable[[], asyncpg.Pool]
    redis_source: Callable[[], Any] | None = None

    def stores(self) -> Stores:
        if self.redis_source is None:
            raise RuntimeError("the conversation handlers need a Redis client source")
        return Stores(pg=self.pool_source(), redis=self.redis_source())


@dataclass
class BotParts:
    status: BotStatus
    client: MaxClient
    sender: Sender
    dispatcher: Dispatcher
    poller: Poller | None
    intake: WebhookIntake | None
    supervisor: Supervisor
    sender_spec: ChildSpec

    def health(self) -> dict[str, Any]:
        info = self.status.to_dict()
        info["sender"] = self.sender.stats().to_dict()
        info["dispatcher"] = self.dispatcher.stats().to_dict()
        if self.poller is not None:
            info["poller"] = self.poller.stats()
        if self.intake is not None:
            info["webhook"] = {
                "received": self.intake.received,
                "duplicates": self.intake.duplicates,
            }
        return info

    async def aclose(self) -> None:
        await self.client.aclose()


def build_bot(
    settings: Settings,
    *,
    pool_source: Callable[[], asyncpg.Pool],
    writer: DbWriter,
    router: Router | None = None,
    redis_source: Callable[[], Any] | None = None,
) -> BotParts:
    assert settings.MAX_TOKEN is not None
    token = settings.MAX_TOKEN.get_secret_value()
    status = BotStatus(enabled=True, username=settings.MAX_BOT_USERNAME)

    async def mark_unreachable(user_id: int | None, chat_id: int | None) -> None:
        if user_id is not None:
            await writer.submit(MARK_UNREACHABLE, user_id)

    client_holder: list[MaxClient] = []
    sender = Sender(
        lambda: client_holder[0],
        rate_per_s=settings.MAX_RATE_LIMIT,
        chat_rate_per_s=settings.MAX_CHAT_RATE_LIMIT,
        on_chat_denied=mark_unreachable,
        on_unauthorized=status.token_rejected,
    )
    client = MaxClient(
        MaxClientConfig(
            token=token,
            base_url=str(settings.MAX_API_URL).rstrip("/"),
            ca_file=str(settings.MAX_CA_FILE) if settings.MAX_CA_FILE else None,
            poll_timeout_s=settings.MAX_POLL_TIMEOUT_S,
        ),
        attempt_gate=sender.attempt_gate(),
    )
    client_holder.append(client)

    full_router = lifecycle_router()
    if router is not None:
        full_router.include(router)
    context = HandlerContext(settings, writer, sender, status, pool_source, redis_source)
    dispatcher = Dispatcher(full_router, writer=writer, pool_source=pool_source, context=context)
    children = [
        ChildSpec(
            id="identity",
            start=IdentityActor(lambda: client, status).run,
            restart=Restart.TRANSIENT,
            backoff=BOT_BACKOFF,
            start_timeout=60.0,
            shutdown=1.0,
        ),
        ChildSpec(
            id="dispatcher",
            start=dispatcher.run,
            stop=dispatcher.stop_signal.request,
            backoff=BOT_BACKOFF,
            start_timeout=60.0,
            shutdown=10.0,
            mailboxes=(dispatcher.inbox,),
        ),
    ]
    poller = intake = None
    if settings.webhook_mode:
        intake = WebhookIntake(pool_source, dispatcher.inbox)
    else:
        poller = Poller(
            client_source=lambda: client,
            pool_source=pool_source,
            dispatch_to=dispatcher.inbox,
            token=token,
            status=status,
            poll_timeout_s=settings.MAX_POLL_TIMEOUT_S,
        )
        children.append(
            ChildSpec(
                id="poller",
                start=poller.run,
                stop=poller.request_stop,
                restart=Restart.TRANSIENT,
                backoff=BOT_BACKOFF,
                shutdown=5.0,
            )
        )
    supervisor = Supervisor("bot", children, strategy=Strategy.ONE_FOR_ONE, intensity=BOT_INTENSITY)
    sender_spec = ChildSpec(
        id="sender", start=sender.run, stop=sender.stop, backoff=BOT_BACKOFF, shutdown=10.0
    )
    return BotParts(status, client, sender, dispatcher, poller, intake, supervisor, sender_spec)
