"""Building the ``tree()`` snapshots from a supervisor's live bookkeeping.

Works inside and outside ``trio.run()``: outside it there is no trio clock, so the window
count keeps every retained restart and ``next_restart_in`` is None.
"""

from __future__ import annotations

from collections.abc import Iterable

import trio

from supervisors._child import Child
from supervisors._intensity import RestartWindow
from supervisors._snapshot import ChildSnapshot, ChildState, SupervisorSnapshot, SupervisorState
from supervisors._spec import Strategy


def supervisor_snapshot(
    *,
    id: str,
    strategy: Strategy,
    state: SupervisorState,
    restart_window: RestartWindow,
    total_restarts: int,
    children: Iterable[Child],
) -> SupervisorSnapshot:
    """Snapshot of a supervisor and its children (nested supervisors included)."""
    now = _current_time()
    return SupervisorSnapshot(
        id=id,
        strategy=strategy,
        state=state,
        restarts_in_window=restart_window.count(now),
        total_restarts=total_restarts,
        children=tuple(child_snapshot(child, now) for child in children),
    )


def child_snapshot(child: Child, now: float | None) -> ChildSnapshot:
    """Snapshot of one child at trio time ``now`` (None: outside trio.run())."""
    next_restart_in = None
    if child.state is ChildState.RESTARTING and child.restart_at is not None:
        next_restart_in = None if now is None else max(0.0, child.restart_at - now)
    spec = child.spec
    return ChildSnapshot(
        id=child.id,
        kind=spec.kind,
        state=child.state,
        restart_count=child.restart_count,
        last_error=child.last_error,
        recent_errors=tuple(child.recent_errors),
        started_at=child.started_at_wall,
        next_restart_in=next_restart_in,
        mailboxes=tuple(mailbox.stats() for mailbox in spec.mailboxes),
        subtree=None if spec.snapshot is None else spec.snapshot(),
    )


def _current_time() -> float | None:
    try:
        return trio.current_time()
    except RuntimeError:  # tree() called outside trio.run()
        return None
