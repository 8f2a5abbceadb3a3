"""Restart intensity: a sliding window per supervisor, giving up, and escalation upwards."""

from __future__ import annotations

import pytest
import trio

from supervisors import (
    ChildReturned,
    ChildState,
    Intensity,
    Restart,
    Strategy,
    Supervisor,
    SupervisorGaveUp,
    SupervisorState,
)
from supervisors._intensity import RestartWindow
from supervisors.testing import (
    NO_BACKOFF,
    START,
    STARTED,
    STOP,
    ChildCrash,
    Recorder,
    crashing_child,
    exiting_child,
    running,
    steady_child,
    wait_for,
)


def test_window_counts_restarts_younger_than_the_period() -> None:
    window = RestartWindow(Intensity(max_restarts=2, period=10))
    first, second, third = ValueError(1), ValueError(2), ValueError(3)
    assert window.try_add(0, first) is None
    assert window.try_add(4, second) is None
    assert window.try_add(9.9, third) == (first, second, third)  # 3rd inside 10 s: give up
    assert window.count(9.9) == 2  # a refused restart is not recorded
    assert window.try_add(10, third) is None  # the restart at 0 is exactly 10 s old: expired
    assert window.count(10) == 2
    assert window.count(100) == 0


def test_zero_restarts_refuses_the_first() -> None:
    error = ValueError("x")
    assert RestartWindow(Intensity(max_restarts=0)).try_add(0, error) == (error,)


@pytest.mark.parametrize("max_restarts", [0, 1, 3, 5])
async def test_gives_up_after_exactly_max_restarts(
    autojump_clock: trio.testing.MockClock, recorder: Recorder, max_restarts: int
) -> None:
    sup = Supervisor(
        "top",
        [
            steady_child("before", recorder=recorder),
            crashing_child("a", recorder=recorder, backoff=NO_BACKOFF),
        ],
        intensity=Intensity(max_restarts=max_restarts, period=5),
    )
    with pytest.raises(SupervisorGaveUp) as caught:
        await sup.run()
    assert recorder.count(START, "a") == max_restarts + 1
    assert caught.value.supervisor_id == "top"
    assert len(caught.value.causes) == max_restarts + 1
    assert all(isinstance(cause, ChildCrash) for cause in caught.value.causes)
    assert str(caught.value.causes[-1]) == f"a crashed (incarnation {max_restarts + 1})"
    assert caught.value.__cause__ is caught.value.causes[-1]
    assert recorder.ids(STOP) == ["before"]  # the others are stopped before giving up
    assert sup.state is SupervisorState.FAILED
    assert [child.state for child in sup.tree().children] == [ChildState.STOPPED, ChildState.FAILED]


async def test_window_slides_with_time(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    # Crashes 2 s after each start: at 2, 4, 6... With 2 restarts per 5 s the third crash
    # (at 6, while those at 2 and 4 are in the window) gives up.
    child = crashing_child("a", after_steps=2, recorder=recorder, backoff=NO_BACKOFF)
    sup = Supervisor("top", [child], intensity=Intensity(max_restarts=2, period=5))
    with pytest.raises(SupervisorGaveUp) as caught:
        await sup.run()
    assert trio.current_time() == 6
    assert recorder.count(START, "a") == 3
    assert len(caught.value.causes) == 3


async def test_sustained_rate_below_the_limit_never_gives_up(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    child = crashing_child("a", after_steps=2, recorder=recorder, backoff=NO_BACKOFF)
    sup = Supervisor("top", [child], intensity=Intensity(max_restarts=2, period=4))
    async with running(sup):
        await recorder.wait_for(START, "a", count=20)
        assert sup.tree().restarts_in_window == 2
        assert sup.tree().total_restarts == 19
    assert sup.state is SupervisorState.STOPPED


async def test_a_returning_permanent_child_counts_as_a_failure(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    child = exiting_child("a", after_steps=1, recorder=recorder, backoff=NO_BACKOFF)
    sup = Supervisor("top", [child], intensity=Intensity(max_restarts=1, period=10))
    with pytest.raises(SupervisorGaveUp) as caught:
        await sup.run()
    assert recorder.count(START, "a") == 2
    assert [type(cause) for cause in caught.value.causes] == [ChildReturned, ChildReturned]
    assert caught.value.causes[0].child_id == "a"  # type: ignore[attr-defined]


async def test_escalation_through_two_levels(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    worker = crashing_child("worker", after_steps=1, recorder=recorder, backoff=NO_BACKOFF)
    mid = Supervisor(
        "mid",
        [steady_child("peer", recorder=recorder), worker],
        intensity=Intensity(max_restarts=2, period=100),
    )
    top = Supervisor(
        "top",
        [
            steady_child("first", recorder=recorder),
            mid.as_child(backoff=NO_BACKOFF),
            steady_child("last", recorder=recorder),
        ],
        intensity=Intensity(max_restarts=1, period=100),
    )
    with pytest.raises(SupervisorGaveUp) as caught:
        await top.run()
    # mid gives up on its 3rd worker crash (2 restarts allowed); top restarts mid once
    # (1 restart allowed), mid gives up again, top gives up.
    assert recorder.count(START, "worker") == 6
    assert recorder.count(START, "peer") == 2
    assert recorder.count(START, "first") == recorder.count(START, "last") == 1
    assert caught.value.supervisor_id == "top"
    assert [type(cause) for cause in caught.value.causes] == [SupervisorGaveUp] * 2
    inner = caught.value.causes[-1]
    assert isinstance(inner, SupervisorGaveUp) and inner.supervisor_id == "mid"
    assert [type(cause) for cause in inner.causes] == [ChildCrash] * 3
    # Each give-up stops the rest in reverse order: mid stops peer; top stops last, first.
    assert recorder.ids(STOP) == ["peer", "peer", "last", "first"]
    assert top.state is SupervisorState.FAILED and mid.state is SupervisorState.FAILED


async def test_parent_absorbs_a_child_supervisor_that_gave_up(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    worker = crashing_child("worker", times=3, recorder=recorder, backoff=NO_BACKOFF)
    mid = Supervisor("mid", [worker], intensity=Intensity(max_restarts=2, period=100))
    top = Supervisor(
        "top",
        [steady_child("sibling", recorder=recorder), mid.as_child(backoff=NO_BACKOFF)],
        strategy=Strategy.ONE_FOR_ONE,
        intensity=Intensity(max_restarts=1, period=100),
    )
    async with running(top):
        await recorder.wait_for(STARTED, "worker", count=4)
        await wait_for(lambda: top.tree().all_running())
        tree = top.tree()
        mid_view = tree.children[1]
        assert mid_view.restart_count == 1
        assert mid_view.last_error is not None and "SupervisorGaveUp" in mid_view.last_error
        assert mid_view.subtree is not None
        assert mid_view.subtree.children[0].restart_count == 0  # a fresh run of mid
    assert recorder.count(START, "sibling") == 1  # one_for_one: the sibling never noticed


async def test_a_transient_child_supervisor_that_stopped_normally_is_not_restarted(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    mid = Supervisor("mid", [steady_child("worker", recorder=recorder)])
    top = Supervisor("top", [mid.as_child(restart=Restart.TRANSIENT)])
    async with running(top):
        await recorder.wait_for(STARTED, "worker")
        mid.stop()
        await recorder.wait_for(STOP, "worker")
        await trio.testing.wait_all_tasks_blocked()
        assert top.tree().children[0].state is ChildState.STOPPED
    assert recorder.count(START, "worker") == 1
