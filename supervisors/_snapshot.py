"""Immutable introspection snapshots returned by ``Supervisor.tree()``.

Memory is bounded: a child keeps counters, its last error and the last
:data:`RECENT_ERRORS_KEPT` error texts, never a full history.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from supervisors._mailbox import MailboxStats
from supervisors._spec import ChildKind, Strategy

RECENT_ERRORS_KEPT = 5


class ChildState(enum.Enum):
    """Where a child is in its lifecycle, as seen by its supervisor."""

    STARTING = "starting"  # start() awaited, task_status.started() not called yet
    RUNNING = "running"  # reported started and has not ended
    RESTARTING = "restarting"  # ended (or stopped for a sibling); waiting for its backoff delay
    STOPPING = "stopping"  # soft stop requested, waiting for it to end
    STOPPED = "stopped"  # not running and not going to restart (or not started yet)
    FAILED = "failed"  # failed to start, or its failure made the supervisor give up


class SupervisorState(enum.Enum):
    """Lifecycle of one ``Supervisor.run()``; a supervisor can be run again after it ends."""

    IDLE = "idle"  # run() never called
    STARTING = "starting"  # starting the initial children in order
    RUNNING = "running"  # supervising
    STOPPING = "stopping"  # stopping children in reverse order (stop() or giving up)
    STOPPED = "stopped"  # run() returned (or was cancelled)
    FAILED = "failed"  # run() raised SupervisorGaveUp or ChildStartError


@dataclass(frozen=True)
class ChildSnapshot:
    """One child at one moment.

    ``started_at`` is the wall-clock (``time.time()``) moment of its latest successful start;
    ``next_restart_in`` the seconds left before a RESTARTING child is started again.
    ``subtree`` is the nested tree of a child supervisor.
    """

    id: str
    kind: ChildKind
    state: ChildState
    restart_count: int
    last_error: str | None
    recent_errors: tuple[str, ...]
    started_at: float | None
    next_restart_in: float | None
    mailboxes: tuple[MailboxStats, ...]
    subtree: SupervisorSnapshot | None

    def all_running(self) -> bool:
        """RUNNING, and so is every child of its subtree (if any)."""
        return self.state is ChildState.RUNNING and (
            self.subtree is None or self.subtree.all_running()
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (enums as their string values)."""
        return {
            "id": self.id,
            "kind": self.kind.value,
            "state": self.state.value,
            "restart_count": self.restart_count,
            "last_error": self.last_error,
            "recent_errors": list(self.recent_errors),
            "started_at": self.started_at,
            "next_restart_in": self.next_restart_in,
            "mailboxes": [mailbox.to_dict() for mailbox in self.mailboxes],
            "subtree": None if self.subtree is None else self.subtree.to_dict(),
        }


@dataclass(frozen=True)
class SupervisorSnapshot:
    """A supervisor and its children (in start order) at one moment.

    ``restarts_in_window`` counts the restarts inside the current intensity window,
    ``total_restarts`` all restarts of the current (or last) run().
    """

    id: str
    strategy: Strategy
    state: SupervisorState
    restarts_in_window: int
    total_restarts: int
    children: tuple[ChildSnapshot, ...]

    def all_running(self) -> bool:
        """The supervisor is RUNNING and every child, recursively, is RUNNING.

        A TRANSIENT child that finished normally is STOPPED, so it makes this False.
        """
        return self.state is SupervisorState.RUNNING and all(
            child.all_running() for child in self.children
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (enums as their string values), e.g. for a /health route."""
        return {
            "id": self.id,
            "strategy": self.strategy.value,
            "state": self.state.value,
            "restarts_in_window": self.restarts_in_window,
            "total_restarts": self.total_restarts,
            "children": [child.to_dict() for child in self.children],
        }
