"""Restart decisions: what happens when a child ends on its own.

* Restart type (:func:`wants_restart`): PERMANENT always restarts (also after a normal
  exit), TRANSIENT only after an exception, TEMPORARY never (and is removed).
* Strategy (:func:`restart_group`): which children restart with the failed one.
* Intensity: every restart is counted in the supervisor's sliding window; the one that
  would exceed it raises :class:`IntensityExceeded` instead (the supervisor then gives up).
* Backoff: the group is restarted after the failed child's backoff delay. The delay is a
  deadline (``Child.restart_at``) that the supervisor's loop waits for, not a sleep here.

The caller serialises these operations (the supervisor's lock); nothing here takes a lock.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Final

import trio

from supervisors._child import Child, Run
from supervisors._errors import ChildReturned, describe_error
from supervisors._intensity import Intensity, RestartWindow
from supervisors._logging import LogAction, log_event
from supervisors._snapshot import ChildState
from supervisors._spec import Restart, Strategy
from supervisors._start_stop import ChildRunner

# States of a child that is (or is about to be) alive and so takes part in a group restart.
ACTIVE_STATES: Final = frozenset(
    {ChildState.STARTING, ChildState.RUNNING, ChildState.STOPPING, ChildState.RESTARTING}
)


class IntensityExceeded(Exception):
    """Internal: intensity exceeded while handling ``child``'s failure."""

    def __init__(self, child: Child, causes: tuple[BaseException, ...]) -> None:
        super().__init__(child.id)
        self.child = child
        self.causes = causes


def wants_restart(restart: Restart, error: BaseException | None) -> bool:
    """Whether a child of type ``restart`` that ended with ``error`` (None: normally) restarts."""
    if restart is Restart.PERMANENT:
        return True
    if restart is Restart.TRANSIENT:
        return error is not None
    return False


def restart_group(strategy: Strategy, children: Sequence[Child], child: Child) -> list[Child]:
    """The children a failure of ``child`` restarts (in start order)."""
    if strategy is Strategy.ONE_FOR_ONE:
        return [child]
    if strategy is Strategy.ONE_FOR_ALL:
        return list(children)
    return list(children[children.index(child) :])


class Restarter:
    """Applies restart types, strategy, intensity and backoff to the children of one run().

    ``children`` is the supervisor's own list (in start order), edited in place: TEMPORARY
    children that end are removed. ``restart_window`` and ``total_restarts`` count the
    restarts of this run for ``tree()``.
    """

    def __init__(
        self,
        supervisor_id: str,
        strategy: Strategy,
        intensity: Intensity,
        children: list[Child],
        runner: ChildRunner,
        logger: logging.Logger,
    ) -> None:
        self._supervisor_id = supervisor_id
        self._strategy = strategy
        self._children = children
        self._runner = runner
        self._logger = logger
        self.restart_window = RestartWindow(intensity)
        self.total_restarts = 0

    def next_deadline(self) -> float:
        """The earliest trio time at which a RESTARTING child is due (inf if none waits)."""
        return min(
            (
                child.restart_at
                for child in self._children
                if child.state is ChildState.RESTARTING and child.restart_at is not None
            ),
            default=math.inf,
        )

    async def on_exit(self, run: Run, *, stopping: bool) -> None:
        """A child ended on its own: restart it (and siblings) or let it be, per spec.

        ``stopping``: the supervisor's stop() was requested, so nothing is restarted.
        Raises :class:`IntensityExceeded` if the restart would exceed the intensity.
        """
        if run.handled:
            return
        run.handled = True
        child = run.child
        if child.run is not run or child not in self._children:
            return
        error = run.error
        if error is not None:
            child.note_error(error)
        restart = not stopping and wants_restart(child.spec.restart, error)
        log_event(
            self._logger,
            logging.ERROR if error is not None else logging.INFO,
            LogAction.CHILD_EXITED,
            "supervisor %r: child %r exited%s",
            self._supervisor_id,
            child.id,
            " normally" if error is None else f" with {describe_error(error)}",
            supervisor=self._supervisor_id,
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
        cause = error if error is not None else ChildReturned(self._supervisor_id, child.id)
        await self._restart_after_failure(child, cause, ran_for)

    async def restart_due(self) -> None:
        """Start, in start order, every RESTARTING child whose delay has passed.

        A failed restart counts as a failure of that child (and may raise
        :class:`IntensityExceeded`).
        """
        for child in list(self._children):
            if (
                child not in self._children
                or child.state is not ChildState.RESTARTING
                or child.restart_at is None
                or child.restart_at > trio.current_time()
            ):
                continue
            child.restart_count += 1
            error = await self._runner.start(child)
            if error is not None:
                await self._restart_after_failure(child, error, None)

    async def _restart_after_failure(
        self, child: Child, cause: BaseException, ran_for: float | None
    ) -> None:
        """Count the restart (or give up), stop the rest of the group in reverse order and
        schedule the group's restart after ``child``'s backoff delay."""
        causes = self.restart_window.try_add(trio.current_time(), cause)
        if causes is not None:
            raise IntensityExceeded(child, causes)
        self.total_restarts += 1
        delay = child.backoff.next_delay(ran_for)
        group = restart_group(self._strategy, self._children, child)
        to_restart = [
            member
            for member in group
            if member is child
            or (member.spec.restart is not Restart.TEMPORARY and member.state in ACTIVE_STATES)
        ]
        for member in reversed(group):
            if member is not child:
                await self._runner.stop(member)
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
                self._supervisor_id,
                member.id,
                member.restart_at - now,
                child.id,
                supervisor=self._supervisor_id,
                child=member.id,
                delay_s=member.restart_at - now,
                reason=child.id,
            )
