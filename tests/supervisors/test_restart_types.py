"""Restart types over exit kinds: what counts as normal, and what is restarted."""

from __future__ import annotations

from typing import Any, Literal

import pytest
import trio
from hypothesis import given, settings
from hypothesis import strategies as st

from supervisors import BRUTAL, ChildSpec, ChildState, Intensity, Restart, Strategy, Supervisor
from supervisors.testing import (
    CRASH,
    NO_BACKOFF,
    START,
    STARTED,
    STOP,
    Recorder,
    crashing_child,
    exiting_child,
    run_virtual,
    running,
    steady_child,
    wait_for,
)

LENIENT = Intensity(max_restarts=1000, period=1)
Exit = Literal["return", "raise"]


def model_starts(restart: Restart, script: list[Exit]) -> int:
    """How many incarnations the reference semantics start for this exit script
    (after the script the child runs steadily)."""
    starts = 1
    for exit_kind in script:
        if restart is Restart.TEMPORARY:
            return starts
        if restart is Restart.TRANSIENT and exit_kind == "return":
            return starts
        starts += 1
    return starts


class Scripted:
    """Incarnation i ends per script[i] after 1 s; later ones run until stopped."""

    def __init__(self, script: list[Exit], recorder: Recorder) -> None:
        self.script = script
        self.recorder = recorder
        self.stopped = trio.Event()

    async def start(self, *, task_status: trio.TaskStatus[None]) -> None:
        incarnation = self.recorder.count(START, "x")
        self.recorder.record(START, "x")
        self.stopped = trio.Event()
        task_status.started()
        if incarnation < len(self.script):
            await trio.sleep(1)
            if self.script[incarnation] == "raise":
                raise ValueError(f"incarnation {incarnation}")
            return
        await self.stopped.wait()

    def stop(self) -> None:
        self.stopped.set()


async def play(restart: Restart, script: list[Exit]) -> tuple[int, ChildState | None]:
    recorder = Recorder()
    child = Scripted(script, recorder)
    spec = ChildSpec("x", child.start, restart=restart, stop=child.stop, backoff=NO_BACKOFF)
    sup = Supervisor("top", [steady_child("anchor"), spec], intensity=LENIENT)

    def settled() -> bool:
        children = {c.id: c for c in sup.tree().children}
        if "x" not in children:  # a finished temporary child is removed
            return True
        state = children["x"].state
        steady = recorder.count(START, "x") > len(script) and state is ChildState.RUNNING
        return steady or state in (ChildState.STOPPED, ChildState.FAILED)

    async with running(sup):
        await wait_for(settled, poll_s=0.5)
        final = {c.id: c.state for c in sup.tree().children}.get("x")
    return recorder.count(START, "x"), final


@settings(max_examples=60, deadline=None)
@given(
    restart=st.sampled_from(list(Restart)),
    script=st.lists(st.sampled_from(["return", "raise"]), max_size=6),
)
def test_restarts_follow_the_restart_type(restart: Restart, script: list[Exit]) -> None:
    starts, final = run_virtual(play, restart, script)
    assert starts == model_starts(restart, script)
    if restart is Restart.TEMPORARY and script:
        assert final is None  # removed from the supervisor
    elif starts == len(script) + 1:
        assert final is ChildState.RUNNING
    else:
        assert final is ChildState.STOPPED  # transient, returned normally


def state_of(sup: Supervisor, child_id: str) -> ChildState | None:
    return {child.id: child.state for child in sup.tree().children}.get(child_id)


@pytest.mark.parametrize(
    ("restart", "exit_kind", "final"),
    [
        (Restart.PERMANENT, "return", ChildState.RUNNING),
        (Restart.PERMANENT, "raise", ChildState.RUNNING),
        (Restart.TRANSIENT, "return", ChildState.STOPPED),
        (Restart.TRANSIENT, "raise", ChildState.RUNNING),
        (Restart.TEMPORARY, "return", None),
        (Restart.TEMPORARY, "raise", None),
    ],
)
async def test_restart_table(
    autojump_clock: trio.testing.MockClock,
    recorder: Recorder,
    restart: Restart,
    exit_kind: Exit,
    final: ChildState | None,
) -> None:
    options: dict[str, Any] = {"recorder": recorder, "restart": restart, "backoff": NO_BACKOFF}
    child = (
        crashing_child("x", after_steps=1, times=1, **options)
        if exit_kind == "raise"
        else exiting_child("x", after_steps=1, **options)
    )
    sup = Supervisor("top", [steady_child("anchor"), child], intensity=LENIENT)
    restarted = final is ChildState.RUNNING
    async with running(sup):
        if restarted:
            await recorder.wait_for(STARTED, "x", count=2)
        await wait_for(lambda: trio.current_time() >= 1 and state_of(sup, "x") is final)
        assert state_of(sup, "anchor") is ChildState.RUNNING
    assert recorder.count(START, "x") == (2 if restarted else 1)


class RaisesOnStop:
    def __init__(self, recorder: Recorder, child_id: str) -> None:
        self.recorder = recorder
        self.id = child_id
        self.stopping = trio.Event()

    async def start(self, *, task_status: trio.TaskStatus[None]) -> None:
        self.recorder.record(START, self.id)
        self.stopping = trio.Event()
        task_status.started()
        await self.stopping.wait()
        self.recorder.record(CRASH, self.id)
        raise RuntimeError("cleanup failed")

    def stop(self) -> None:
        self.recorder.record(STOP, self.id)
        self.stopping.set()

    def spec(self, **options: Any) -> ChildSpec:
        return ChildSpec(self.id, self.start, stop=self.stop, **options)


async def test_an_exception_while_being_stopped_is_logged_not_restarted(
    autojump_clock: trio.testing.MockClock, recorder: Recorder, sup_logs: pytest.LogCaptureFixture
) -> None:
    child = RaisesOnStop(recorder, "x")
    sup = Supervisor("top", [child.spec()], intensity=Intensity(max_restarts=0))
    async with running(sup):
        pass  # run() must return normally although x raised while stopping
    assert recorder.count(START, "x") == 1
    assert sup.tree().children[0].last_error == "RuntimeError: cleanup failed"
    stopped = [r for r in sup_logs.records if getattr(r, "action", None) == "child_stopped"]
    assert [(r.child, r.error, r.levelname) for r in stopped] == [  # type: ignore[attr-defined]
        ("x", "RuntimeError: cleanup failed", "WARNING")
    ]


async def test_an_exception_raised_after_stop_was_requested_is_not_restarted(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    crash_now = trio.Event()

    async def crasher(*, task_status: trio.TaskStatus[None]) -> None:
        recorder.record(START, "x")
        task_status.started()
        await crash_now.wait()
        raise ValueError("late")

    sup = Supervisor("top", [ChildSpec("x", crasher)], intensity=Intensity(max_restarts=0))
    async with running(sup):
        await recorder.wait_for(START, "x")
        crash_now.set()
        sup.stop()  # the crash reaches the supervisor after the stop request
    assert recorder.count(START, "x") == 1


async def test_a_sibling_raising_while_stopped_for_a_group_restart_is_not_a_new_failure(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    sibling = RaisesOnStop(recorder, "sib")
    sup = Supervisor(
        "top",
        [
            sibling.spec(backoff=NO_BACKOFF),
            crashing_child("a", after_steps=1, times=1, recorder=recorder, backoff=NO_BACKOFF),
        ],
        strategy=Strategy.ONE_FOR_ALL,
        intensity=Intensity(max_restarts=1, period=100),  # a 2nd failure would give up
    )
    async with running(sup):
        await recorder.wait_for(START, "a", count=2)
        await wait_for(lambda: sup.tree().all_running())
        assert sup.tree().restarts_in_window == 1
    assert recorder.count(START, "sib") == 2


async def test_cancellation_by_the_supervisor_is_a_normal_exit(
    autojump_clock: trio.testing.MockClock, recorder: Recorder, sup_logs: pytest.LogCaptureFixture
) -> None:
    sup = Supervisor("top", [steady_child("x", recorder=recorder, shutdown=BRUTAL)])
    async with running(sup):
        pass
    stopped = [r for r in sup_logs.records if getattr(r, "action", None) == "child_stopped"]
    assert [(r.error, r.cancelled, r.levelname) for r in stopped] == [  # type: ignore[attr-defined]
        (None, True, "INFO")
    ]
    assert sup.tree().children[0].last_error is None
