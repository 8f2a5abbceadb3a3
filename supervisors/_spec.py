"""Child specifications: what a supervisor starts, how it restarts and stops it."""

from __future__ import annotations

import enum
import math
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from supervisors._backoff import DEFAULT_BACKOFF, Backoff
from supervisors._mailbox import Mailbox
from supervisors._validate import non_empty_str, real

if TYPE_CHECKING:
    from supervisors._snapshot import SupervisorSnapshot

DEFAULT_SHUTDOWN_S = 5.0
DEFAULT_START_TIMEOUT_S = 5.0


class Restart(enum.Enum):
    """When a child that ended on its own is restarted.

    "Normal" exit means: the start function returned (any value), or it ended with the
    ``trio.Cancelled`` caused by the supervisor stopping it. An exception means anything else
    it raised (including ``SupervisorGaveUp`` from a child supervisor). Exits of a child the
    supervisor is stopping, or after the supervisor's stop() was requested, are logged and
    never restarted.
    """

    PERMANENT = "permanent"  # always restarted, also after a normal return
    TRANSIENT = "transient"  # restarted only after an exception
    TEMPORARY = "temporary"  # never restarted; removed from the supervisor when it ends


class ChildKind(enum.Enum):
    """A worker does the work; a supervisor child supervises its own subtree."""

    WORKER = "worker"
    SUPERVISOR = "supervisor"


class Strategy(enum.Enum):
    """Which children a supervisor restarts when one of them fails."""

    ONE_FOR_ONE = "one_for_one"  # only the failed child
    ONE_FOR_ALL = "one_for_all"  # every child: the others are stopped (reverse order) first
    REST_FOR_ONE = "rest_for_one"  # the failed child and those started after it


class _Brutal(enum.Enum):
    BRUTAL = "brutal"

    def __repr__(self) -> str:
        return "BRUTAL"


BRUTAL: Final = _Brutal.BRUTAL
"""``ChildSpec.shutdown`` value: cancel the child at once, without calling its stop hook."""

Shutdown = float | Literal[_Brutal.BRUTAL]


@dataclass(frozen=True)
class ChildSpec:
    """How to run one child. Validated on construction (TypeError/ValueError naming the field).

    * ``start`` is awaited as ``await start(task_status=task_status)`` and must call
      ``task_status.started()`` within ``start_timeout`` seconds once it is ready to serve;
      its exit is handled per ``restart``.
    * Stopping (shutdown, terminate_child, or a sibling's restart): if ``stop`` is set and
      ``shutdown`` is a number, ``stop()`` is called (a sync soft-stop hook: set an event,
      close an inbox...) and the child's cancel scope is cancelled ``shutdown`` seconds later
      if it has not returned by then. With ``stop=None`` or ``shutdown=BRUTAL`` the child is
      cancelled at once. ``math.inf`` waits for ever (OTP's ``infinity``, for supervisors).
    * ``backoff`` delays its restarts; ``mailboxes`` are the inboxes it consumes: reported in
      snapshots and reopened before each (re)start. ``snapshot`` (set by
      ``Supervisor.as_child``) nests a child supervisor's tree in ``tree()``.
    """

    id: str
    start: Callable[..., Awaitable[object]]
    restart: Restart = Restart.PERMANENT
    shutdown: Shutdown = DEFAULT_SHUTDOWN_S
    kind: ChildKind = ChildKind.WORKER
    stop: Callable[[], object] | None = None
    start_timeout: float = DEFAULT_START_TIMEOUT_S
    backoff: Backoff = DEFAULT_BACKOFF
    mailboxes: tuple[Mailbox[Any], ...] = ()
    snapshot: Callable[[], SupervisorSnapshot] | None = None

    def __post_init__(self) -> None:
        non_empty_str("ChildSpec", "id", self.id)
        if not callable(self.start):
            raise TypeError(f"ChildSpec.start must be an async callable, got {self.start!r}")
        if not isinstance(self.restart, Restart):
            raise TypeError(f"ChildSpec.restart must be a Restart, got {self.restart!r}")
        if self.shutdown is not BRUTAL:
            shutdown = real("ChildSpec", "shutdown", self.shutdown)
            if shutdown < 0:
                raise ValueError(f"ChildSpec.shutdown must be >= 0 or BRUTAL, got {shutdown!r}")
        if not isinstance(self.kind, ChildKind):
            raise TypeError(f"ChildSpec.kind must be a ChildKind, got {self.kind!r}")
        if self.stop is not None and not callable(self.stop):
            raise TypeError(f"ChildSpec.stop must be callable or None, got {self.stop!r}")
        start_timeout = real("ChildSpec", "start_timeout", self.start_timeout)
        if not 0 < start_timeout <= math.inf:
            raise ValueError(f"ChildSpec.start_timeout must be > 0, got {start_timeout!r}")
        if not isinstance(self.backoff, Backoff):
            raise TypeError(f"ChildSpec.backoff must be a Backoff, got {self.backoff!r}")
        if not isinstance(self.mailboxes, tuple) or not all(
            isinstance(mailbox, Mailbox) for mailbox in self.mailboxes
        ):
            raise TypeError(
                f"ChildSpec.mailboxes must be a tuple of Mailbox, got {self.mailboxes!r}"
            )
        if self.snapshot is not None and not callable(self.snapshot):
            raise TypeError(f"ChildSpec.snapshot must be callable or None, got {self.snapshot!r}")


def validate_child_specs(
    supervisor_id: str, children: Iterable[ChildSpec], max_children: int | None
) -> tuple[ChildSpec, ...]:
    """The initial children of a supervisor as a tuple, checked as a whole: ChildSpec objects
    only (TypeError), unique ids and at most ``max_children`` of them (ValueError)."""
    specs = tuple(children)
    for spec in specs:
        if not isinstance(spec, ChildSpec):
            raise TypeError(f"Supervisor.children must be ChildSpec objects, got {spec!r}")
    ids = [spec.id for spec in specs]
    duplicates = sorted({child_id for child_id in ids if ids.count(child_id) > 1})
    if duplicates:
        raise ValueError(f"Supervisor {supervisor_id!r}: duplicate child ids {duplicates}")
    if max_children is not None and len(specs) > max_children:
        raise ValueError(
            f"Supervisor {supervisor_id!r}: {len(specs)} children exceed "
            f"max_children={max_children}"
        )
    return specs
