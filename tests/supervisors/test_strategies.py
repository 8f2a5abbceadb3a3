"""Strategies: exactly which children restart (and in which order) when child k dies."""

from __future__ import annotations

import pytest
import trio

from supervisors import Backoff, ChildState, Intensity, Restart, Strategy, Supervisor
from supervisors.testing import (
    CANCELLED,
    CRASH,
    START,
    STARTED,
    STOP,
    Recorder,
    crashing_child,
    exiting_child,
    hanging_child,
    running,
    steady_child,
    wait_for,
)
from supervisors.testing import NO_BACKOFF as IMMEDIATE

IDS = ["c0", "c1", "c2", "c3"]


def expected_restarts(strategy: Strategy, k: int) -> list[str]:
    if strategy is Strategy.ONE_FOR_ONE:
        return [IDS[k]]
    if strategy is Strategy.ONE_FOR_ALL:
        return IDS
    return IDS[k:]


@pytest.mark.parametrize("k", range(len(IDS)))
@pytest.mark.parametrize("strategy", list(Strategy))
async def test_which_children_restart_when_child_k_dies(
    autojump_clock: trio.testing.MockClock, recorder: Recorder, strategy: Strategy, k: int
) -> None:
    children = [
        crashing_child(child_id, after_steps=1, times=1, recorder=recorder, backoff=IMMEDIATE)
        if index == k
        else steady_child(child_id, recorder=recorder, backoff=IMMEDIATE)
        for index, child_id in enumerate(IDS)
    ]
    sup = Supervisor("top", children, strategy=strategy)
    async with running(sup):
        await recorder.wait_for(CRASH)
        restarted = expected_restarts(strategy, k)
        await wait_for(
            lambda: sup.tree().all_running() and recorder.count(START) == 4 + len(restarted)
        )
        events_after_crash = recorder.events[
            recorder.events.index(recorder.matching(CRASH)[0]) + 1 :
        ]
        stopped = [event.child for event in events_after_crash if event.kind == STOP]
        started = [event.child for event in events_after_crash if event.kind == STARTED]
        snapshot = sup.tree()
    others = [child_id for child_id in restarted if child_id != IDS[k]]
    assert stopped == list(reversed(others))  # the rest is stopped gracefully, in reverse
    assert started == restarted  # then everything affected starts again, in order
    assert {child.id: child.restart_count for child in snapshot.children} == {
        child_id: int(child_id in restarted) for child_id in IDS
    }
    assert recorder.count(CANCELLED) == 0


async def test_restarting_one_child_never_touches_the_others_scopes(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    # A hanging sibling would delay a group restart by its whole shutdown; one_for_one
    # cancels only the dead child's scope, so the sibling is not even asked to stop.
    sup = Supervisor(
        "top",
        [
            hanging_child("hang", recorder=recorder, shutdown=50),
            crashing_child("a", after_steps=1, times=3, recorder=recorder, backoff=IMMEDIATE),
        ],
    )
    async with running(sup):
        await recorder.wait_for(STARTED, "a", count=4)
        assert trio.current_time() == 3
        assert recorder.count(STOP, "hang") == 0


async def test_group_restart_waits_for_the_rest_to_stop_then_applies_the_delay(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    sup = Supervisor(
        "top",
        [
            crashing_child(
                "a",
                after_steps=1,
                times=1,
                recorder=recorder,
                backoff=Backoff(initial=2, maximum=2, jitter="none"),
            ),
            hanging_child("hang", recorder=recorder, shutdown=4),
        ],
        strategy=Strategy.ONE_FOR_ALL,
    )
    async with running(sup):
        await recorder.wait_for(STARTED, "hang", count=2)
    assert recorder.times(CANCELLED, "hang")[0] == 1 + 4  # crash at 1, shutdown 4 s
    assert recorder.times(START, "a") == [0, 1 + 4 + 2]  # then the 2 s backoff delay
    assert recorder.times(START, "hang")[1] == 7


@pytest.mark.parametrize("strategy", [Strategy.ONE_FOR_ALL, Strategy.REST_FOR_ONE])
async def test_temporary_siblings_are_terminated_and_removed(
    autojump_clock: trio.testing.MockClock, recorder: Recorder, strategy: Strategy
) -> None:
    sup = Supervisor(
        "top",
        [
            crashing_child("a", after_steps=1, times=1, recorder=recorder, backoff=IMMEDIATE),
            steady_child("temp", recorder=recorder, restart=Restart.TEMPORARY),
            steady_child("perm", recorder=recorder),
        ],
        strategy=strategy,
    )
    async with running(sup):
        await recorder.wait_for(STARTED, "perm", count=2)
        await wait_for(lambda: sup.tree().all_running())
        assert [child.id for child in sup.tree().children] == ["a", "perm"]
    assert recorder.count(START, "temp") == 1
    assert recorder.count(STOP, "temp") == 1


async def test_finished_transient_siblings_stay_finished(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    sup = Supervisor(
        "top",
        [
            exiting_child("job", recorder=recorder, restart=Restart.TRANSIENT),
            crashing_child("a", after_steps=2, times=1, recorder=recorder, backoff=IMMEDIATE),
        ],
        strategy=Strategy.ONE_FOR_ALL,
        intensity=Intensity(max_restarts=1, period=10),
    )
    async with running(sup):
        await recorder.wait_for(STARTED, "a", count=2)
        await wait_for(lambda: sup.tree().children[1].state is ChildState.RUNNING)
        assert sup.tree().children[0].state is ChildState.STOPPED
    assert recorder.count(START, "job") == 1
