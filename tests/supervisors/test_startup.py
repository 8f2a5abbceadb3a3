"""Ordered start-up, start timeouts, and start-up failure at each position."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from supervisors import (
    ChildSpec,
    ChildStartError,
    ChildState,
    Intensity,
    Supervisor,
    SupervisorGaveUp,
    SupervisorState,
)
from supervisors.testing import (
    CANCELLED,
    CRASH,
    NO_BACKOFF,
    START,
    STARTED,
    STOP,
    ChildCrash,
    Recorder,
    crashing_child,
    failing_start_child,
    running,
    steady_child,
    wait_for,
)

IDS = ["c0", "c1", "c2", "c3"]


async def test_children_start_in_order_each_after_the_previous_reported_started(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    sup = Supervisor(
        "top",
        [steady_child(child_id, start_delay_s=1.5, recorder=recorder) for child_id in IDS],
    )
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        assert trio.current_time() == 6  # four sequential 1.5 s start-ups
        assert sup.state is SupervisorState.RUNNING
        sup.stop()
    assert recorder.ids(START) == IDS
    assert recorder.times(START) == [0, 1.5, 3, 4.5]
    assert recorder.times(STARTED) == [1.5, 3, 4.5, 6]


@pytest.mark.parametrize("mode", ["raise", "never_started"])
@pytest.mark.parametrize("k", range(len(IDS)))
async def test_start_up_failure_at_each_position(
    autojump_clock: trio.testing.MockClock, recorder: Recorder, k: int, mode: Any
) -> None:
    children = [
        failing_start_child(child_id, mode=mode, recorder=recorder, start_timeout=2.5)
        if index == k
        else steady_child(child_id, recorder=recorder)
        for index, child_id in enumerate(IDS)
    ]
    sup = Supervisor("top", children)
    with pytest.raises(ChildStartError) as caught:
        await sup.run()
    error = caught.value
    assert (error.supervisor_id, error.child_id) == ("top", IDS[k])
    if mode == "raise":
        assert isinstance(error.cause, ChildCrash)
        assert trio.current_time() == 0
    else:
        assert isinstance(error.cause, trio.TooSlowError)
        assert (
            str(error.cause) == f"child '{IDS[k]}' did not call task_status.started() within 2.5 s"
        )
        assert trio.current_time() == 2.5  # exactly the start timeout
        assert recorder.times(CANCELLED, IDS[k]) == [2.5]
    assert error.__cause__ is error.cause
    assert recorder.ids(START) == IDS[: k + 1]  # later children are never started
    assert recorder.ids(STOP) == list(reversed(IDS[:k]))  # earlier ones stopped in reverse
    assert sup.state is SupervisorState.FAILED
    states = [child.state for child in sup.tree().children]
    assert states == [ChildState.STOPPED] * k + [ChildState.FAILED] + [ChildState.STOPPED] * (3 - k)


async def test_start_failure_is_raised_plain_from_nursery_start(
    autojump_clock: trio.testing.MockClock,
) -> None:
    sup = Supervisor("top", [steady_child("a"), failing_start_child("b")])
    async with trio.open_nursery() as nursery:
        with pytest.raises(ChildStartError) as caught:
            await nursery.start(sup.run)
    assert caught.value.child_id == "b"


async def test_returning_before_started_is_a_start_failure(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async def quitter(*, task_status: trio.TaskStatus[None]) -> None:
        return

    sup = Supervisor("top", [ChildSpec("quitter", quitter)])
    with pytest.raises(ChildStartError) as caught:
        await sup.run()
    assert isinstance(caught.value.cause, RuntimeError)
    assert "returned without calling task_status.started()" in str(caught.value.cause)


async def test_calling_started_twice_is_an_error_in_the_child(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    async def eager(*, task_status: trio.TaskStatus[None]) -> None:
        task_status.started()
        recorder.record(START, "eager")
        task_status.started()

    sup = Supervisor("top", [ChildSpec("eager", eager)], intensity=Intensity(max_restarts=0))
    with pytest.raises(SupervisorGaveUp) as caught:
        await sup.run()
    assert str(caught.value.causes[0]) == "called 'started' twice on the same task status"


async def test_sibling_crashing_while_a_later_child_starts(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    # trio#1431/#2258: a task failing while another one is inside nursery.start(). Here the
    # crash is just a message to the supervisor: the slow start completes, start-up succeeds,
    # and the crashed child is restarted afterwards.
    sup = Supervisor(
        "top",
        [
            crashing_child("fragile", times=1, recorder=recorder, backoff=NO_BACKOFF),
            steady_child("slow", start_delay_s=3, recorder=recorder),
        ],
    )
    async with running(sup):
        await recorder.wait_for(STARTED, "fragile", count=2)
        assert recorder.times(CRASH, "fragile") == [0]
        assert recorder.times(STARTED, "slow") == [3]
        assert recorder.times(START, "fragile") == [0, 3]  # restarted after start-up
        await wait_for(lambda: sup.tree().all_running())


async def test_start_waiting_on_a_crashed_sibling_times_out_instead_of_deadlocking(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    # The trio#1431 deadlock: the new child's start waits for something only the crashed
    # sibling would have provided. The start timeout bounds it; the error is plain.
    ready = trio.Event()

    async def provider(*, task_status: trio.TaskStatus[None]) -> None:
        task_status.started()
        raise ChildCrash("provider died before providing")

    async def consumer(*, task_status: trio.TaskStatus[None]) -> None:
        await ready.wait()
        task_status.started()

    sup = Supervisor(
        "top",
        [
            ChildSpec("provider", provider, backoff=NO_BACKOFF),
            ChildSpec("consumer", consumer, start_timeout=4),
            steady_child("never", recorder=recorder),
        ],
    )
    with pytest.raises(ChildStartError) as caught:
        await sup.run()
    assert caught.value.child_id == "consumer"
    assert isinstance(caught.value.cause, trio.TooSlowError)
    assert trio.current_time() == 4
    assert recorder.count(START, "never") == 0
    provider_state = sup.tree().children[0]
    assert provider_state.state is ChildState.STOPPED
    assert provider_state.last_error == "ChildCrash: provider died before providing"


async def test_child_supervisor_start_failure_fails_the_parent_start(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    mid = Supervisor("mid", [steady_child("m0", recorder=recorder), failing_start_child("m1")])
    top = Supervisor(
        "top", [steady_child("t0", recorder=recorder), mid.as_child(), steady_child("t2")]
    )
    with pytest.raises(ChildStartError) as caught:
        await top.run()
    assert caught.value.child_id == "mid"
    inner = caught.value.cause
    assert isinstance(inner, ChildStartError) and inner.child_id == "m1"
    assert recorder.ids(STOP) == ["m0", "t0"]


async def test_child_supervisor_that_starts_too_slowly_is_cancelled_with_its_subtree(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    mid = Supervisor(
        "mid",
        [
            steady_child("m0", recorder=recorder),
            steady_child("m1", start_delay_s=60, start_timeout=100),
        ],
    )
    top = Supervisor("top", [mid.as_child(start_timeout=10)])
    with pytest.raises(ChildStartError) as caught:
        await top.run()
    assert isinstance(caught.value.cause, trio.TooSlowError)
    assert recorder.times(CANCELLED, "m0") == [10]
    assert mid.state is SupervisorState.STOPPED


async def test_a_failing_restart_counts_towards_intensity(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    async def once(*, task_status: trio.TaskStatus[None]) -> None:
        recorder.record(START, "once")
        if recorder.count(START, "once") > 1:
            raise ChildCrash("cannot start again")
        task_status.started()
        raise ChildCrash("first run crashed")

    sup = Supervisor(
        "top", [ChildSpec("once", once, backoff=NO_BACKOFF)], intensity=Intensity(2, 10)
    )
    with pytest.raises(SupervisorGaveUp) as caught:
        await sup.run()
    assert [str(cause) for cause in caught.value.causes] == [
        "first run crashed",
        "cannot start again",
        "cannot start again",
    ]
    assert recorder.count(START, "once") == 3


async def test_a_restart_that_times_out_is_retried_with_backoff(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    async def sticky(*, task_status: trio.TaskStatus[None]) -> None:
        recorder.record(START, "sticky")
        if recorder.count(START, "sticky") == 2:
            await trio.sleep_forever()  # the first restart never reports started
        task_status.started()
        if recorder.count(START, "sticky") == 1:
            raise ChildCrash("crash")
        recorder.record(STARTED, "sticky")
        await trio.sleep_forever()

    sup = Supervisor("top", [ChildSpec("sticky", sticky, start_timeout=3, backoff=NO_BACKOFF)])
    async with running(sup):
        await recorder.wait_for(STARTED, "sticky")
    assert recorder.times(START, "sticky") == [0, 0, 3]
    assert sup.tree().children[0].recent_errors == (
        "ChildCrash: crash",
        "TooSlowError: child 'sticky' did not call task_status.started() within 3 s",
    )
