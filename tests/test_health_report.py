"""The /health decision as a pure function of the tree snapshot and the store probes."""

from __future__ import annotations

import trio

from maxhack.health import build_health_report
from maxhack.resources.checks import CheckResult
from supervisors import ChildSpec, Supervisor


async def _idle(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
    task_status.started()
    await trio.sleep_forever()


OK = CheckResult.pending().succeeded(0.001)
DOWN = CheckResult.pending().failed(ConnectionRefusedError("refused"))


async def test_all_running_and_stores_ok_is_200() -> None:
    sup = Supervisor("root", [ChildSpec(id="a", start=_idle)])
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        report = build_health_report(sup.tree(), {"postgres": OK, "redis": OK})
        sup.stop()
    assert report.status_code == 200
    assert report.body["status"] == "ok"
    assert report.body["problems"] == []
    assert report.body["tree"]["children"][0]["state"] == "running"
    assert report.body["checks"]["postgres"]["ok"] is True


async def test_failed_probe_is_503_and_named() -> None:
    sup = Supervisor("root", [ChildSpec(id="a", start=_idle)])
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        report = build_health_report(sup.tree(), {"postgres": DOWN, "redis": OK})
        sup.stop()
    assert report.status_code == 503
    assert report.body["status"] == "degraded"
    assert report.body["problems"] == ["postgres probe failed"]
    assert "ConnectionRefusedError" in report.body["checks"]["postgres"]["error"]
    assert report.body["checks"]["postgres"]["consecutiveFailures"] == 1


async def test_stopped_tree_is_503() -> None:
    sup = Supervisor("root", [ChildSpec(id="a", start=_idle)])
    report = build_health_report(sup.tree(), {"postgres": OK, "redis": OK})
    assert report.status_code == 503
    assert report.body["problems"] == ["not every actor is running"]


def test_pending_check_is_not_ok() -> None:
    assert CheckResult.pending().ok is False
    assert CheckResult.pending().to_dict()["error"] == "not probed yet"
