"""The supervision tree of one maxhack process.

    root (rest_for_one: a resources restart restarts everything that holds its handles)
    ├─ resources   asyncpg pool + Redis client, migrations, health probes
    ├─ db          supervisor (one_for_one, tolerant: rides out store outages)
    │   └─ db_writer
    ├─ sender      every MAX call, rate-limited, two lanes        (only with MAX_TOKEN)
    ├─ reminders   supervisor: deliverer, wheel                   (only with MAX_TOKEN)
    ├─ bot         supervisor: identity, dispatcher, poller       (only with MAX_TOKEN)
    └─ http        hypercorn + quart-trio: API, /health, webhook

Start order is top to bottom; shutdown is the reverse, so the http actor stops taking
requests first, the bot stops taking updates, the sender finishes what is in flight, and
the writer drains last. Without MAX_TOKEN nothing can be sent, so the reminder actors stay
off too (the planner still keeps the triggers up to date with every event edit).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Any

from maxhack import __version__
from maxhack.bot.assembly import BotParts, build_bot
from maxhack.bot.conversations import conversation_router
from maxhack.bot.status import BotStatus
from maxhack.config import Settings
from maxhack.db.writer import DbWriter
from maxhack.health import HealthReport, build_health_report
from maxhack.metrics import metrics_renderer
from maxhack.reminders.assembly import ReminderParts, build_reminders
from maxhack.resources.stores import ResourcesActor, StoreSettings
from maxhack.web.app import WebContext, create_app
from maxhack.web.server import HttpActor
from supervisors import Backoff, ChildSpec, Intensity, Strategy, Supervisor

RESOURCES_START_TIMEOUT_S = 30.0
ROOT_INTENSITY = Intensity(max_restarts=3, period=30.0)
# Store outages make store-bound actors fail repeatedly for as long as the outage lasts;
# with backoff capped at STORE_BACKOFF.maximum this stays far below the limit, so the
# subtree keeps retrying instead of escalating to the root.
STORE_BOUND_INTENSITY = Intensity(max_restarts=60, period=60.0)
STORE_BACKOFF = Backoff(initial=0.5, maximum=5.0, factor=2.0, jitter="full", reset_after=10.0)
BOT_DISABLED_REASON = "MAX_TOKEN is not set: the bot actors are not started"


@dataclass
class Application:
    settings: Settings
    resources: ResourcesActor
    writer: DbWriter
    http: HttpActor
    root: Supervisor
    bot: BotParts | None
    reminders: ReminderParts | None

    def health(self) -> HealthReport:
        bot_info = (
            self.bot.health()
            if self.bot is not None
            else BotStatus(enabled=False, disabled_reason=BOT_DISABLED_REASON).to_dict()
        )
        components: dict[str, dict[str, Any]] = {
            "bot": bot_info,
            "dbWriter": self.writer.stats().to_dict(),
            "reminders": (
                self.reminders.stats.to_dict()
                if self.reminders is not None
                else {"enabled": False, "reason": BOT_DISABLED_REASON}
            ),
            "http": {"bind": self.http.bound},
        }
        problems = []
        if self.bot is not None and self.bot.status.fatal_reason:
            problems.append(self.bot.status.fatal_reason)
        return build_health_report(
            self.root.tree(),
            {"postgres": self.resources.postgres_check, "redis": self.resources.redis_check},
            components=components,
            extra_problems=problems,
        )

    async def aclose(self) -> None:
        """Release what outlives the tree (the MAX HTTP client)."""
        if self.bot is not None:
            await self.bot.aclose()

    async def record_process_start(self) -> None:
        await self.writer.write(
            "INSERT INTO process_starts (hostname, pid, version) VALUES ($1, $2, $3)",
            socket.gethostname(),
            os.getpid(),
            __version__,
        )


def build_application(settings: Settings, *, database_url: str, redis_url: str) -> Application:
    resources = ResourcesActor(
        StoreSettings(
            database_url=database_url,
            redis_url=redis_url,
            pool_max_size=settings.DB_POOL_MAX_SIZE,
            probe_interval_s=settings.HEALTH_PROBE_INTERVAL_S,
            probe_timeout_s=settings.HEALTH_PROBE_TIMEOUT_S,
        )
    )
    writer = DbWriter(
        lambda: resources.stores.pg,
        inbox_size=settings.DB_WRITER_INBOX_SIZE,
        batch_max=settings.DB_WRITER_BATCH_MAX,
    )
    db = Supervisor(
        "db",
        [
            ChildSpec(
                id="db_writer",
                start=writer.run,
                stop=writer.stop_signal.request,
                shutdown=10.0,
                backoff=STORE_BACKOFF,
                mailboxes=(writer.inbox,),
            )
        ],
        strategy=Strategy.ONE_FOR_ONE,
        intensity=STORE_BOUND_INTENSITY,
    )
    bot = (
        build_bot(
            settings,
            pool_source=lambda: resources.stores.pg,
            writer=writer,
            router=conversation_router(),
            redis_source=lambda: resources.stores.redis,
        )
        if settings.bot_enabled
        else None
    )
    reminders = (
        build_reminders(
            settings, pool_source=lambda: resources.stores.pg, writer=writer, sender=bot.sender
        )
        if bot is not None
        else None
    )
    app: Application

    def health() -> HealthReport:
        return app.health()

    web_context = WebContext(
        settings=settings,
        health=health,
        stores=lambda: resources.stores,
        bot_username=lambda: bot.status.username if bot is not None else settings.MAX_BOT_USERNAME,
        metrics=metrics_renderer(lambda: app),
        webhook=None if bot is None else bot.intake,
    )
    http = HttpActor(create_app(web_context), settings.API_HOST, settings.API_PORT)
    root = Supervisor(
        "root",
        [
            ChildSpec(
                id="resources",
                start=resources.run,
                stop=resources.stop_signal.request,
                start_timeout=RESOURCES_START_TIMEOUT_S,
                shutdown=10.0,
                backoff=STORE_BACKOFF,
            ),
            db.as_child(shutdown=15.0),
            *(
                ()
                if bot is None or reminders is None
                else (
                    bot.sender_spec,
                    reminders.supervisor.as_child(shutdown=15.0),
                    bot.supervisor.as_child(shutdown=20.0),
                )
            ),
            ChildSpec(
                id="http",
                start=http.run,
                stop=http.stop_signal.request,
                shutdown=http.graceful_timeout_s + 1.0,
            ),
        ],
        strategy=Strategy.REST_FOR_ONE,
        intensity=ROOT_INTENSITY,
    )
    app = Application(
        settings=settings,
        resources=resources,
        writer=writer,
        http=http,
        root=root,
        bot=bot,
        reminders=reminders,
    )
    return app
