"""`maxhack run`: the whole process, from the asyncio bridge to a graceful exit.

Order of events: open the trio-asyncio loop (it must wrap everything that may touch
asyncpg or redis) → start embedded stores if no URLs are configured → start the root
supervisor (children in order) → serve until SIGTERM/SIGINT → stop the root (children in
reverse order, each within its own shutdown timeout, the whole stop bounded by
SHUTDOWN_TIMEOUT_S) → stop the embedded stores. Exit code 0 after a graceful stop, 1 when
start-up failed or the root supervisor gave up.
"""

from __future__ import annotations

import logging
import signal
from dataclasses import dataclass, field

import trio
import trio_asyncio

from maxhack.app import Application, build_application
from maxhack.config import Settings
from maxhack.db.writer import WriteFailed
from maxhack.resources.embedded import EmbeddedPostgres, EmbeddedRedis
from supervisors import ChildStartError, SupervisorGaveUp

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EMBEDDED_STOP_TIMEOUT_S = 30.0


@dataclass
class StoreEndpoints:
    """Where the stores are: configured URLs, or embedded servers this process owns."""

    database_url: str
    redis_url: str
    embedded: list[EmbeddedPostgres | EmbeddedRedis] = field(default_factory=list)

    async def close(self) -> None:
        with trio.CancelScope(shield=True), trio.move_on_after(EMBEDDED_STOP_TIMEOUT_S):
            for server in reversed(self.embedded):
                await trio.to_thread.run_sync(server.stop)


async def open_store_endpoints(settings: Settings) -> StoreEndpoints:
    """Use the configured URLs; start an embedded server in DATA_DIR for each missing one."""
    embedded: list[EmbeddedPostgres | EmbeddedRedis] = []
    endpoints = StoreEndpoints(settings.DATABASE_URL or "", settings.REDIS_URL or "", embedded)
    if settings.DATABASE_URL and settings.REDIS_URL:
        return endpoints
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    try:
        if not settings.DATABASE_URL:
            postgres = EmbeddedPostgres(settings.DATA_DIR)
            endpoints.database_url = await trio.to_thread.run_sync(postgres.start)
            embedded.append(postgres)
        if not settings.REDIS_URL:
            redis = EmbeddedRedis(settings.DATA_DIR)
            endpoints.redis_url = await trio.to_thread.run_sync(redis.start)
            embedded.append(redis)
    except BaseException:
        await endpoints.close()
        raise
    return endpoints


async def run_process(settings: Settings) -> int:
    async with trio_asyncio.open_loop():
        endpoints = await open_store_endpoints(settings)
        try:
            app = build_application(
                settings, database_url=endpoints.database_url, redis_url=endpoints.redis_url
            )
            try:
                return await supervise_until_signal(app, settings.SHUTDOWN_TIMEOUT_S)
            finally:
                with trio.CancelScope(shield=True), trio.move_on_after(5):
                    await app.aclose()
        finally:
            await endpoints.close()


async def supervise_until_signal(app: Application, shutdown_timeout_s: float) -> int:
    """Run the tree until a stop signal; bound the graceful stop by `shutdown_timeout_s`."""
    exit_code = EXIT_OK
    with trio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async with trio.open_nursery() as nursery:

            async def run_root(*, task_status: trio.TaskStatus[None]) -> None:
                nonlocal exit_code
                try:
                    await app.root.run(task_status=task_status)
                except SupervisorGaveUp as exc:
                    log.critical(
                        "root supervisor gave up",
                        extra={"action": "root_gave_up", "causes": [repr(c) for c in exc.causes]},
                    )
                    exit_code = EXIT_FAILED
                finally:
                    nursery.cancel_scope.cancel()  # nothing left to wait for

            try:
                await nursery.start(run_root)
            except ChildStartError as exc:
                log.critical(
                    "start-up failed",
                    extra={"action": "startup_failed", "child": exc.child_id, "error": repr(exc)},
                )
                return EXIT_FAILED
            await _record_process_start(app)
            log.info("maxhack ready", extra={"action": "ready", "bind": app.http.bound})
            stopping = False
            async for signum in signals:
                name = signal.Signals(signum).name
                if stopping:
                    log.warning("second signal: cancelling now", extra={"action": "hard_stop"})
                    nursery.cancel_scope.cancel()
                    break
                stopping = True
                log.info("stopping", extra={"action": "stopping", "signal": name})
                app.root.stop()
                nursery.start_soon(_hard_stop_after, nursery.cancel_scope, shutdown_timeout_s)
    log.info("stopped", extra={"action": "stopped", "exit_code": exit_code})
    return exit_code


async def _record_process_start(app: Application) -> None:
    try:
        await app.record_process_start()
    except WriteFailed as exc:
        log.error(
            "could not record the process start",
            extra={"action": "start_record_failed", "error": str(exc)},
        )


async def _hard_stop_after(scope: trio.CancelScope, timeout_s: float) -> None:
    await trio.sleep(timeout_s)
    log.error("graceful stop timed out; cancelling", extra={"action": "hard_stop"})
    scope.cancel()
