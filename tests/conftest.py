"""Shared fixtures: real PostgreSQL and Redis for every test that needs them.

The servers come from MAXHACK_TEST_DATABASE_URL / MAXHACK_TEST_REDIS_URL (set by
`scripts/test`); when those are unset, a throwaway pair is started for the session with
the same helper. Each test gets its own database, cloned from a migrated template, and its
own Redis database number, flushed before use.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
import redis
import trio_asyncio

from maxhack.db.migrate import apply_migrations
from tests.support import services

REDIS_TEST_DBS = 16


@pytest.fixture(scope="session")
def service_urls() -> Iterator[tuple[str, str]]:
    pg_url = os.environ.get("MAXHACK_TEST_DATABASE_URL")
    redis_url = os.environ.get("MAXHACK_TEST_REDIS_URL")
    if pg_url and redis_url:
        yield pg_url, redis_url
        return
    state_dir = Path(tempfile.mkdtemp(prefix="maxhack-services-"))
    state_dir.chmod(0o755)
    started = services.start_all(state_dir)
    try:
        yield (
            pg_url or started["MAXHACK_TEST_DATABASE_URL"],
            redis_url or started["MAXHACK_TEST_REDIS_URL"],
        )
    finally:
        services.stop_all(state_dir)


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


async def _admin(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def _migrate(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await apply_migrations(conn)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def template_database(service_urls: tuple[str, str]) -> Iterator[str]:
    """A migrated database that per-test databases are cloned from."""
    admin_url = service_urls[0]
    name = f"maxhack_template_{os.getpid()}"
    asyncio.run(_admin(admin_url, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"))
    asyncio.run(_migrate(with_database(admin_url, name)))
    yield name
    asyncio.run(_admin(admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture
def database_url(service_urls: tuple[str, str], template_database: str) -> Iterator[str]:
    """A fresh, migrated database for one test (dropped afterwards)."""
    admin_url = service_urls[0]
    name = f"maxhack_t_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(admin_url, f"CREATE DATABASE {name} TEMPLATE {template_database}"))
    yield with_database(admin_url, name)
    asyncio.run(_admin(admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture
def empty_database_url(service_urls: tuple[str, str]) -> Iterator[str]:
    """A fresh database with no migrations applied."""
    admin_url = service_urls[0]
    name = f"maxhack_e_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(admin_url, f"CREATE DATABASE {name}"))
    yield with_database(admin_url, name)
    asyncio.run(_admin(admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


_redis_db_numbers = itertools.cycle(range(1, REDIS_TEST_DBS))


@pytest.fixture
def redis_url(service_urls: tuple[str, str]) -> str:
    """A flushed Redis database number for one test."""
    parts = urlsplit(service_urls[1])
    url = urlunsplit(parts._replace(path=f"/{next(_redis_db_numbers)}"))
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()
    return url


@pytest.fixture
async def aio() -> AsyncIterator[None]:
    """The trio-asyncio loop that bridged code (asyncpg, redis) needs inside a trio test."""
    async with trio_asyncio.open_loop():
        yield
