"""Postgres goes away while maxhack runs: 503 within seconds, restarts, then recovery."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.process import MaxhackProcess
from tests.support.services import PostgresCluster, spare_port


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[PostgresCluster]:
    """A cluster this test may stop and start (the shared one must stay up)."""
    base = Path(f"/tmp/maxhack-outage-{os.getpid()}-{spare_port()}")
    base.mkdir(mode=0o755)
    cluster = PostgresCluster(base / "pg", spare_port())
    cluster.init()
    cluster.start()
    yield cluster
    cluster.stop("immediate")
    shutil.rmtree(base, ignore_errors=True)


def _writer(body: dict[str, Any]) -> dict[str, Any]:
    db = next(c for c in body["tree"]["children"] if c["id"] == "db")
    return dict(db["subtree"]["children"][0])


def test_outage_turns_health_503_then_recovers(
    own_postgres: PostgresCluster, redis_url: str, tmp_path: Path
) -> None:
    process = MaxhackProcess(
        env={
            "DATABASE_URL": own_postgres.url,
            "REDIS_URL": redis_url,
            "DATA_DIR": str(tmp_path),
            "HEALTH_PROBE_INTERVAL_S": "0.5",
            "HEALTH_PROBE_TIMEOUT_S": "1",
        },
        log_path=tmp_path / "maxhack.log",
    ).start()
    try:
        process.wait_for_status(200)

        own_postgres.stop("fast")
        stopped_at = time.monotonic()
        degraded = process.wait_for_status(503, timeout_s=10)
        assert time.monotonic() - stopped_at < 5
        assert degraded["status"] == "degraded"
        assert degraded["checks"]["postgres"]["ok"] is False
        assert degraded["checks"]["redis"]["ok"] is True

        # The writer needs Postgres: it fails and is restarted with backoff.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            health = process.health()
            assert health is not None  # the http actor keeps serving throughout
            writer = _writer(health[1])
            if writer["restart_count"] >= 2:
                break
            time.sleep(0.2)
        assert writer["restart_count"] >= 2
        assert writer["last_error"]

        own_postgres.start()
        recovered = process.wait_for_status(200, timeout_s=30)
        assert recovered["checks"]["postgres"]["ok"] is True
        assert _writer(recovered)["state"] == "running"

        code, _ = process.stop()
        assert code == 0, process.log()
    finally:
        process.kill()
