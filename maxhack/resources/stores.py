"""The resources actor: owns the asyncpg pool and the Redis client, migrates, probes health.

It is the first child of the root supervisor (rest_for_one), so when it restarts every
actor that holds its pool restarts after it. A store outage does NOT crash it: it keeps
probing and reports the outage through `checks`, which /health reads; the actors that need
the store fail their own work and restart with backoff.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import asyncpg
import redis.asyncio as aioredis
import trio

from maxhack.bridge import run_aio
from maxhack.db.migrate import apply_migrations
from maxhack.resources.checks import CheckResult
from maxhack.runtime.stop_signal import StopSignal

log = logging.getLogger(__name__)

CONNECT_RETRY_S = 0.5
POOL_CLOSE_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class StoreSettings:
    database_url: str
    redis_url: str
    pool_max_size: int = 10
    probe_interval_s: float = 1.0
    probe_timeout_s: float = 2.0


@dataclass(frozen=True)
class Stores:
    """Live handles, valid while the resources actor runs."""

    pg: asyncpg.Pool
    redis: aioredis.Redis


class StoresUnavailable(Exception):
    """Raised to callers that need a store before the resources actor has one."""


class ResourcesActor:
    """Opens the stores, applies migrations, then probes both until stopped."""

    def __init__(self, settings: StoreSettings) -> None:
        self.settings = settings
        self.stop_signal = StopSignal()
        self._stores: Stores | None = None
        self.postgres_check = CheckResult.pending()
        self.redis_check = CheckResult.pending()

    @property
    def stores(self) -> Stores:
        if self._stores is None:
            raise StoresUnavailable("the stores are not open (resources actor not running)")
        return self._stores

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        self.stop_signal.rearm()
        pool = await self._open_pool()
        try:
            await run_aio(_migrate_with, pool)
            client = aioredis.from_url(self.settings.redis_url)
            try:
                self._stores = Stores(pg=pool, redis=client)
                await self._probe_once()
                task_status.started()
                await self._probe_until_stopped()
            finally:
                self._stores = None
                with trio.CancelScope(shield=True), trio.move_on_after(POOL_CLOSE_TIMEOUT_S):
                    await run_aio(client.aclose)
        finally:
            with trio.CancelScope(shield=True):
                with trio.move_on_after(POOL_CLOSE_TIMEOUT_S):
                    await run_aio(pool.close)
                pool.terminate()

    async def _open_pool(self) -> asyncpg.Pool:
        """Connect, retrying while Postgres is still coming up (bounded by the start timeout)."""
        while True:
            try:
                pool: asyncpg.Pool = await run_aio(
                    asyncpg.create_pool,
                    self.settings.database_url,
                    min_size=1,
                    max_size=self.settings.pool_max_size,
                    timeout=self.settings.probe_timeout_s,
                )
                return pool
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                self.postgres_check = self.postgres_check.failed(exc)
                log.warning(
                    "postgres not reachable yet",
                    extra={"action": "pg_connect_retry", "error": str(exc)},
                )
                await trio.sleep(CONNECT_RETRY_S)

    async def _probe_until_stopped(self) -> None:
        while not self.stop_signal.requested:
            with trio.move_on_after(self.settings.probe_interval_s):
                await self.stop_signal.wait()
            if not self.stop_signal.requested:
                await self._probe_once()

    async def _probe_once(self) -> None:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._probe_postgres)
            nursery.start_soon(self._probe_redis)

    async def _probe_postgres(self) -> None:
        started = trio.current_time()
        timeout = self.settings.probe_timeout_s
        try:
            with trio.fail_after(timeout):
                await run_aio(_select_one, self.stores.pg, timeout)
        except Exception as exc:
            if self.postgres_check.ok:
                log.error("postgres probe failed", extra={"action": "pg_down", "error": str(exc)})
            self.postgres_check = self.postgres_check.failed(exc)
        else:
            if not self.postgres_check.ok:
                log.info("postgres probe ok", extra={"action": "pg_up"})
            self.postgres_check = self.postgres_check.succeeded(trio.current_time() - started)

    async def _probe_redis(self) -> None:
        started = trio.current_time()
        try:
            with trio.fail_after(self.settings.probe_timeout_s):
                await run_aio(self.stores.redis.ping)
        except Exception as exc:
            if self.redis_check.ok:
                log.error("redis probe failed", extra={"action": "redis_down", "error": str(exc)})
            self.redis_check = self.redis_check.failed(exc)
        else:
            if not self.redis_check.ok:
                log.info("redis probe ok", extra={"action": "redis_up"})
            self.redis_check = self.redis_check.succeeded(trio.current_time() - started)


async def _migrate_with(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await apply_migrations(conn)


async def _select_one(pool: asyncpg.Pool, limit_s: float) -> None:
    async with pool.acquire(timeout=limit_s) as conn:
        await conn.fetchval("SELECT 1", timeout=limit_s)
