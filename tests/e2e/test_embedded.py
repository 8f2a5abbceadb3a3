"""The zero-set-up default: embedded PostgreSQL and Redis in DATA_DIR, kept across restarts."""

from __future__ import annotations

import asyncio
import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
import redis

from tests.support.process import MaxhackProcess


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # Short path: the embedded server's unix socket path must stay under ~100 bytes.
    path = Path(f"/tmp/mh-{uuid.uuid4().hex[:8]}")
    path.mkdir(mode=0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _embedded_pg_url(data_dir: Path) -> str:
    # postmaster.pid line 5 is the socket directory of the running server.
    lines = (data_dir / "postgres" / "postmaster.pid").read_text().splitlines()
    return f"postgresql://postgres@/postgres?host={lines[4].strip()}"


def _embedded_redis(data_dir: Path) -> redis.Redis:
    settings = json.loads((data_dir / "redis.rdb.settings").read_text())
    return redis.Redis(unix_socket_path=settings["unixsocket"])


async def _count_starts(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM process_starts"))
    finally:
        await conn.close()


def test_embedded_start_restart_keeps_data(data_dir: Path) -> None:
    env = {"DATA_DIR": str(data_dir)}
    first = MaxhackProcess(env=env, log_path=data_dir / "first.log").start()
    try:
        body = first.wait_for_status(200, timeout_s=120)
        assert body["checks"]["postgres"]["ok"] and body["checks"]["redis"]["ok"]
        assert asyncio.run(_count_starts(_embedded_pg_url(data_dir))) == 1
        client = _embedded_redis(data_dir)
        client.set("maxhack:test:kept", "yes")
        client.close()
        code, _ = first.stop()
        assert code == 0, first.log()
    finally:
        first.kill()

    # Stopping maxhack stops the embedded servers too.
    assert not (data_dir / "postgres" / "postmaster.pid").exists()

    second = MaxhackProcess(env=env, log_path=data_dir / "second.log").start()
    try:
        second.wait_for_status(200, timeout_s=120)
        assert asyncio.run(_count_starts(_embedded_pg_url(data_dir))) == 2
        client = _embedded_redis(data_dir)
        assert client.get("maxhack:test:kept") == b"yes"
        client.close()
        code, _ = second.stop()
        assert code == 0, second.log()
    finally:
        second.kill()
