"""The API under test: one real server (hypercorn + quart-trio + asyncpg through the bridge) on
a background thread for the whole session, over a database cloned from the migrated template.

Tests share it and stay independent by creating their own users (fresh MAX ids) and groups.
Tests that need a differently configured server start one themselves with
`maxhack.web.testing.serve_api` inside the `aio` fixture.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import httpx
import pytest

from maxhack.bridge import run_aio
from maxhack.web.testing import ThreadedApi
from tests.conftest import _admin, with_database
from tests.web.apiclient import Api


@pytest.fixture(scope="session")
def api_database_url(service_urls: tuple[str, str], template_database: str) -> Iterator[str]:
    admin_url = service_urls[0]
    name = f"maxhack_api_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(admin_url, f"CREATE DATABASE {name} TEMPLATE {template_database}"))
    yield with_database(admin_url, name)
    asyncio.run(_admin(admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture(scope="session")
def threaded_api(api_database_url: str, service_urls: tuple[str, str]) -> Iterator[ThreadedApi]:
    with ThreadedApi(api_database_url, service_urls[1]) as server:
        yield server


@pytest.fixture
async def api(threaded_api: ThreadedApi) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=threaded_api.base_url, timeout=30) as client:
        yield Api(client)


class Db:
    """Direct SQL on the API's database, for asserting what the API stored."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def fetch(self, query: str, *args: object) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await run_aio(self.pool.fetch, query, *args)
        return rows

    async def value(self, query: str, *args: object) -> object:
        return await run_aio(self.pool.fetchval, query, *args)


@pytest.fixture
async def db(aio: None, api_database_url: str) -> AsyncIterator[Db]:
    pool = await run_aio(asyncpg.create_pool, api_database_url, min_size=1, max_size=2)
    try:
        yield Db(pool)
    finally:
        await run_aio(pool.close)
