"""One structured log record per lifecycle event, with action/supervisor/child fields."""

from __future__ import annotations

import logging

import pytest
import trio

from supervisors import (
    Backoff,
    Intensity,
    LogAction,
    Supervisor,
    SupervisorGaveUp,
)
from supervisors.testing import (
    NO_BACKOFF,
    STARTED,
    Recorder,
    crashing_child,
    failing_start_child,
    hanging_child,
    running,
    steady_child,
)


def events(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str, str | None, str]]:
    return [
        (record.action, record.supervisor, record.child, record.levelname)  # type: ignore[attr-defined]
        for record in caplog.records
        if hasattr(record, "action")
    ]


def records(caplog: pytest.LogCaptureFixture, action: LogAction) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "action", None) == action.value]


async def test_lifecycle_records(
    autojump_clock: trio.testing.MockClock,
    recorder: Recorder,
    sup_logs: pytest.LogCaptureFixture,
) -> None:
    sup = Supervisor(
        "top",
        [
            steady_child("a"),
            crashing_child(
                "b",
                after_steps=1,
                times=1,
                recorder=recorder,
                backoff=Backoff(initial=1.5, maximum=1.5, jitter="none"),
            ),
        ],
    )
    async with running(sup):
        await recorder.wait_for(STARTED, "b", count=2)
        await trio.testing.wait_all_tasks_blocked()
    assert events(sup_logs) == [
        ("child_started", "top", "a", "INFO"),
        ("child_started", "top", "b", "INFO"),
        ("supervisor_started", "top", None, "INFO"),
        ("child_exited", "top", "b", "ERROR"),
        ("child_restarting", "top", "b", "WARNING"),
        ("child_started", "top", "b", "INFO"),
        ("supervisor_stopping", "top", None, "INFO"),
        ("child_stopping", "top", "b", "INFO"),
        ("child_stopped", "top", "b", "INFO"),
        ("child_stopping", "top", "a", "INFO"),
        ("child_stopped", "top", "a", "INFO"),
        ("supervisor_stopped", "top", None, "INFO"),
    ]
    exited = records(sup_logs, LogAction.CHILD_EXITED)[0]
    assert exited.error == "ChildCrash: b crashed (incarnation 1)"  # type: ignore[attr-defined]
    assert exited.restart is True  # type: ignore[attr-defined]
    assert exited.exc_info is not None
    assert type(exited.exc_info[1]).__name__ == "ChildCrash"
    restarting = records(sup_logs, LogAction.CHILD_RESTARTING)[0]
    assert restarting.delay_s == 1.5  # type: ignore[attr-defined]
    assert restarting.reason == "b"  # type: ignore[attr-defined]
    assert (
        restarting.getMessage()
        == "supervisor 'top': restarting child 'b' in 1.500 s (failure of 'b')"
    )
    restarted = records(sup_logs, LogAction.CHILD_STARTED)[-1]
    assert restarted.restart_count == 1  # type: ignore[attr-defined]
    stopping = records(sup_logs, LogAction.CHILD_STOPPING)[0]
    assert stopping.shutdown_s == 5.0  # type: ignore[attr-defined]
    assert all(r.name == "supervisors" for r in sup_logs.records)


async def test_gave_up_record(
    autojump_clock: trio.testing.MockClock, sup_logs: pytest.LogCaptureFixture
) -> None:
    sup = Supervisor("top", [crashing_child("x", backoff=NO_BACKOFF)], intensity=Intensity(1, 30))
    with pytest.raises(SupervisorGaveUp):
        await sup.run()
    (gave_up,) = records(sup_logs, LogAction.SUPERVISOR_GAVE_UP)
    assert gave_up.levelname == "ERROR"
    assert gave_up.child == "x"  # type: ignore[attr-defined]
    assert gave_up.max_restarts == 1  # type: ignore[attr-defined]
    assert gave_up.period_s == 30  # type: ignore[attr-defined]
    assert gave_up.error == "ChildCrash: x crashed (incarnation 2)"  # type: ignore[attr-defined]
    assert [action for action, *_ in events(sup_logs)] == [
        "child_started",
        "supervisor_started",
        "child_exited",
        "child_restarting",
        "child_started",
        "child_exited",
        "supervisor_gave_up",
    ]


async def test_start_failure_records(
    autojump_clock: trio.testing.MockClock, sup_logs: pytest.LogCaptureFixture
) -> None:
    sup = Supervisor("top", [steady_child("a"), failing_start_child("b")])
    with pytest.raises(Exception, match="failed to start"):
        await sup.run()
    assert events(sup_logs) == [
        ("child_started", "top", "a", "INFO"),
        ("child_start_failed", "top", "b", "ERROR"),
        ("child_stopping", "top", "a", "INFO"),
        ("child_stopped", "top", "a", "INFO"),
        ("supervisor_start_failed", "top", "b", "ERROR"),
    ]


async def test_cancelled_at_shutdown_is_recorded(
    autojump_clock: trio.testing.MockClock, sup_logs: pytest.LogCaptureFixture
) -> None:
    sup = Supervisor("top", [hanging_child("h", shutdown=2)])
    async with running(sup):
        pass
    (stopped,) = records(sup_logs, LogAction.CHILD_STOPPED)
    assert stopped.cancelled is True  # type: ignore[attr-defined]
    assert stopped.error is None  # type: ignore[attr-defined]


async def test_custom_logger(
    autojump_clock: trio.testing.MockClock, caplog: pytest.LogCaptureFixture
) -> None:
    logger = logging.getLogger("app.tree")
    caplog.set_level(logging.INFO, logger="app.tree")
    sup = Supervisor("top", [steady_child("a")], logger=logger)
    async with running(sup):
        pass
    assert {record.name for record in caplog.records} == {"app.tree"}
    assert len(caplog.records) == 6


async def test_nothing_is_formatted_when_logging_is_off(
    autojump_clock: trio.testing.MockClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.CRITICAL, logger="supervisors")
    sup = Supervisor("top", [steady_child("a")])
    async with running(sup):
        pass
    assert caplog.records == []


def test_log_actions_are_strings() -> None:
    assert isinstance(LogAction.CHILD_RESTARTING, str)
    assert str(LogAction.CHILD_RESTARTING) == "child_restarting"
    assert {action.value for action in LogAction} >= {
        "child_started",
        "child_exited",
        "child_restarting",
        "supervisor_gave_up",
        "child_stopping",
        "child_stopped",
    }
