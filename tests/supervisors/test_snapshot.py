"""Introspection: tree() snapshots per child state, counters, bounded errors, JSON form."""

from __future__ import annotations

import json
import time

import pytest
import trio
import trio.testing

from supervisors import (
    Backoff,
    ChildKind,
    ChildSnapshot,
    ChildState,
    Intensity,
    Mailbox,
    Restart,
    Strategy,
    Supervisor,
    SupervisorGaveUp,
    SupervisorSnapshot,
    SupervisorState,
)
from supervisors.testing import (
    CRASH,
    NO_BACKOFF,
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


def states(snapshot: SupervisorSnapshot) -> dict[str, ChildState]:
    return {child.id: child.state for child in snapshot.children}


def test_before_run_every_child_is_stopped() -> None:
    sup = Supervisor("top", [steady_child("a"), steady_child("b")], strategy=Strategy.ONE_FOR_ALL)
    snapshot = sup.tree()  # works outside trio.run
    assert snapshot.id == "top"
    assert snapshot.strategy is Strategy.ONE_FOR_ALL
    assert snapshot.state is SupervisorState.IDLE
    assert states(snapshot) == {"a": ChildState.STOPPED, "b": ChildState.STOPPED}
    assert (snapshot.restarts_in_window, snapshot.total_restarts) == (0, 0)
    assert not snapshot.all_running()


async def test_lifecycle_states(autojump_clock: trio.testing.MockClock, recorder: Recorder) -> None:
    sup = Supervisor(
        "top",
        [
            steady_child("slow", start_delay_s=2, recorder=recorder),
            crashing_child(
                "crash",
                after_steps=1,
                times=1,
                recorder=recorder,
                backoff=Backoff(initial=4, maximum=4, jitter="none"),
            ),
            hanging_child("hang", recorder=recorder, shutdown=3),
        ],
    )
    async with trio.open_nursery() as nursery:
        nursery.start_soon(sup.run)
        await recorder.wait_for(START, "slow")
        assert sup.tree().state is SupervisorState.STARTING
        assert states(sup.tree())["slow"] is ChildState.STARTING
        await recorder.wait_for(STARTED, "hang")
        await wait_for(lambda: sup.state is SupervisorState.RUNNING)
        assert sup.tree().all_running()
        before = time.time()
        await recorder.wait_for(CRASH, "crash")
        await trio.testing.wait_all_tasks_blocked()  # let the supervisor handle it, at t=3
        crashed = sup.tree().children[1]
        assert crashed.state is ChildState.RESTARTING
        assert crashed.next_restart_in == 4
        assert crashed.restart_count == 0
        assert crashed.last_error == "ChildCrash: crash crashed (incarnation 1)"
        assert not sup.tree().all_running()
        await recorder.wait_for(STARTED, "crash", count=2)
        await wait_for(lambda: sup.tree().all_running())
        restarted = sup.tree().children[1]
        assert restarted.restart_count == 1
        assert restarted.next_restart_in is None
        assert restarted.started_at is not None and before <= restarted.started_at <= time.time()
        sup.stop()
        await recorder.wait_for(STOP, "hang")
        assert sup.tree().state is SupervisorState.STOPPING
        assert states(sup.tree())["hang"] is ChildState.STOPPING
    assert sup.state is SupervisorState.STOPPED
    assert set(states(sup.tree()).values()) == {ChildState.STOPPED}


async def test_counters_and_bounded_error_history(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    sup = Supervisor(
        "top",
        [crashing_child("c", after_steps=1, times=8, recorder=recorder, backoff=NO_BACKOFF)],
        intensity=Intensity(max_restarts=3, period=2.5),
    )
    async with running(sup):
        await recorder.wait_for(STARTED, "c", count=9)
        await trio.testing.wait_all_tasks_blocked()
        assert trio.current_time() == 8
        snapshot = sup.tree()
    child = snapshot.children[0]
    assert child.restart_count == 8
    assert snapshot.total_restarts == 8
    assert snapshot.all_running()
    assert snapshot.restarts_in_window == 3  # crashes at 6, 7 and 8 s are within 2.5 s of 8
    assert child.last_error == "ChildCrash: c crashed (incarnation 8)"
    assert child.recent_errors == tuple(
        f"ChildCrash: c crashed (incarnation {n})" for n in range(4, 9)
    )


async def test_failed_child_after_giving_up(
    autojump_clock: trio.testing.MockClock,
) -> None:
    sup = Supervisor(
        "top",
        [steady_child("ok"), crashing_child("bad", backoff=NO_BACKOFF)],
        intensity=Intensity(max_restarts=0),
    )
    with pytest.raises(SupervisorGaveUp):
        await sup.run()
    assert sup.state is SupervisorState.FAILED
    assert states(sup.tree()) == {"ok": ChildState.STOPPED, "bad": ChildState.FAILED}


async def test_nested_tree_and_json(autojump_clock: trio.testing.MockClock) -> None:
    inbox: Mailbox[int] = Mailbox("inbox", 4)
    inbox.send_nowait(1)
    mid = Supervisor("mid", [steady_child("worker", mailboxes=(inbox,))])
    top = Supervisor(
        "top",
        [mid.as_child(), exiting_child("job", restart=Restart.TRANSIENT)],
        strategy=Strategy.REST_FOR_ONE,
    )
    async with running(top):
        await wait_for(lambda: states(top.tree())["job"] is ChildState.STOPPED)
        snapshot = top.tree()
    mid_view = snapshot.children[0]
    assert mid_view.kind is ChildKind.SUPERVISOR
    assert mid_view.subtree is not None and mid_view.subtree.children[0].id == "worker"
    assert mid_view.all_running()
    assert not snapshot.all_running()  # the finished transient job is STOPPED
    data = json.loads(json.dumps(snapshot.to_dict()))
    assert data["strategy"] == "rest_for_one"
    assert data["state"] == "running"
    assert [child["id"] for child in data["children"]] == ["mid", "job"]
    assert data["children"][1]["state"] == "stopped"
    worker = data["children"][0]["subtree"]["children"][0]
    assert worker["kind"] == "worker"
    assert worker["state"] == "running"
    assert worker["mailboxes"] == [
        {
            "name": "inbox",
            "capacity": 4,
            "used": 1,
            "peak": 1,
            "waiting_senders": 0,
            "waiting_receivers": 0,
            "sent_total": 1,
            "received_total": 0,
            "closed": False,
        }
    ]
    assert data["children"][0]["subtree"]["children"][0]["subtree"] is None


def test_child_snapshot_all_running_needs_the_subtree() -> None:
    def child(state: ChildState, subtree: SupervisorSnapshot | None = None) -> ChildSnapshot:
        return ChildSnapshot("x", ChildKind.WORKER, state, 0, None, (), None, None, (), subtree)

    def tree(state: SupervisorState, *children: ChildSnapshot) -> SupervisorSnapshot:
        return SupervisorSnapshot("s", Strategy.ONE_FOR_ONE, state, 0, 0, children)

    healthy = tree(SupervisorState.RUNNING, child(ChildState.RUNNING))
    sick = tree(SupervisorState.RUNNING, child(ChildState.RESTARTING))
    assert healthy.all_running()
    assert tree(SupervisorState.RUNNING).all_running()  # no children
    assert not tree(SupervisorState.STOPPING, child(ChildState.RUNNING)).all_running()
    assert tree(SupervisorState.RUNNING, child(ChildState.RUNNING, healthy)).all_running()
    assert not tree(SupervisorState.RUNNING, child(ChildState.RUNNING, sick)).all_running()
