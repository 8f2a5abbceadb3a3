"""The supervisor: starts children in order, restarts them per strategy, stops them in reverse.

Concurrency model. ``run()`` owns a nursery; every child incarnation is a task in it with its
own cancel scope (see ``_child``). Child tasks never raise into the nursery; they post their
run to an unbounded inbox that ``run()``'s loop reads. Every structural change (start-up,
restarts, start_child, terminate_child, shutdown) happens under one ``trio.Lock``, so they are
serialised exactly like calls into an OTP supervisor process. Backoff delays are deadlines in
the loop, not sleeps under the lock, so stop() and other children's exits are handled while a
child waits for its restart.

Cancellation. Cancelling ``run()`` from outside cancels every child at once (no soft stop);
use ``stop()`` for an orderly shutdown.

Here: the public class and run()'s loop. Starting and stopping children is in ``_start_stop``,
restart decisions in ``_restarts``, building ``tree()`` in ``_snapshot_builder``.
"""

from __future__ import annotations

import contextlib
import logging
import math
import random
from collections.abc import Sequence
from typing import Final

import trio

from supervisors._backoff import DEFAULT_BACKOFF, Backoff, BackoffState
from supervisors._child import Child, Run
from supervisors._errors import (
    ChildStartError,
    DuplicateChildError,
    NotRunningError,
    SupervisorGaveUp,
    TooManyChildrenError,
    UnknownChildError,
    describe_error,
)
from supervisors._intensity import DEFAULT_INTENSITY, Intensity
from supervisors._logging import LOGGER_NAME, LogAction, log_event
from supervisors._restarts import IntensityExceeded, Restarter
from supervisors._snapshot import ChildState, SupervisorSnapshot, SupervisorState
from supervisors._snapshot_builder import supervisor_snapshot
from supervisors._spec import (
    ChildKind,
    ChildSpec,
    Restart,
    Shutdown,
    Strategy,
    validate_child_specs,
)
from supervisors._start_stop import ChildRunner
from supervisors._validate import integer, non_empty_str

DEFAULT_CHILD_SUPERVISOR_SHUTDOWN_S: Final = 30.0
DEFAULT_CHILD_SUPERVISOR_START_TIMEOUT_S: Final = 30.0


class _Wake:
    """Inbox message asking the loop to re-check its flags (sent by stop())."""


_WAKE: Final = _Wake()
_Message = Run | _Wake


class Supervisor:
    """An OTP-style supervisor of trio tasks.

    ``children`` are started in order by :meth:`run`; ``strategy`` decides which children are
    restarted when one fails, ``intensity`` how many restarts are tolerated before giving up.
    ``max_children`` bounds the children (initial plus dynamic); ``rng`` drives backoff
    jitter (seed it in tests); ``logger`` defaults to ``logging.getLogger("supervisors")``.

    A supervisor can run again after run() ends (as when its parent restarts it): each run
    starts from the initial ``children`` with fresh counters; dynamic children are not kept.
    """

    def __init__(
        self,
        id: str,
        children: Sequence[ChildSpec] = (),
        *,
        strategy: Strategy = Strategy.ONE_FOR_ONE,
        intensity: Intensity = DEFAULT_INTENSITY,
        max_children: int | None = None,
        rng: random.Random | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        self._id = non_empty_str("Supervisor", "id", id)
        if not isinstance(strategy, Strategy):
            raise TypeError(f"Supervisor.strategy must be a Strategy, got {strategy!r}")
        if not isinstance(intensity, Intensity):
            raise TypeError(f"Supervisor.intensity must be an Intensity, got {intensity!r}")
        if max_children is not None and integer("Supervisor", "max_children", max_children) < 1:
            raise ValueError(f"Supervisor.max_children must be >= 1, got {max_children!r}")
        specs = validate_child_specs(id, children, max_children)
        self._specs = specs
        self._strategy = strategy
        self._intensity = intensity
        self._max_children = max_children
        self._rng = rng if rng is not None else random.Random()
        self._logger = logger if logger is not None else logging.getLogger(LOGGER_NAME)

        self._state = SupervisorState.IDLE
        self._children: list[Child] = [self._new_child(spec) for spec in specs]
        self._runner = ChildRunner(self._id, self._logger)
        self._restarter = self._new_restarter()
        self._running = False
        self._stop_requested = False
        self._lock = trio.Lock()
        self._inbox: trio.MemorySendChannel[_Message] | None = None

    # -- public API ----------------------------------------------------------------------

    @property
    def id(self) -> str:
        return self._id

    @property
    def strategy(self) -> Strategy:
        return self._strategy

    @property
    def state(self) -> SupervisorState:
        return self._state

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Start the children in order, report started, supervise until :meth:`stop`.

        Start-up: each child must call ``task_status.started()`` within its
        ``start_timeout``. If one fails, the already started ones are stopped in reverse
        order, the later ones are never started, and :class:`ChildStartError` is raised
        before ``task_status.started()`` (so ``nursery.start(sup.run)`` raises it).

        After :meth:`stop`: children are stopped in reverse start order and run() returns.
        If the restart intensity is exceeded: children are stopped in reverse order and
        :class:`SupervisorGaveUp` is raised. Both errors are raised plain, never inside an
        ExceptionGroup. If run() is cancelled, all children are cancelled at once.
        """
        if self._running:
            raise RuntimeError(f"supervisor {self._id!r} is already running")
        self._running = True
        self._reset()
        send, receive = trio.open_memory_channel[_Message](math.inf)
        self._inbox = send
        failure: SupervisorGaveUp | ChildStartError | None = None
        try:
            async with trio.open_nursery() as nursery:
                self._runner.attach(nursery, send)
                failure = await self._run_in_nursery(receive, task_status)
                # Every child has ended by now; this only guards against a leaked task.
                nursery.cancel_scope.cancel()
        finally:
            self._running = False
            self._stop_requested = False
            self._runner.detach()
            self._inbox = None
            send.close()
            receive.close()
            if self._state not in (SupervisorState.STOPPED, SupervisorState.FAILED):
                # Cancelled from outside: the nursery cancelled every child at once.
                self._state = SupervisorState.STOPPED
                for child in self._children:
                    if child.state is not ChildState.FAILED:
                        child.state = ChildState.STOPPED
                    child.restart_at = None
        if failure is not None:
            cause = failure.cause if isinstance(failure, ChildStartError) else failure.causes[-1]
            raise failure from cause

    def stop(self) -> None:
        """Request an orderly shutdown (idempotent; call from any trio task).

        run() stops the children in reverse start order and returns. If run() is still
        starting, the shutdown follows right after start-up; if run() is not active, the
        request applies to the next run.
        """
        if self._stop_requested:
            return
        self._stop_requested = True
        if self._inbox is not None:
            # ClosedResourceError: run() is finishing; nothing to wake.
            with contextlib.suppress(trio.ClosedResourceError):
                self._inbox.send_nowait(_WAKE)

    def as_child(
        self,
        *,
        restart: Restart = Restart.PERMANENT,
        shutdown: Shutdown = DEFAULT_CHILD_SUPERVISOR_SHUTDOWN_S,
        start_timeout: float = DEFAULT_CHILD_SUPERVISOR_START_TIMEOUT_S,
        backoff: Backoff = DEFAULT_BACKOFF,
    ) -> ChildSpec:
        """A spec nesting this supervisor in a parent: its failure (SupervisorGaveUp)
        escalates to the parent, its stop waits for its whole subtree, and the parent's
        tree() includes it."""
        return ChildSpec(
            id=self._id,
            start=self.run,
            restart=restart,
            shutdown=shutdown,
            kind=ChildKind.SUPERVISOR,
            stop=self.stop,
            start_timeout=start_timeout,
            backoff=backoff,
            snapshot=self.tree,
        )

    async def start_child(self, spec: ChildSpec) -> None:
        """Start a dynamic child, placed last in start order; returns once it reported started.

        Raises :class:`DuplicateChildError` if a current child has that id,
        :class:`TooManyChildrenError` at ``max_children``, :class:`ChildStartError` if it
        fails to start (it is then not added), :class:`NotRunningError` if run() is not
        supervising. Concurrent calls are served one at a time. If the caller is cancelled
        while the child starts, the child is cancelled and not added.
        """
        if not isinstance(spec, ChildSpec):
            raise TypeError(f"start_child() takes a ChildSpec, got {spec!r}")
        async with self._lock:
            self._check_supervising()
            if any(child.id == spec.id for child in self._children):
                raise DuplicateChildError(
                    f"supervisor {self._id!r} already has a child {spec.id!r}"
                )
            if self._max_children is not None and len(self._children) >= self._max_children:
                raise TooManyChildrenError(
                    f"supervisor {self._id!r} has reached max_children={self._max_children}"
                )
            child = self._new_child(spec)
            self._children.append(child)
            try:
                error = await self._runner.start(child)
            except BaseException:
                self._children.remove(child)
                raise
            if error is not None:
                self._children.remove(child)
                raise ChildStartError(self._id, spec.id, error) from error

    async def terminate_child(self, id: str) -> None:
        """Stop child ``id`` like at shutdown (soft stop, then cancel after its ``shutdown``)
        and remove it. Its exit is not restarted and does not count towards intensity.

        Raises :class:`UnknownChildError` or :class:`NotRunningError`.
        """
        async with self._lock:
            self._check_supervising()
            child = next((child for child in self._children if child.id == id), None)
            if child is None:
                raise UnknownChildError(f"supervisor {self._id!r} has no child {id!r}")
            # Removed first: if this call is cancelled midway the child still ends (its
            # scope has a deadline) and no later operation trips over it.
            self._children.remove(child)
            await self._runner.stop(child)
            child.state = ChildState.STOPPED
            child.restart_at = None

    def tree(self) -> SupervisorSnapshot:
        """Snapshot of this supervisor and its children (nested supervisors included)."""
        return supervisor_snapshot(
            id=self._id,
            strategy=self._strategy,
            state=self._state,
            restart_window=self._restarter.restart_window,
            total_restarts=self._restarter.total_restarts,
            children=self._children,
        )

    def __repr__(self) -> str:
        return f"<Supervisor {self._id!r} {self._strategy.value} {self._state.value}>"

    # -- run() internals -----------------------------------------------------------------

    def _new_child(self, spec: ChildSpec) -> Child:
        return Child(spec=spec, backoff=BackoffState(spec.backoff, self._rng))

    def _new_restarter(self) -> Restarter:
        return Restarter(
            self._id, self._strategy, self._intensity, self._children, self._runner, self._logger
        )

    def _reset(self) -> None:
        self._children = [self._new_child(spec) for spec in self._specs]
        self._restarter = self._new_restarter()
        self._lock = trio.Lock()

    def _check_supervising(self) -> None:
        if self._state is not SupervisorState.RUNNING or self._stop_requested:
            raise NotRunningError(f"supervisor {self._id!r} is not running")

    async def _run_in_nursery(
        self,
        inbox: trio.MemoryReceiveChannel[_Message],
        task_status: trio.TaskStatus[None],
    ) -> SupervisorGaveUp | ChildStartError | None:
        self._state = SupervisorState.STARTING
        async with self._lock:
            start_error = await self._start_initial()
        if start_error is not None:
            return start_error
        self._state = SupervisorState.RUNNING
        log_event(
            self._logger,
            logging.INFO,
            LogAction.SUPERVISOR_STARTED,
            "supervisor %r started %d children",
            self._id,
            len(self._children),
            supervisor=self._id,
        )
        task_status.started()
        return await self._supervise(inbox)

    async def _start_initial(self) -> ChildStartError | None:
        failure = await self._runner.start_in_order(self._children)
        if failure is None:
            return None
        child, error = failure
        self._state = SupervisorState.FAILED
        log_event(
            self._logger,
            logging.ERROR,
            LogAction.SUPERVISOR_START_FAILED,
            "supervisor %r failed to start: child %r: %s",
            self._id,
            child.id,
            describe_error(error),
            supervisor=self._id,
            child=child.id,
            error=describe_error(error),
        )
        return ChildStartError(self._id, child.id, error)

    async def _supervise(
        self, inbox: trio.MemoryReceiveChannel[_Message]
    ) -> SupervisorGaveUp | None:
        while not self._stop_requested:
            message: _Message = _WAKE
            with trio.move_on_at(self._restarter.next_deadline()):
                message = await inbox.receive()
            async with self._lock:
                try:
                    if isinstance(message, Run):
                        await self._restarter.on_exit(message, stopping=self._stop_requested)
                    if not self._stop_requested:
                        await self._restarter.restart_due()
                except IntensityExceeded as exceeded:
                    return await self._give_up(exceeded)
        async with self._lock:
            await self._shutdown()
        return None

    async def _shutdown(self) -> None:
        self._state = SupervisorState.STOPPING
        log_event(
            self._logger,
            logging.INFO,
            LogAction.SUPERVISOR_STOPPING,
            "supervisor %r stopping %d children",
            self._id,
            len(self._children),
            supervisor=self._id,
        )
        await self._runner.stop_in_reverse(self._children)
        self._state = SupervisorState.STOPPED
        log_event(
            self._logger,
            logging.INFO,
            LogAction.SUPERVISOR_STOPPED,
            "supervisor %r stopped",
            self._id,
            supervisor=self._id,
        )

    async def _give_up(self, give_up: IntensityExceeded) -> SupervisorGaveUp:
        self._state = SupervisorState.STOPPING
        give_up.child.state = ChildState.FAILED
        error = SupervisorGaveUp(self._id, give_up.causes)
        log_event(
            self._logger,
            logging.ERROR,
            LogAction.SUPERVISOR_GAVE_UP,
            "supervisor %r gave up: more than %d restarts in %s s; last failure of child %r: %s",
            self._id,
            self._intensity.max_restarts,
            self._intensity.period,
            give_up.child.id,
            describe_error(give_up.causes[-1]),
            supervisor=self._id,
            child=give_up.child.id,
            error=describe_error(give_up.causes[-1]),
            max_restarts=self._intensity.max_restarts,
            period_s=self._intensity.period,
        )
        await self._runner.stop_in_reverse(self._children)
        self._state = SupervisorState.FAILED
        return error
