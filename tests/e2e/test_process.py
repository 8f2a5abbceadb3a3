"""`maxhack run` as a real process against real PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.support.process import MaxhackProcess


def _child_states(tree: dict[str, Any]) -> dict[str, str]:
    states = {}
    for child in tree["children"]:
        states[child["id"]] = child["state"]
        if child.get("subtree"):
            states.update(_child_states(child["subtree"]))
    return states


async def _count_starts(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM process_starts"))
    finally:
        await conn.close()


@pytest.fixture
def maxhack(database_url: str, redis_url: str, tmp_path: Path) -> Iterator[MaxhackProcess]:
    process = MaxhackProcess(
        env={"DATABASE_URL": database_url, "REDIS_URL": redis_url, "DATA_DIR": str(tmp_path)},
        log_path=tmp_path / "maxhack.log",
    ).start()
    yield process
    process.kill()


def test_health_reports_tree_and_stores(maxhack: MaxhackProcess, database_url: str) -> None:
    body = maxhack.wait_for_status(200)
    assert body["status"] == "ok"
    assert body["problems"] == []
    assert body["checks"]["postgres"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is True
    assert _child_states(body["tree"]) == {
        "resources": "running",
        "db": "running",
        "db_writer": "running",
        "http": "running",
    }
    bot = body["components"]["bot"]
    assert bot["enabled"] is False
    assert "MAX_TOKEN" in bot["reason"]
    writer_child = next(c for c in body["tree"]["children"] if c["id"] == "db")["subtree"]
    mailbox = writer_child["children"][0]["mailboxes"][0]
    assert mailbox["name"] == "db_writer"
    assert mailbox["capacity"] == 20_000

    api = httpx.get(f"{maxhack.base_url}/api/health", timeout=5)
    assert api.status_code == 200
    assert api.json()["status"] == "ok"

    missing = httpx.get(f"{maxhack.base_url}/no/such/route", timeout=5)
    assert missing.status_code == 404
    assert missing.json() == {"reason": "Not Found"}

    # The start record went through the db writer (just after /health first said 200).
    deadline = time.monotonic() + 10
    while asyncio.run(_count_starts(database_url)) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert asyncio.run(_count_starts(database_url)) == 1
    health = maxhack.health()
    assert health is not None
    assert health[1]["components"]["dbWriter"]["rowsCommitted"] >= 1


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_gracefully_with_exit_0(maxhack: MaxhackProcess, signum: int) -> None:
    maxhack.wait_for_status(200)
    code, elapsed = maxhack.stop(signum)
    assert code == 0, maxhack.log()
    assert elapsed < 15
    log = maxhack.log()
    assert "action='stopping'" in log
    # Reverse start order: http stops before the db writer, the writer before resources.
    stopped = [
        re.search(r"child='([a-z_]+)'", line)[1]  # type: ignore[index]
        for line in log.splitlines()
        if "action='child_stopped'" in line
    ]
    assert stopped == ["http", "db_writer", "db", "resources"]
    assert "Traceback" not in log


def test_busy_port_fails_start_with_exit_1(
    maxhack: MaxhackProcess, database_url: str, redis_url: str, tmp_path: Path
) -> None:
    maxhack.wait_for_status(200)
    second = MaxhackProcess(
        env={"DATABASE_URL": database_url, "REDIS_URL": redis_url, "DATA_DIR": str(tmp_path)},
        log_path=tmp_path / "second.log",
        port=maxhack.port,
    ).start()
    try:
        assert second.proc is not None
        assert second.proc.wait(timeout=60) == 1
        assert "startup_failed" in second.log()
    finally:
        second.kill()
