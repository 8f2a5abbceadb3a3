"""Inbound-side fixtures: the MAX emulator and clients (from tests/max), a pool, a writer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
import trio

from maxhack.bridge import run_aio
from maxhack.db.writer import DbWriter
from tests.max.conftest import client, emulator, make_client, start_emulator

__all__ = ["client", "emulator", "make_client", "start_emulator"]


@pytest.fixture
async def pool(aio: None, database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await run_aio(asyncpg.create_pool, database_url, min_size=2, max_size=8)
    yield pool
    await run_aio(pool.close)


@pytest.fixture
async def writer(pool: asyncpg.Pool) -> AsyncIterator[DbWriter]:
    # Its own nursery (not pytest-trio's `nursery`): it must stop before the pool and the
    # asyncio loop it depends on are torn down.
    writer = DbWriter(lambda: pool)
    async with trio.open_nursery() as nursery:
        await nursery.start(writer.run)
        yield writer
        writer.stop_signal.request()
