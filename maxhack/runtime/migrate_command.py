"""`maxhack migrate`: apply pending migrations with a single connection, then exit."""

from __future__ import annotations

import asyncpg
import trio_asyncio

from maxhack.bridge import run_aio
from maxhack.config import Settings
from maxhack.db.migrate import apply_migrations
from maxhack.runtime.process import open_store_endpoints


async def migrate_once(settings: Settings) -> list[int]:
    """Return the versions applied. Starts the embedded Postgres if DATABASE_URL is unset."""
    async with trio_asyncio.open_loop():
        endpoints = await open_store_endpoints(
            settings.model_copy(update={"REDIS_URL": "redis://unused"})
        )
        try:
            return await run_aio(_migrate, endpoints.database_url)
        finally:
            await endpoints.close()


async def _migrate(database_url: str) -> list[int]:
    conn = await asyncpg.connect(database_url)
    try:
        return await apply_migrations(conn)
    finally:
        await conn.close()
