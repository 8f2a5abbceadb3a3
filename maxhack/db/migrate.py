"""Versioned SQL migrations: `migrations/NNNN_name.sql`, applied in order, each exactly once.

Several replicas may start at once, so the whole run holds a Postgres advisory lock; the
others wait and then find nothing pending. Each file runs in its own transaction together
with its row in `schema_migrations`, so a failed migration leaves no trace and can be fixed
and re-run. A checksum per applied file detects migrations edited after they shipped.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from importlib import resources

import asyncpg
from asyncpg.pool import PoolConnectionProxy

log = logging.getLogger(__name__)

# Arbitrary but fixed: the advisory lock key that serialises migration runs.
MIGRATION_LOCK_KEY = 0x6D61_7868_6163_6B01  # "maxhack" + 1
_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

_BOOTSTRAP = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer     PRIMARY KEY,
    name        text        NOT NULL,
    checksum    text        NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""


class MigrationError(Exception):
    """The migration set cannot be applied (edited file, bad name, SQL error)."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations() -> list[Migration]:
    """The packaged migrations in version order; a malformed name or gap is an error."""
    found = []
    for entry in resources.files("maxhack.db").joinpath("migrations").iterdir():
        if not entry.name.endswith(".sql"):
            continue
        match = _FILE_NAME.match(entry.name)
        if match is None:
            raise MigrationError(f"migration file {entry.name!r} is not named NNNN_name.sql")
        found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(f"migration {expected:04d} is missing")
    return found


async def apply_migrations(conn: asyncpg.Connection | PoolConnectionProxy) -> list[int]:
    """Apply the pending migrations on `conn` (an asyncio coroutine: cross the bridge once).

    Returns the versions applied by this call (empty when up to date).
    """
    migrations = load_migrations()
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
    try:
        await conn.execute(_BOOTSTRAP)
        rows = await conn.fetch("SELECT version, checksum FROM schema_migrations")
        applied = {row["version"]: row["checksum"] for row in rows}
        done = []
        for migration in migrations:
            if migration.version in applied:
                if applied[migration.version] != migration.checksum:
                    raise MigrationError(
                        f"migration {migration.version:04d}_{migration.name} was edited after "
                        "it was applied; add a new migration instead"
                    )
                continue
            try:
                async with conn.transaction():
                    await conn.execute(migration.sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) "
                        "VALUES ($1, $2, $3)",
                        migration.version,
                        migration.name,
                        migration.checksum,
                    )
            except asyncpg.PostgresError as exc:
                raise MigrationError(
                    f"migration {migration.version:04d}_{migration.name} failed: {exc}"
                ) from exc
            log.info(
                "migration applied",
                extra={"action": "migration_applied", "version": migration.version},
            )
            done.append(migration.version)
        unknown = set(applied) - {m.version for m in migrations}
        if unknown:
            log.warning(
                "database has migrations this build does not know",
                extra={"action": "migration_unknown", "versions": sorted(unknown)},
            )
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
