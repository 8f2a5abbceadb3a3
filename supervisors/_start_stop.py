"""Starting and stopping child incarnations: ordered start, reverse-order shutdown.

Start: an incarnation is a task in the supervisor's nursery (``nursery.start_soon`` plus our
own task status, see ``_child``) that must report started within ``spec.start_timeout``;
children start one after another, and a failure stops the ones already started.

Stop: one child at a time, in reverse start order. Per child: its soft stop (``spec.stop()``),
then its cancel scope is cancelled ``spec.shutdown`` seconds later if it is still running
(at once for ``BRUTAL``, a child without a stop hook, or one that has not started yet); the
stop waits until the child has ended. An exception it raises meanwhile is logged, never
restarted.

The caller serialises these operations (the supervisor's lock); nothing here takes a lock.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import trio

from supervisors._child import Child, Run, run_child
from supervisors._errors import describe_error
from supervisors._logging import LogAction, log_event
from supervisors._snapshot import ChildState
from supervisors._spec import BRUTAL


class ChildRunner:
    """Starts and stops the children of one supervisor inside its current run()'s nursery.

    :meth:`attach` binds it to the nursery and inbox of a run(), :meth:`detach` unbinds it
    when run() ends; starting a child needs it attached.
    """

    def __init__(self, supervisor_id: str, logger: logging.Logger) -> None:
        self._supervisor_id = supervisor_id
        self._logger = logger
        self._nursery: trio.Nursery | None = None
        self._inbox: trio.MemorySendChannel[Run] | None = None

    def attach(self, nursery: trio.Nursery, inbox: trio.MemorySendChannel[Run]) -> None:
        """Start children in ``nursery``; each posts its ended run to ``inbox``."""
        self._nursery = nursery
        self._inbox = inbox

    def detach(self) -> None:
        self._nursery = None
        self._inbox = None

    # -- starting --------------------------------------------------------------------------

    async def start_in_order(self, children: Sequence[Child]) -> tuple[Child, BaseException] | None:
        """Start ``children`` one after another, each once the previous reported started.

        Returns None if all are RUNNING. On the first failure the children already started
        are stopped in reverse order, the later ones are never started, and the failed child
        with its start failure is returned.
        """
        for child in children:
            error = await self.start(child)
            if error is None:
                continue
            await self.stop_in_reverse(children)
            return child, error
        return None

    async def start(self, child: Child) -> BaseException | None:
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
        self._nursery.start_soon(
            run_child, run, self._inbox, name=f"{self._supervisor_id}/{child.id}"
        )
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
                self._supervisor_id,
                child.id,
                supervisor=self._supervisor_id,
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
            self._supervisor_id,
            child.id,
            describe_error(error),
            supervisor=self._supervisor_id,
            child=child.id,
            error=describe_error(error),
            exc=error,
        )
        return error

    # -- stopping --------------------------------------------------------------------------

    async def stop_in_reverse(self, children: Sequence[Child]) -> None:
        """Stop every child in reverse start order; RESTARTING ones simply stay down."""
        for child in reversed(children):
            if child.live_run() is not None:
                await self.stop(child)
            elif child.state is ChildState.RESTARTING:
                child.state = ChildState.STOPPED
                child.restart_at = None

    async def stop(self, child: Child) -> None:
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
                self._supervisor_id,
                child.id,
                f"soft stop, {spec.shutdown} s" if soft else "cancel",
                supervisor=self._supervisor_id,
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
            self._supervisor_id,
            child.id,
            "" if error is None else f" with {describe_error(error)}",
            supervisor=self._supervisor_id,
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
                self._supervisor_id,
                run.child.id,
                describe_error(error),
                supervisor=self._supervisor_id,
                child=run.child.id,
                error=describe_error(error),
                exc=error,
            )
            run.scope.cancel()
            return
        # The deadline makes the hard stop happen exactly `shutdown` s after the soft one.
        run.scope.deadline = min(run.scope.deadline, trio.current_time() + spec.shutdown)
