"""Runtime bookkeeping of one child: its spec, backoff state, and current incarnation.

An *incarnation* (:class:`Run`) is one execution of ``spec.start`` in its own task and its
own cancel scope inside the supervisor's nursery, so the supervisor can cancel exactly that
child. The task never lets the child's exception escape into the nursery: it records the
outcome and posts the run to the supervisor's inbox instead.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from dataclasses import dataclass, field

import trio

from supervisors._backoff import BackoffState
from supervisors._errors import describe_error
from supervisors._snapshot import RECENT_ERRORS_KEPT, ChildState
from supervisors._spec import ChildSpec


@dataclass(eq=False)
class Run:
    """One incarnation of a child."""

    child: Child
    scope: trio.CancelScope = field(default_factory=trio.CancelScope)
    settled: trio.Event = field(default_factory=trio.Event)  # started() called, or task ended
    exited: trio.Event = field(default_factory=trio.Event)
    started: bool = False
    started_at: float | None = None  # trio.current_time() of started()
    stop_requested: bool = False  # the supervisor asked it to stop (or cancelled it)
    handled: bool = False  # its end was (or is being) dealt with; ignore its inbox message
    error: Exception | None = None


class RunStatus:
    """The ``task_status`` handed to ``spec.start``: implements ``trio.TaskStatus``.

    Supervisors start children with ``nursery.start_soon`` plus this status instead of
    ``nursery.start``, so a child is inside the supervisor's nursery from its first step and
    a sibling failing while it starts cannot deadlock or regroup exceptions
    (trio issues #1431, #2258).
    """

    def __init__(self, run: Run) -> None:
        self._run = run

    def started(self, value: object = None) -> None:
        """Report the child ready; the value is ignored. Raises RuntimeError if called twice."""
        run = self._run
        if run.started:
            raise RuntimeError("called 'started' twice on the same task status")
        run.started = True
        run.started_at = trio.current_time()
        if not run.handled:  # too late (start timed out): not a successful start
            run.child.started_at_wall = time.time()
        run.settled.set()


@dataclass(eq=False)
class Child:
    """A child as its supervisor tracks it across incarnations."""

    spec: ChildSpec
    backoff: BackoffState
    state: ChildState = ChildState.STOPPED
    run: Run | None = None
    restart_count: int = 0
    restart_at: float | None = None  # trio time at which a RESTARTING child is started again
    started_at_wall: float | None = None
    last_error: str | None = None
    recent_errors: deque[str] = field(default_factory=lambda: deque(maxlen=RECENT_ERRORS_KEPT))

    @property
    def id(self) -> str:
        return self.spec.id

    def live_run(self) -> Run | None:
        """The current incarnation if its end has not been dealt with yet."""
        run = self.run
        return run if run is not None and not run.handled else None

    def note_error(self, error: BaseException) -> None:
        text = describe_error(error)
        self.last_error = text
        self.recent_errors.append(text)


async def run_child(run: Run, inbox: trio.MemorySendChannel[Run]) -> None:
    """Task body of one incarnation: await ``spec.start`` inside the run's cancel scope.

    The scope absorbs the ``trio.Cancelled`` the supervisor causes; an ``Exception`` is stored
    in ``run.error``. Either way the run is posted to ``inbox``. BaseExceptions that are not
    ours (cancellation of the supervisor itself, KeyboardInterrupt) propagate.
    """
    try:
        try:
            with run.scope:
                await run.child.spec.start(task_status=RunStatus(run))
        except Exception as error:
            run.error = error
    finally:
        run.exited.set()
        run.settled.set()
        # Closed inbox: the supervisor's run() is over; nobody is interested any more.
        with contextlib.suppress(trio.ClosedResourceError, trio.BrokenResourceError):
            inbox.send_nowait(run)
