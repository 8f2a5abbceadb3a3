"""Migrations: ordered, recorded, idempotent, serialised across concurrent runners."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from maxhack.db.migrate import MigrationError, apply_migrations, load_migrations


def test_packaged_migrations_are_numbered_without_gaps() -> None:
    migrations = load_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert all(m.sql.strip() for m in migrations)


async def _apply(url: str) -> list[int]:
    conn = await asyncpg.connect(url)
    try:
        return await apply_migrations(conn)
    finally:
        await conn.close()


async def _fetch(url: str, query: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetch(query)
    finally:
        await conn.close()


def test_applies_all_then_nothing(empty_database_url: str) -> None:
    expected = [m.version for m in load_migrations()]
    assert asyncio.run(_apply(empty_database_url)) == expected
    assert asyncio.run(_apply(empty_database_url)) == []
    rows = asyncio.run(
        _fetch(empty_database_url, "SELECT version, checksum FROM schema_migrations ORDER BY 1")
    )
    assert [r["version"] for r in rows] == expected
    assert [r["checksum"] for r in rows] == [m.checksum for m in load_migrations()]
    tables = asyncio.run(
        _fetch(empty_database_url, "SELECT to_regclass('process_starts') IS NOT NULL AS ok")
    )
    assert tables[0]["ok"]


def test_concurrent_runners_apply_each_migration_once(empty_database_url: str) -> None:
    async def race() -> list[list[int]]:
        return list(await asyncio.gather(*(_apply(empty_database_url) for _ in range(4))))

    results = asyncio.run(race())
    applied = sorted(v for result in results for v in result)
    assert applied == [m.version for m in load_migrations()]


def test_edited_migration_is_refused(empty_database_url: str) -> None:
    asyncio.run(_apply(empty_database_url))

    async def tamper() -> None:
        conn = await asyncpg.connect(empty_database_url)
        try:
            await conn.execute("UPDATE schema_migrations SET checksum = 'x' WHERE version = 1")
        finally:
            await conn.close()

    asyncio.run(tamper())
    with pytest.raises(MigrationError, match="was edited after it was applied"):
        asyncio.run(_apply(empty_database_url))
