"""Dynamic children: start_child / terminate_child at runtime, max_children, concurrency."""

from __future__ import annotations

import pytest
import trio

from supervisors import (
    Backoff,
    ChildStartError,
    ChildState,
    DuplicateChildError,
    NotRunningError,
    Restart,
    Supervisor,
    SupervisorError,
    TooManyChildrenError,
    UnknownChildError,
)
from supervisors.testing import (
    CANCELLED,
    EXIT,
    NO_BACKOFF,
    START,
    STARTED,
    STOP,
    Recorder,
    crashing_child,
    exiting_child,
    failing_start_child,
    hanging_child,
    running,
    steady_child,
    wait_for,
)


def ids(sup: Supervisor) -> list[str]:
    return [child.id for child in sup.tree().children]


async def test_dynamic_children_start_last_and_stop_first(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    sup = Supervisor("top", [steady_child("a", recorder=recorder)])
    async with running(sup):
        await sup.start_child(steady_child("d1", start_delay_s=2, recorder=recorder))
        assert trio.current_time() == 2  # returns once the child reported started
        await sup.start_child(steady_child("d2", recorder=recorder))
        assert ids(sup) == ["a", "d1", "d2"]
        assert all(child.state is ChildState.RUNNING for child in sup.tree().children)
    assert recorder.ids(STOP) == ["d2", "d1", "a"]


async def test_start_child_errors(autojump_clock: trio.testing.MockClock) -> None:
    sup = Supervisor("top", [steady_child("a")], max_children=2)
    async with running(sup):
        with pytest.raises(DuplicateChildError, match="already has a child 'a'"):
            await sup.start_child(steady_child("a"))
        with pytest.raises(ChildStartError) as caught:
            await sup.start_child(failing_start_child("bad"))
        assert caught.value.child_id == "bad"
        assert ids(sup) == ["a"]  # a child that failed to start is not added
        await sup.start_child(steady_child("b"))
        with pytest.raises(TooManyChildrenError, match="max_children=2"):
            await sup.start_child(steady_child("c"))
        with pytest.raises(TypeError):
            await sup.start_child("c")  # type: ignore[arg-type]
    assert issubclass(DuplicateChildError, ValueError)


async def test_dynamic_calls_need_a_running_supervisor(
    autojump_clock: trio.testing.MockClock,
) -> None:
    sup = Supervisor("top", [steady_child("a")])
    with pytest.raises(NotRunningError):
        await sup.start_child(steady_child("b"))
    with pytest.raises(NotRunningError):
        await sup.terminate_child("a")
    async with running(sup):
        pass
    with pytest.raises(NotRunningError):
        await sup.start_child(steady_child("b"))
    assert issubclass(NotRunningError, SupervisorError)


async def test_terminate_child_stops_gracefully_and_removes_it(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    sup = Supervisor(
        "top", [steady_child("a", recorder=recorder), steady_child("b", recorder=recorder)]
    )
    async with running(sup):
        await sup.terminate_child("a")
        assert recorder.ids(STOP) == ["a"]
        assert recorder.ids(EXIT) == ["a"]
        assert ids(sup) == ["b"]
        with pytest.raises(UnknownChildError, match="no child 'a'"):
            await sup.terminate_child("a")
        await sup.start_child(steady_child("a", recorder=recorder))  # the id is free again
        assert ids(sup) == ["b", "a"]
    assert recorder.count(START, "a") == 2
    assert sup.tree().restarts_in_window == 0


async def test_terminating_a_hanging_child_takes_exactly_its_shutdown(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    sup = Supervisor("top", [hanging_child("hang", recorder=recorder, shutdown=4)])
    async with running(sup):
        await sup.terminate_child("hang")
        assert trio.current_time() == 4
        assert recorder.times(CANCELLED, "hang") == [4]
        assert ids(sup) == []


async def test_terminating_a_child_waiting_to_restart(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    sup = Supervisor(
        "top", [crashing_child("a", recorder=recorder, backoff=Backoff(initial=10, jitter="none"))]
    )
    async with running(sup):
        await wait_for(lambda: sup.tree().children[0].state is ChildState.RESTARTING)
        await sup.terminate_child("a")
        assert ids(sup) == []
        await trio.sleep(20)
    assert recorder.count(START, "a") == 1


async def test_dynamic_children_are_supervised(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    sup = Supervisor("top")
    async with running(sup):
        await sup.start_child(crashing_child("c", times=2, recorder=recorder, backoff=NO_BACKOFF))
        await sup.start_child(
            exiting_child("t", after_steps=1, restart=Restart.TEMPORARY, recorder=recorder)
        )
        await recorder.wait_for(STARTED, "c", count=3)
        await recorder.wait_for(EXIT, "t")
        await wait_for(lambda: ids(sup) == ["c"])  # a finished temporary child is removed
        assert sup.tree().children[0].restart_count == 2


async def test_many_concurrent_start_child_calls(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    sup = Supervisor("top", [steady_child("a", recorder=recorder)], max_children=20)
    outcomes: dict[str, str] = {}

    async def add(index: int) -> None:
        child_id = f"d{index:02}"
        try:
            await sup.start_child(steady_child(child_id, start_delay_s=1, recorder=recorder))
            outcomes[child_id] = "ok"
        except TooManyChildrenError:
            outcomes[child_id] = "full"

    async with running(sup):
        async with trio.open_nursery() as nursery:
            for index in range(50):
                nursery.start_soon(add, index)
        accepted = sorted(child_id for child_id, outcome in outcomes.items() if outcome == "ok")
        assert len(accepted) == 19
        assert len(outcomes) == 50
        # Starts are serialised like calls into an OTP supervisor: one second each.
        assert trio.current_time() == 19
        assert sorted(ids(sup)[1:]) == accepted
        assert all(child.state is ChildState.RUNNING for child in sup.tree().children)
        assert recorder.count(START) == 20  # nobody beyond the limit was even started
        # The recorded start order is the order in which the calls got the lock.
        assert recorder.ids(START)[1:] == ids(sup)[1:]


async def test_concurrent_terminate_and_start(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    sup = Supervisor("top", max_children=10)
    async with running(sup):
        for index in range(10):
            await sup.start_child(steady_child(f"old{index}", recorder=recorder))

        async def replace(index: int) -> None:
            await sup.terminate_child(f"old{index}")
            await sup.start_child(steady_child(f"new{index}", recorder=recorder))

        async with trio.open_nursery() as nursery:
            for index in range(10):
                nursery.start_soon(replace, index)
        assert sorted(ids(sup)) == [f"new{index}" for index in range(10)]
        assert recorder.count(STOP) == 10
        assert all(child.state is ChildState.RUNNING for child in sup.tree().children)


async def test_cancelled_start_child_leaves_nothing_behind(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    sup = Supervisor("top")
    async with running(sup):
        with trio.move_on_after(1):
            await sup.start_child(steady_child("slow", start_delay_s=5, recorder=recorder))
        assert ids(sup) == []
        assert recorder.times(CANCELLED, "slow") == [1]
        await sup.start_child(steady_child("slow", recorder=recorder))  # id is free
        assert ids(sup) == ["slow"]
