"""Graceful shutdown: reverse order, soft stop then cancel after exactly `shutdown` s."""

from __future__ import annotations

import math

import pytest
import trio

from supervisors import (
    BRUTAL,
    ChildSpec,
    ChildState,
    Supervisor,
    SupervisorState,
)
from supervisors.testing import (
    CANCELLED,
    EXIT,
    START,
    STARTED,
    STOP,
    Recorder,
    hanging_child,
    running,
    steady_child,
)

IDS = ["c0", "c1", "c2", "c3"]


async def test_children_stop_in_reverse_start_order_one_after_another(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    sup = Supervisor("top", [steady_child(child_id, recorder=recorder) for child_id in IDS])
    async with running(sup):
        recorder.clear()
    assert [(event.kind, event.child) for event in recorder.events] == [
        (kind, child_id) for child_id in reversed(IDS) for kind in (STOP, EXIT)
    ]
    assert sup.state is SupervisorState.STOPPED
    assert [child.state for child in sup.tree().children] == [ChildState.STOPPED] * 4


@pytest.mark.parametrize("shutdown", [0, 0.75, 7.5, 120])
async def test_a_hanging_child_is_cancelled_after_exactly_its_shutdown(
    autojump_clock: trio.testing.MockClock, recorder: Recorder, shutdown: float
) -> None:
    sup = Supervisor(
        "top",
        [
            steady_child("first", recorder=recorder),
            hanging_child("hang", recorder=recorder, shutdown=shutdown),
        ],
    )
    async with running(sup):
        await trio.sleep(10)
        stopped_at = trio.current_time()
    assert recorder.times(STOP, "hang") == [stopped_at]
    assert recorder.times(CANCELLED, "hang") == [stopped_at + shutdown]
    # The earlier sibling is only asked to stop once the hanging one is gone.
    assert recorder.times(STOP, "first") == [stopped_at + shutdown]


async def test_brutal_children_are_cancelled_without_a_soft_stop(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    sup = Supervisor("top", [hanging_child("hang", recorder=recorder, shutdown=BRUTAL)])
    async with running(sup):
        await trio.sleep(3)
    assert recorder.count(STOP) == 0
    assert recorder.times(CANCELLED, "hang") == [3]


async def test_children_without_a_stop_hook_are_cancelled_at_once(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    async def plain(*, task_status: trio.TaskStatus[None]) -> None:
        task_status.started()
        try:
            await trio.sleep_forever()
        finally:
            recorder.record(CANCELLED, "plain")

    sup = Supervisor("top", [ChildSpec("plain", plain, shutdown=60)])
    async with running(sup):
        await trio.sleep(2)
    assert recorder.times(CANCELLED, "plain") == [2]


async def test_a_raising_stop_hook_falls_back_to_cancellation(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    def broken_stop() -> None:
        raise OSError("hook broke")

    async def child(*, task_status: trio.TaskStatus[None]) -> None:
        task_status.started()
        try:
            await trio.sleep_forever()
        finally:
            recorder.record(CANCELLED, "child")

    sup = Supervisor("top", [ChildSpec("child", child, stop=broken_stop, shutdown=60)])
    async with running(sup):
        await trio.sleep(1)
    assert recorder.times(CANCELLED, "child") == [1]


async def test_a_child_supervisor_waits_for_its_subtree(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    mid = Supervisor(
        "mid",
        [steady_child("m0", recorder=recorder), hanging_child("m1", recorder=recorder, shutdown=3)],
    )
    top = Supervisor(
        "top",
        [
            steady_child("t0", recorder=recorder),
            mid.as_child(),
            steady_child("t2", recorder=recorder),
        ],
    )
    async with running(top):
        recorder.clear()
    assert [(event.kind, event.child, event.time) for event in recorder.events] == [
        (STOP, "t2", 0),
        (EXIT, "t2", 0),
        (STOP, "m1", 0),
        (CANCELLED, "m1", 3),
        (STOP, "m0", 3),
        (EXIT, "m0", 3),
        (STOP, "t0", 3),  # only after mid's whole subtree has stopped
        (EXIT, "t0", 3),
    ]
    assert mid.state is SupervisorState.STOPPED


async def test_a_child_supervisor_is_cancelled_after_its_own_shutdown(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    mid = Supervisor("mid", [hanging_child("m0", recorder=recorder, shutdown=math.inf)])
    top = Supervisor("top", [steady_child("t0", recorder=recorder), mid.as_child(shutdown=2)])
    async with running(top):
        pass
    assert recorder.times(CANCELLED, "m0") == [2]
    assert recorder.times(STOP, "t0") == [2]
    assert mid.state is SupervisorState.STOPPED


async def test_stop_is_idempotent_and_run_returns_normally(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    sup = Supervisor("top", [steady_child("a", recorder=recorder)])
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        sup.stop()
        sup.stop()
    sup.stop()  # after run() ended: harmless... and applies to the next run
    await sup.run()
    assert recorder.count(START, "a") == 2
    assert recorder.count(STOP, "a") == 2


async def test_stop_requested_during_start_up_takes_effect_after_it(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    sup = Supervisor(
        "top",
        [steady_child(child_id, start_delay_s=1, recorder=recorder) for child_id in IDS],
    )
    async with trio.open_nursery() as nursery:
        nursery.start_soon(sup.run)
        await recorder.wait_for(STARTED, "c1")
        sup.stop()
        assert sup.state is SupervisorState.STARTING
    assert recorder.ids(STARTED) == IDS
    assert recorder.ids(STOP) == list(reversed(IDS))
    assert trio.current_time() == 4


async def test_cancelling_run_cancels_every_child_at_once(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    sup = Supervisor(
        "top",
        [
            hanging_child("a", recorder=recorder, shutdown=100),
            steady_child("b", recorder=recorder),
        ],
    )
    with trio.move_on_after(5):
        await sup.run()
    assert sorted(recorder.ids(CANCELLED)) == ["a", "b"]
    assert recorder.times(CANCELLED) == [5, 5]
    assert recorder.count(STOP) == 0
    assert sup.state is SupervisorState.STOPPED
    assert [child.state for child in sup.tree().children] == [ChildState.STOPPED] * 2


async def test_a_supervisor_runs_again_from_scratch(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    sup = Supervisor("top", [steady_child("a", recorder=recorder)])
    for _ in range(2):
        async with running(sup):
            await sup.start_child(steady_child("dynamic", recorder=recorder))
            assert [child.id for child in sup.tree().children] == ["a", "dynamic"]
        assert [child.id for child in sup.tree().children] == ["a", "dynamic"]
    async with running(sup):
        assert [child.id for child in sup.tree().children] == ["a"]


async def test_run_is_not_reentrant(autojump_clock: trio.testing.MockClock) -> None:
    sup = Supervisor("top", [steady_child("a")])
    async with running(sup):
        with pytest.raises(RuntimeError, match="already running"):
            await sup.run()
