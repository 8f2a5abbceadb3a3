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
from supervisors._child import Child, Run, run_child
from supervisors._errors import (
    ChildReturned,
    ChildStartError,
    DuplicateChildError,
    NotRunningError,
    SupervisorGaveUp,
    TooManyChildrenError,
    UnknownChildError,
    describe_error,
)
from supervisors._intensity import DEFAULT_INTENSITY, Intensity, RestartWindow
from supervisors._logging import LOGGER_NAME, LogAction, log_event
from supervisors._snapshot import ChildSnapshot, ChildState, SupervisorSnapshot, SupervisorState
from supervisors._spec import BRUTAL, ChildKind, ChildSpec, Restart, Shutdown, Strategy
from supervisors._validate import integer, non_empty_str

DEFAULT_CHILD_SUPERVISOR_SHUTDOWN_S: Final = 30.0
DEFAULT_CHILD_SUPERVISOR_START_TIMEOUT_S: Final = 30.0

# States of a child that is (or is about to be) alive and so takes part in a group restart.
_ACTIVE_STATES: Final = frozenset(
    {ChildState.STARTING, ChildState.RUNNING, ChildState.STOPPING, ChildState.RESTARTING}
)


class _Wake:
    """Inbox message asking the loop to re-check its flags (sent by stop())."""


_WAKE: Final = _Wake()
_Message = Run | _Wake


class _GiveUp(Exception):
    """Internal: intensity exceeded while handling ``child``'s failure."""

    def __init__(self, child: Child, causes: tuple[BaseException, ...]) -> None:
        super().__init__(child.id)
        self.child = child
        self.causes = causes


def _wants_restart(restart: Restart, error: BaseException | None) -> bool:
    if restart is Restart.PERMANENT:
        return True
    if restart is Restart.TRANSIENT:
        return error is not None
    return False


def _current_time() -> float | None:
    try:
        return trio.current_time()
    except RuntimeError:  # tree() called outside trio.run()
        return None


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
        specs = tuple(children)
        for spec in specs:
            if not isinstance(spec, ChildSpec):
                raise TypeError(f"Supervisor.children must be ChildSpec objects, got {spec!r}")
        ids = [spec.id for spec in specs]
        duplicates = sorted({child_id for child_id in ids if ids.count(child_id) > 1})
        if duplicates:
            raise ValueError(f"Supervisor {id!r}: duplicate child ids {duplicates}")
        if max_children is not None and len(specs) > max_children:
            raise ValueError(
                f"Supervisor {id!r}: {len(specs)} children exceed max_children={max_children}"
            )
        self._specs = specs
        self._strategy = strategy
        self._intensity = intensity
        self._max_children = max_children
        self._rng = rng if rng is not None else random.Random()
        self._logger = logger if logger is not None else logging.getLogger(LOGGER_NAME)

        self._state = SupervisorState.IDLE
        self._children: list[Child] = [self._new_child(spec) for spec in specs]
        self._window = RestartWindow(intensity)
        self._total_restarts = 0
        self._running = False
        self._stop_requested = False
        self._lock = trio.Lock()
        self._nursery: trio.Nursery | None = None
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
                self._nursery = nursery
                failure = await self._run_in_nursery(receive, task_status)
                # Every child has ended by now; this only guards against a leaked task.
                nursery.cancel_scope.cancel()
        finally:
            self._running = False
            self._stop_requested = False
            self._nursery = None
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
                error = await self._start_run(child)
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
            await self._stop_child(child)
            child.state = ChildState.STOPPED
            child.restart_at = None

    def tree(self) -> SupervisorSnapshot:
        """Snapshot of this supervisor and its children (nested supervisors included)."""
        now = _current_time()
        return SupervisorSnapshot(
            id=self._id,
            strategy=self._strategy,
            state=self._state,
            restarts_in_window=self._window.count(now),
            total_restarts=self._total_restarts,
            children=tuple(self._child_snapshot(child, now) for child in self._children),
        )

    def __repr__(self) -> str:
        return f"<Supervisor {self._id!r} {self._strategy.value} {self._state.value}>"

    # -- run() internals -----------------------------------------------------------------

    def _new_child(self, spec: ChildSpec) -> Child:
        return Child(spec=spec, backoff=BackoffState(spec.backoff, self._rng))

    def _reset(self) -> None:
        self._children = [self._new_child(spec) for spec in self._specs]
        self._window = RestartWindow(self._intensity)
        self._total_restarts = 0
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
        for child in self._children:
            error = await self._start_run(child)
            if error is None:
                continue
            await self._stop_all()
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
        return None

    async def _supervise(
        self, inbox: trio.MemoryReceiveChannel[_Message]
    ) -> SupervisorGaveUp | None:
        while not self._stop_requested:
            message: _Message = _WAKE
            with trio.move_on_at(self._next_restart_deadline()):
                message = await inbox.receive()
            async with self._lock:
                try:
                    if isinstance(message, Run):
                        await self._on_exit(message)
                    if not self._stop_requested:
                        await self._restart_due()
                except _GiveUp as give_up:
                    return await self._give_up(give_up)
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
        await self._stop_all()
        self._state = SupervisorState.STOPPED
        log_event(
            self._logger,
            logging.INFO,
            LogAction.SUPERVISOR_STOPPED,
            "supervisor %r stopped",
            self._id,
            supervisor=self._id,
        )

    async def _give_up(self, give_up: _GiveUp) -> SupervisorGaveUp:
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
        await self._stop_all()
        self._state = SupervisorState.FAILED
        return error

    def _next_restart_deadline(self) -> float:
        return min(
            (
                child.restart_at
                for child in self._children
                if child.state is ChildState.RESTARTING and child.restart_at is not None
            ),
            default=math.inf,
        )

    # -- starting --------------------------------------------------------------------------

    async def _start_run(self, child: Child) -> BaseException | None:
        """Start one incarnation and wait until it reports started.

        Returns None once it is RUNNING, else the start failure (the child is then FAILED and
        its task has ended).
        """
        assert self._nursery is not None and self._inbox is not None
        spec = child.spec
        for mailbox in spec.mailboxes:
            mailbox.reopen()
        run = Run(child=child)
        child.run = run
        child.state = ChildState.STARTING
        child.restart_at = None
        self._nursery.start_soon(run_child, run, self._inbox, name=f"{self._id}/{child.id}")
        try:
            with trio.move_on_after(spec.start_timeout):
                await run.settled.wait()
        except BaseException:
            # Our caller was cancelled: don't leave a half-started child behind.
            run.handled = run.stop_requested = True
            run.scope.cancel()
            with trio.CancelScope(shield=True):
                await run.exited.wait()
            child.state = ChildState.STOPPED
            raise
        if run.started:
            child.state = ChildState.RUNNING
            log_event(
                self._logger,
                logging.INFO,
                LogAction.CHILD_STARTED,
                "supervisor %r: child %r started",
                self._id,
                child.id,
                supervisor=self._id,
                child=child.id,
                restart_count=child.restart_count,
            )
            return None
        run.handled = True
        error: BaseException
        if run.exited.is_set():
            error = run.error or RuntimeError(
                f"child {child.id!r} returned without calling task_status.started()"
            )
        else:
            run.stop_requested = True
            run.scope.cancel()
            await run.exited.wait()
            error = trio.TooSlowError(
                f"child {child.id!r} did not call task_status.started() "
                f"within {spec.start_timeout} s"
            )
        child.state = ChildState.FAILED
        child.note_error(error)
        log_event(
            self._logger,
            logging.ERROR,
            LogAction.CHILD_START_FAILED,
            "supervisor %r: child %r failed to start: %s",
            self._id,
            child.id,
            describe_error(error),
            supervisor=self._id,
            child=child.id,
            error=describe_error(error),
            exc=error,
        )
        return error

    # -- stopping --------------------------------------------------------------------------

    async def _stop_all(self) -> None:
        """Stop every child in reverse start order; RESTARTING ones simply stay down."""
        for child in reversed(self._children):
            if child.live_run() is not None:
                await self._stop_child(child)
            elif child.state is ChildState.RESTARTING:
                child.state = ChildState.STOPPED
                child.restart_at = None

    async def _stop_child(self, child: Child) -> None:
        """Soft-stop ``child``, cancel it ``shutdown`` s later if needed, wait until it ends.

        An exception it raises meanwhile is logged, never restarted.
        """
        run = child.live_run()
        if run is None:
            return
        run.handled = True
        spec = child.spec
        if not run.exited.is_set():
            run.stop_requested = True
            child.state = ChildState.STOPPING
            soft = spec.stop is not None and spec.shutdown is not BRUTAL and run.started
            log_event(
                self._logger,
                logging.INFO,
                LogAction.CHILD_STOPPING,
                "supervisor %r: stopping child %r (%s)",
                self._id,
                child.id,
                f"soft stop, {spec.shutdown} s" if soft else "cancel",
                supervisor=self._id,
                child=child.id,
                shutdown_s=None if spec.shutdown is BRUTAL else spec.shutdown,
            )
            self._request_stop(run, soft)
            await run.exited.wait()
        child.state = ChildState.STOPPED
        error = run.error
        if error is not None:
            child.note_error(error)
        log_event(
            self._logger,
            logging.WARNING if error is not None else logging.INFO,
            LogAction.CHILD_STOPPED,
            "supervisor %r: child %r stopped%s",
            self._id,
            child.id,
            "" if error is None else f" with {describe_error(error)}",
            supervisor=self._id,
            child=child.id,
            error=None if error is None else describe_error(error),
            cancelled=run.scope.cancelled_caught,
            exc=error,
        )

    def _request_stop(self, run: Run, soft: bool) -> None:
        spec = run.child.spec
        if not soft or spec.stop is None or spec.shutdown is BRUTAL:
            run.scope.cancel()
            return
        try:
            spec.stop()
        except Exception as error:
            log_event(
                self._logger,
                logging.WARNING,
                LogAction.CHILD_STOPPING,
                "supervisor %r: stop hook of child %r raised %s; cancelling it",
                self._id,
                run.child.id,
                describe_error(error),
                supervisor=self._id,
                child=run.child.id,
                error=describe_error(error),
                exc=error,
            )
            run.scope.cancel()
            return
        # The deadline makes the hard stop happen exactly `shutdown` s after the soft one.
        run.scope.deadline = min(run.scope.deadline, trio.current_time() + spec.shutdown)

    # -- failures and restarts ---------------------------------------------------------------

    async def _on_exit(self, run: Run) -> None:
        """A child ended on its own: restart it (and siblings) or let it be, per spec."""
        if run.handled:
            return
        run.handled = True
        child = run.child
        if child.run is not run or child not in self._children:
            return
        error = run.error
        if error is not None:
            child.note_error(error)
        restart = not self._stop_requested and _wants_restart(child.spec.restart, error)
        log_event(
            self._logger,
            logging.ERROR if error is not None else logging.INFO,
            LogAction.CHILD_EXITED,
            "supervisor %r: child %r exited%s",
            self._id,
            child.id,
            " normally" if error is None else f" with {describe_error(error)}",
            supervisor=self._id,
            child=child.id,
            error=None if error is None else describe_error(error),
            restart=restart,
            exc=error,
        )
        if not restart:
            child.state = ChildState.STOPPED if error is None else ChildState.FAILED
            if child.spec.restart is Restart.TEMPORARY:
                self._children.remove(child)
            return
        now = trio.current_time()
        ran_for = None if run.started_at is None else now - run.started_at
        cause = error if error is not None else ChildReturned(self._id, child.id)
        await self._restart_after_failure(child, cause, ran_for)

    def _group(self, child: Child) -> list[Child]:
        """The children a failure of ``child`` restarts (in start order)."""
        if self._strategy is Strategy.ONE_FOR_ONE:
            return [child]
        if self._strategy is Strategy.ONE_FOR_ALL:
            return list(self._children)
        return self._children[self._children.index(child) :]

    async def _restart_after_failure(
        self, child: Child, cause: BaseException, ran_for: float | None
    ) -> None:
        """Count the restart (or give up), stop the rest of the group in reverse order and
        schedule the group's restart after ``child``'s backoff delay."""
        causes = self._window.try_add(trio.current_time(), cause)
        if causes is not None:
            raise _GiveUp(child, causes)
        self._total_restarts += 1
        delay = child.backoff.next_delay(ran_for)
        group = self._group(child)
        to_restart = [
            member
            for member in group
            if member is child
            or (member.spec.restart is not Restart.TEMPORARY and member.state in _ACTIVE_STATES)
        ]
        for member in reversed(group):
            if member is not child:
                await self._stop_child(member)
        for member in group:
            if member.spec.restart is Restart.TEMPORARY and member in self._children:
                self._children.remove(member)  # terminated for a sibling, never restarted
        now = trio.current_time()
        for member in to_restart:
            previous = member.restart_at if member.state is ChildState.RESTARTING else None
            # A member already waiting for its own (longer) delay keeps it.
            member.restart_at = now + delay if previous is None else max(previous, now + delay)
            member.state = ChildState.RESTARTING
            log_event(
                self._logger,
                logging.WARNING,
                LogAction.CHILD_RESTARTING,
                "supervisor %r: restarting child %r in %.3f s (failure of %r)",
                self._id,
                member.id,
                member.restart_at - now,
                child.id,
                supervisor=self._id,
                child=member.id,
                delay_s=member.restart_at - now,
                reason=child.id,
            )

    async def _restart_due(self) -> None:
        """Start, in start order, every RESTARTING child whose delay has passed."""
        for child in list(self._children):
            if (
                child not in self._children
                or child.state is not ChildState.RESTARTING
                or child.restart_at is None
                or child.restart_at > trio.current_time()
            ):
                continue
            child.restart_count += 1
            error = await self._start_run(child)
            if error is not None:
                await self._restart_after_failure(child, error, None)

    # -- introspection ---------------------------------------------------------------------

    def _child_snapshot(self, child: Child, now: float | None) -> ChildSnapshot:
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
