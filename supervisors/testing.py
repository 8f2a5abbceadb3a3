"""Test kit for code supervised by :mod:`supervisors` (and for the package's own tests).

Children with scripted behaviour, built as ready :class:`~supervisors.ChildSpec` objects:

* :func:`steady_child` runs until its soft stop;
* :func:`crashing_child` crashes after N steps (on every start, or only the first ``times``);
* :func:`exiting_child` returns normally after N steps;
* :func:`hanging_child` ignores its soft stop: only cancellation ends it;
* :func:`failing_start_child` raises before ``task_status.started()`` or never calls it.

Each records what happens to it in a :class:`Recorder` (with ``trio.current_time()``), whose
:meth:`Recorder.wait_for` lets a test wait for an event instead of sleeping. Run the tests on
trio's virtual clock (pytest-trio's ``autojump_clock`` fixture, or :func:`run_virtual`) and
every time in the recorder is exact.

:func:`running` starts a supervisor for the body of an ``async with`` and stops it after.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeVar

import trio
import trio.testing

from supervisors._backoff import Backoff
from supervisors._errors import ChildStartError, SupervisorGaveUp
from supervisors._spec import ChildSpec
from supervisors._supervisor import Supervisor

__all__ = [
    "CANCELLED",
    "CRASH",
    "EXIT",
    "NO_BACKOFF",
    "START",
    "STARTED",
    "STOP",
    "ChildCrash",
    "RecordedEvent",
    "Recorder",
    "ScriptedChild",
    "crashing_child",
    "exiting_child",
    "failing_start_child",
    "hanging_child",
    "run_virtual",
    "running",
    "steady_child",
    "wait_for",
]

T = TypeVar("T")

START: Final = "start"  # the start function was called (a new incarnation)
STARTED: Final = "started"  # it called task_status.started()
STOP: Final = "stop"  # its soft-stop hook was called
EXIT: Final = "exit"  # it returned normally
CRASH: Final = "crash"  # it raised
CANCELLED: Final = "cancelled"  # it ended by cancellation

NO_BACKOFF: Final = Backoff(initial=0.0, maximum=0.0, jitter="none")
"""Restart at once (OTP behaviour); handy to count restarts exactly."""

DEFAULT_STEP_S: Final = 1.0
DEFAULT_WAIT_TIMEOUT_S: Final = 3600.0
DEFAULT_POLL_S: Final = 0.01


class ChildCrash(Exception):
    """Raised by the scripted children when they crash or fail to start."""


@dataclass(frozen=True)
class RecordedEvent:
    """``kind`` (one of the module constants) happened to ``child`` at trio time ``time``."""

    kind: str
    child: str
    time: float


class Recorder:
    """Ordered log of what happened to scripted children, shared by any number of them."""

    def __init__(self) -> None:
        self.events: list[RecordedEvent] = []
        self._changed = trio.Event()

    def record(self, kind: str, child: str) -> None:
        """Append an event (stamped with ``trio.current_time()``) and wake waiters."""
        self.events.append(RecordedEvent(kind, child, trio.current_time()))
        self._changed.set()
        self._changed = trio.Event()

    def matching(self, kind: str | None = None, child: str | None = None) -> list[RecordedEvent]:
        """Events of that kind and/or child, in order."""
        return [
            event
            for event in self.events
            if (kind is None or event.kind == kind) and (child is None or event.child == child)
        ]

    def ids(self, kind: str) -> list[str]:
        """Child ids of the events of ``kind``, in order (e.g. the start order)."""
        return [event.child for event in self.matching(kind)]

    def count(self, kind: str, child: str | None = None) -> int:
        return len(self.matching(kind, child))

    def times(self, kind: str, child: str | None = None) -> list[float]:
        return [event.time for event in self.matching(kind, child)]

    def clear(self) -> None:
        self.events.clear()

    async def wait_for(
        self, kind: str, child: str | None = None, *, count: int = 1
    ) -> RecordedEvent:
        """Wait until at least ``count`` matching events were recorded; return the
        ``count``-th. No polling: it wakes on each new event."""
        while True:
            matches = self.matching(kind, child)
            if len(matches) >= count:
                return matches[count - 1]
            await self._changed.wait()


class ScriptedChild:
    """The start function and soft-stop hook of one scripted child, shared by its
    incarnations. ``starts`` counts incarnations. Build it through the factory functions."""

    def __init__(
        self,
        id: str,
        *,
        recorder: Recorder | None = None,
        step_s: float = DEFAULT_STEP_S,
        crash_after: int | None = None,
        crash_times: int | None = None,
        exit_after: int | None = None,
        hang_on_stop: bool = False,
        start_failure: Literal["raise", "never_started"] | None = None,
        start_delay_s: float = 0.0,
    ) -> None:
        self.id = id
        self.recorder = recorder if recorder is not None else Recorder()
        self.starts = 0
        self._step_s = step_s
        self._crash_after = crash_after
        self._crash_times = crash_times
        self._exit_after = exit_after
        self._hang_on_stop = hang_on_stop
        self._start_failure = start_failure
        self._start_delay_s = start_delay_s
        self._stop_event: trio.Event | None = None

    def spec(self, **spec_options: Any) -> ChildSpec:
        """A ChildSpec running this child (``start``/``stop`` filled in)."""
        return ChildSpec(id=self.id, start=self.start, stop=self.stop, **spec_options)

    def stop(self) -> None:
        """Soft-stop hook: ends the current incarnation unless it hangs on stop."""
        self.recorder.record(STOP, self.id)
        if self._stop_event is not None and not self._hang_on_stop:
            self._stop_event.set()

    async def start(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        self.starts += 1
        incarnation = self.starts
        stop_event = self._stop_event = trio.Event()
        self.recorder.record(START, self.id)
        try:
            if self._start_delay_s:
                await trio.sleep(self._start_delay_s)
            if self._start_failure == "raise":
                self.recorder.record(CRASH, self.id)
                raise ChildCrash(f"{self.id} failed to start")
            if self._start_failure == "never_started":
                await trio.sleep_forever()
            task_status.started()
            self.recorder.record(STARTED, self.id)
            crashes = self._crash_after is not None and (
                self._crash_times is None or incarnation <= self._crash_times
            )
            steps = self._crash_after if crashes else self._exit_after
            if steps is None:
                await self._wait_stopped(stop_event, math.inf)
            else:
                for _ in range(steps):
                    if await self._wait_stopped(stop_event, self._step_s):
                        break
                else:
                    if crashes:
                        self.recorder.record(CRASH, self.id)
                        raise ChildCrash(f"{self.id} crashed (incarnation {incarnation})")
            self.recorder.record(EXIT, self.id)
        except trio.Cancelled:
            self.recorder.record(CANCELLED, self.id)
            raise

    async def _wait_stopped(self, stop_event: trio.Event, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` for the soft stop; True if it came."""
        with trio.move_on_after(timeout_s):
            if self._hang_on_stop:
                await trio.sleep_forever()
            await stop_event.wait()
        return stop_event.is_set()


def steady_child(
    id: str,
    *,
    recorder: Recorder | None = None,
    start_delay_s: float = 0.0,
    **spec_options: Any,
) -> ChildSpec:
    """A child that starts (after ``start_delay_s``) and runs until its soft stop."""
    child = ScriptedChild(id, recorder=recorder, start_delay_s=start_delay_s)
    return child.spec(**spec_options)


def crashing_child(
    id: str,
    *,
    after_steps: int = 0,
    step_s: float = DEFAULT_STEP_S,
    times: int | None = None,
    recorder: Recorder | None = None,
    **spec_options: Any,
) -> ChildSpec:
    """A child that raises :class:`ChildCrash` ``after_steps * step_s`` seconds after it
    started (0: right after reporting started). With ``times`` it crashes only in its first
    ``times`` incarnations and then runs steadily."""
    child = ScriptedChild(
        id, recorder=recorder, step_s=step_s, crash_after=after_steps, crash_times=times
    )
    return child.spec(**spec_options)


def exiting_child(
    id: str,
    *,
    after_steps: int = 0,
    step_s: float = DEFAULT_STEP_S,
    recorder: Recorder | None = None,
    **spec_options: Any,
) -> ChildSpec:
    """A child that returns normally ``after_steps * step_s`` seconds after it started."""
    child = ScriptedChild(id, recorder=recorder, step_s=step_s, exit_after=after_steps)
    return child.spec(**spec_options)


def hanging_child(id: str, *, recorder: Recorder | None = None, **spec_options: Any) -> ChildSpec:
    """A child whose stop hook is called (and recorded) but ignored: only the cancellation
    after its ``shutdown`` grace period ends it."""
    child = ScriptedChild(id, recorder=recorder, hang_on_stop=True)
    return child.spec(**spec_options)


def failing_start_child(
    id: str,
    *,
    mode: Literal["raise", "never_started"] = "raise",
    start_delay_s: float = 0.0,
    recorder: Recorder | None = None,
    **spec_options: Any,
) -> ChildSpec:
    """A child that fails to start: raises :class:`ChildCrash` (after ``start_delay_s``)
    before ``task_status.started()``, or never calls it (so its start timeout fires)."""
    child = ScriptedChild(id, recorder=recorder, start_failure=mode, start_delay_s=start_delay_s)
    return child.spec(**spec_options)


async def wait_for(
    predicate: Callable[[], bool],
    *,
    timeout_s: float = DEFAULT_WAIT_TIMEOUT_S,
    poll_s: float = DEFAULT_POLL_S,
) -> None:
    """Wait until ``predicate()`` is true, checking every ``poll_s`` (virtual) seconds;
    ``trio.TooSlowError`` after ``timeout_s``. Prefer :meth:`Recorder.wait_for` when an
    event marks the moment exactly."""
    with trio.fail_after(timeout_s):
        # Polling is the point: the predicate has no event to wait on.
        while not predicate():  # noqa: ASYNC110
            await trio.sleep(poll_s)


def run_virtual(async_fn: Callable[..., Awaitable[T]], *args: object) -> T:
    """``trio.run`` on an auto-jumping virtual clock (for sync tests, e.g. with hypothesis)."""
    clock = trio.testing.MockClock(autojump_threshold=0)
    return trio.run(async_fn, *args, clock=clock)


@asynccontextmanager
async def running(supervisor: Supervisor) -> AsyncIterator[Supervisor]:
    """Run ``supervisor`` for the body of the ``async with``; stop it and wait for its
    shutdown on exit.

    Raises ChildStartError from ``__aenter__`` if start-up fails. If the supervisor gives up
    while the body runs, the body is cancelled and SupervisorGaveUp is raised plain.
    """
    gave_up: list[SupervisorGaveUp] = []

    async def supervise(task_status: trio.TaskStatus[None]) -> None:
        try:
            await supervisor.run(task_status=task_status)
        except SupervisorGaveUp as error:
            gave_up.append(error)
            nursery.cancel_scope.cancel()

    start_error: ChildStartError | None = None
    try:
        async with trio.open_nursery() as nursery:
            try:
                await nursery.start(supervise)
            except ChildStartError as error:
                start_error = error
            else:
                try:
                    yield supervisor
                finally:
                    supervisor.stop()
    except BaseExceptionGroup as group:
        raise _single(group) from None
    if start_error is not None:
        raise start_error
    if gave_up:
        raise gave_up[0]


def _single(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The only leaf of a nursery's group (the body's error), else the group itself."""
    leaves: Sequence[BaseException] = group.exceptions
    if len(leaves) == 1 and not isinstance(leaves[0], BaseExceptionGroup):
        return leaves[0]
    return group
