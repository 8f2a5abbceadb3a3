"""Exceptions raised by :mod:`supervisors`.

Hierarchy (everything the package raises on purpose derives from :class:`SupervisorError`)::

    SupervisorError
    ├── SupervisorGaveUp        run(): restart intensity exceeded; carries the last causes
    ├── ChildStartError         run()'s start-up or start_child(): a child failed to start
    ├── ChildReturned           not raised: the cause recorded when a PERMANENT child returns
    ├── DuplicateChildError     start_child(): the id is taken (also a ValueError)
    ├── TooManyChildrenError    start_child(): max_children reached
    ├── UnknownChildError       terminate_child(): no such child (also a LookupError)
    └── NotRunningError         start_child()/terminate_child() while run() is not active
                                (also a RuntimeError)

Supervisors always raise these as plain exceptions, never wrapped in an ExceptionGroup, so
callers can write ``except SupervisorGaveUp``.
"""

from __future__ import annotations


class SupervisorError(Exception):
    """Base class of the errors raised by supervisors."""


class SupervisorGaveUp(SupervisorError):
    """A supervisor exceeded its restart intensity, stopped all its children and gave up.

    ``causes`` are the failures counted in the intensity window, most recent last (the last
    one is the failure that tipped it over). A parent supervisor treats this exception as the
    failure of the child supervisor and applies its own strategy (escalation).
    """

    def __init__(self, supervisor_id: str, causes: tuple[BaseException, ...]) -> None:
        self.supervisor_id = supervisor_id
        self.causes = causes
        last = f"; last cause: {describe_error(causes[-1])}" if causes else ""
        super().__init__(f"supervisor {supervisor_id!r} gave up after {len(causes)} failures{last}")


class ChildStartError(SupervisorError):
    """A child raised, returned, or timed out (``trio.TooSlowError``) before reporting started."""

    def __init__(self, supervisor_id: str, child_id: str, cause: BaseException) -> None:
        self.supervisor_id = supervisor_id
        self.child_id = child_id
        self.cause = cause
        super().__init__(
            f"supervisor {supervisor_id!r}: child {child_id!r} failed to start: "
            f"{describe_error(cause)}"
        )


class ChildReturned(SupervisorError):
    """Recorded as the cause when a PERMANENT child returns normally and is restarted."""

    def __init__(self, supervisor_id: str, child_id: str) -> None:
        self.supervisor_id = supervisor_id
        self.child_id = child_id
        super().__init__(f"supervisor {supervisor_id!r}: permanent child {child_id!r} returned")


class DuplicateChildError(SupervisorError, ValueError):
    """start_child() was given an id that a current child already has."""


class TooManyChildrenError(SupervisorError):
    """start_child() would exceed the supervisor's ``max_children``."""


class UnknownChildError(SupervisorError, LookupError):
    """terminate_child() was given an id that no current child has."""


class NotRunningError(SupervisorError, RuntimeError):
    """The supervisor's run() is not active (not started yet, stopping, or finished)."""


def describe_error(error: BaseException) -> str:
    """One-line ``Type: message`` text used in logs and snapshots."""
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
