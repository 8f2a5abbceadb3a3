"""supervisors.testing is a product: its children and helpers behave as documented."""

from __future__ import annotations

import pytest
import trio

from supervisors import (
    ChildStartError,
    Intensity,
    Restart,
    Supervisor,
    SupervisorGaveUp,
    SupervisorState,
)
from supervisors.testing import (
    CANCELLED,
    CRASH,
    EXIT,
    NO_BACKOFF,
    START,
    STARTED,
    STOP,
    ChildCrash,
    RecordedEvent,
    Recorder,
    ScriptedChild,
    crashing_child,
    exiting_child,
    failing_start_child,
    hanging_child,
    run_virtual,
    running,
    steady_child,
    wait_for,
)


async def test_recorder_wait_for_returns_the_nth_matching_event(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    async def produce() -> None:
        for child in ["a", "b", "a"]:
            await trio.sleep(1)
            recorder.record(START, child)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(produce)
        assert await recorder.wait_for(START, "a", count=2) == RecordedEvent(START, "a", 3)
    assert recorder.ids(START) == ["a", "b", "a"]
    assert recorder.times(START, "b") == [2]
    assert recorder.count(START) == 3
    assert await recorder.wait_for(START) == RecordedEvent(START, "a", 1)  # already there
    recorder.clear()
    assert recorder.events == []


async def test_scripted_children_record_their_lives(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    sup = Supervisor(
        "top",
        [
            steady_child("steady", recorder=recorder),
            exiting_child(
                "exits", after_steps=2, step_s=0.5, recorder=recorder, restart=Restart.TEMPORARY
            ),
            crashing_child(
                "crashes", after_steps=1, times=1, recorder=recorder, backoff=NO_BACKOFF
            ),
        ],
    )
    async with running(sup):
        await recorder.wait_for(STARTED, "crashes", count=2)
        await recorder.wait_for(EXIT, "exits")
    kinds = [(event.kind, event.child, event.time) for event in recorder.events]
    assert (EXIT, "exits", 1.0) in kinds
    assert (CRASH, "crashes", 1.0) in kinds
    assert recorder.matching(child="steady")[-2:] == [
        RecordedEvent(STOP, "steady", 1.0),
        RecordedEvent(EXIT, "steady", 1.0),
    ]


async def test_failing_start_children(autojump_clock: trio.testing.MockClock) -> None:
    with pytest.raises(ChildStartError) as raised:
        await Supervisor("top", [failing_start_child("a", start_delay_s=2)]).run()
    assert isinstance(raised.value.cause, ChildCrash)
    assert trio.current_time() == 2
    with pytest.raises(ChildStartError) as timed_out:
        await Supervisor(
            "top", [failing_start_child("b", mode="never_started", start_timeout=1)]
        ).run()
    assert isinstance(timed_out.value.cause, trio.TooSlowError)


async def test_hanging_child_ignores_its_stop_hook(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    async with running(Supervisor("top", [hanging_child("h", recorder=recorder, shutdown=9)])):
        pass
    assert [(e.kind, e.time) for e in recorder.matching(child="h")][-2:] == [
        (STOP, 0),
        (CANCELLED, 9),
    ]


async def test_scripted_child_can_be_used_directly(autojump_clock: trio.testing.MockClock) -> None:
    child = ScriptedChild("direct", crash_after=1, crash_times=1)
    async with trio.open_nursery() as nursery:
        with pytest.raises(ChildCrash):
            await child.start()
        await nursery.start(child.start)
        child.stop()
    assert child.starts == 2
    assert child.recorder.ids(EXIT) == ["direct"]
    assert child.spec(shutdown=1).shutdown == 1


async def test_running_raises_start_errors_plain(autojump_clock: trio.testing.MockClock) -> None:
    with pytest.raises(ChildStartError):
        async with running(Supervisor("top", [failing_start_child("a")])):
            pytest.fail("the body must not run")


async def test_running_raises_gave_up_plain_and_cancels_the_body(
    autojump_clock: trio.testing.MockClock,
) -> None:
    sup = Supervisor(
        "top",
        [crashing_child("a", after_steps=1, backoff=NO_BACKOFF)],
        intensity=Intensity(max_restarts=0),
    )
    with pytest.raises(SupervisorGaveUp):
        async with running(sup):
            await trio.sleep_forever()
    assert trio.current_time() == 1
    assert sup.state is SupervisorState.FAILED


async def test_running_raises_the_body_error_plain(autojump_clock: trio.testing.MockClock) -> None:
    sup = Supervisor("top", [steady_child("a")])
    with pytest.raises(KeyError):
        async with running(sup):
            raise KeyError("from the body")
    assert sup.state is SupervisorState.STOPPED


async def test_wait_for_polls_until_true_or_times_out(
    autojump_clock: trio.testing.MockClock,
) -> None:
    await wait_for(lambda: trio.current_time() >= 3, poll_s=1)
    assert trio.current_time() == 3
    with pytest.raises(trio.TooSlowError):
        await wait_for(lambda: False, timeout_s=5)
    assert trio.current_time() == 8


def test_run_virtual_runs_on_an_autojumping_clock() -> None:
    async def long_sleep(seconds: float) -> float:
        await trio.sleep(seconds)
        return trio.current_time()

    assert run_virtual(long_sleep, 10_000.0) == 10_000.0
