from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from maxhack.bridge import run_aio


@pytest.fixture
async def pool(aio: None, database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await run_aio(asyncpg.create_pool, database_url, min_size=2, max_size=10)
    yield pool
    await run_aio(pool.close)
