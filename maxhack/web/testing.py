"""Running the real API in process, for tests, benchmarks and fuzzing (a product, like
``supervisors.testing``).

* :func:`open_stores` — an asyncpg pool and a Redis client inside an open trio-asyncio loop;
* :func:`serve_api` — the app served by hypercorn's trio worker on a free loopback port;
* :class:`ThreadedApi` — both in a background thread with its own trio run, for synchronous
  fixtures that outlive one test (pytest-trio fixtures are per test);
* :func:`signed_init_data` — a ``WebAppData`` header value for a test user.

None of this checks health: the context reports a healthy tree.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Final

import asyncpg
import redis.asyncio as aioredis
import trio
import trio_asyncio
from hypercorn.config import Config
from hypercorn.trio import serve
from quart_trio import QuartTrio

from maxhack.bridge import run_aio
from maxhack.config import Settings
from maxhack.health import HealthReport
from maxhack.resources.stores import Stores
from maxhack.web.app import WebContext, create_app
from maxhack.web.initdata import sign_init_data

__all__ = [
    "TEST_BOT_TOKEN",
    "TEST_BOT_USERNAME",
    "ThreadedApi",
    "api_context",
    "api_settings",
    "open_stores",
    "serve_api",
    "serve_app",
    "signed_init_data",
]

TEST_BOT_TOKEN: Final = "123456:maxhack-test-token"
TEST_BOT_USERNAME: Final = "maxhack_test_bot"
POOL_MAX_SIZE: Final = 8
START_TIMEOUT_S: Final = 30.0


def signed_init_data(
    max_id: int,
    *,
    first_name: str = "Тест",
    last_name: str | None = None,
    bot_token: str = TEST_BOT_TOKEN,
    auth_date: int | None = None,
    **extra: str,
) -> str:
    """A valid ``WebAppData`` value for the MAX user ``max_id`` signed with ``bot_token``."""
    user: dict[str, Any] = {"id": max_id, "first_name": first_name}
    if last_name is not None:
        user["last_name"] = last_name
    pairs = {
        "auth_date": str(int(time.time()) if auth_date is None else auth_date),
        "query_id": f"q{max_id}",
        "user": json.dumps(user, ensure_ascii=False),
        **extra,
    }
    return sign_init_data(pairs, bot_token=bot_token)


def api_settings(**overrides: Any) -> Settings:
    """Settings for an in-process API: no ``.env``, the test bot token unless overridden."""
    values: dict[str, Any] = {"MAX_TOKEN": TEST_BOT_TOKEN, "MAX_BOT_USERNAME": TEST_BOT_USERNAME}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def _healthy() -> HealthReport:
    return HealthReport(status_code=200, body={"status": "ok", "problems": []})


def api_context(stores: Stores, settings: Settings | None = None) -> WebContext:
    settings = settings or api_settings()
    return WebContext(
        settings=settings,
        health=_healthy,
        stores=lambda: stores,
        bot_username=lambda: settings.MAX_BOT_USERNAME,
    )


@asynccontextmanager
async def open_stores(
    database_url: str, redis_url: str, *, pool_max_size: int = POOL_MAX_SIZE
) -> AsyncIterator[Stores]:
    """Pool and Redis client; must run inside ``trio_asyncio.open_loop()``."""
    pool: asyncpg.Pool = await run_aio(
        asyncpg.create_pool, database_url, min_size=1, max_size=pool_max_size
    )
    client = aioredis.from_url(redis_url)
    try:
        yield Stores(pg=pool, redis=client)
    finally:
        with trio.CancelScope(shield=True):
            await run_aio(client.aclose)
            await run_aio(pool.close)


@asynccontextmanager
async def serve_api(context: WebContext, *, host: str = "127.0.0.1") -> AsyncIterator[str]:
    """Serve the API until the block exits; yields its base URL (``http://host:port``)."""
    async with serve_app(create_app(context), host=host) as base_url:
        yield base_url


@asynccontextmanager
async def serve_app(app: QuartTrio, *, host: str = "127.0.0.1") -> AsyncIterator[str]:
    """Serve an app built with :func:`~maxhack.web.app.create_app` (to inspect its services)."""
    config = Config()
    config.bind = [f"{host}:0"]
    config.accesslog = None
    config.errorlog = logging.getLogger("hypercorn.error")
    config.graceful_timeout = 1.0
    stop = trio.Event()
    async with trio.open_nursery() as nursery:
        binds: list[str] = await nursery.start(
            partial(serve, app, config, shutdown_trigger=stop.wait)
        )
        try:
            yield binds[0]
        finally:
            stop.set()


@dataclass
class ThreadedApi:
    """The API on a background thread (own trio run + trio-asyncio loop) until :meth:`stop`."""

    database_url: str
    redis_url: str
    settings: Settings = field(default_factory=api_settings)
    base_url: str = ""
    _thread: threading.Thread | None = None
    _token: trio.lowlevel.TrioToken | None = None
    _stop: trio.Event | None = None
    _ready: threading.Event = field(default_factory=threading.Event)
    _error: BaseException | None = None

    def start(self) -> ThreadedApi:
        self._thread = threading.Thread(target=self._run, name="maxhack-api", daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_S):
            raise TimeoutError("the API did not start")
        if self._error is not None:
            raise RuntimeError("the API failed to start") from self._error
        return self

    def stop(self) -> None:
        if self._token is not None and self._stop is not None:
            trio.from_thread.run_sync(self._stop.set, trio_token=self._token)
        if self._thread is not None:
            self._thread.join(START_TIMEOUT_S)

    def __enter__(self) -> ThreadedApi:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            trio.run(self._main)
        except BaseException as exc:  # reported to start(); the thread just ends
            self._error = exc
            self._ready.set()

    async def _main(self) -> None:
        self._token = trio.lowlevel.current_trio_token()
        self._stop = trio.Event()
        async with (
            trio_asyncio.open_loop(),
            open_stores(self.database_url, self.redis_url) as stores,
            serve_api(api_context(stores, self.settings)) as base_url,
        ):
            self.base_url = base_url
            self._ready.set()
            await self._stop.wait()
