"""OTP-style supervision trees for trio.

A :class:`Supervisor` starts its children (:class:`ChildSpec`) in order, restarts them when
they end according to their :class:`Restart` type and its :class:`Strategy`, with per-child
exponential :class:`Backoff`, gives up (:class:`SupervisorGaveUp`) when restarts exceed its
:class:`Intensity`, and stops them in reverse order. Supervisors nest
(``Supervisor.as_child``): a child supervisor that gives up is a failed child of its parent.
:class:`Mailbox` is a bounded inbox that survives restarts; ``Supervisor.tree()`` gives
JSON-ready snapshots. ``supervisors.testing`` has test children and virtual-clock helpers.

Tuning: ``Intensity.max_restarts`` sets the burst of failures tolerated, ``period`` the
sustained failure rate (at most ``max_restarts / period`` restarts per second for ever).
Nested supervisors multiply restarts: a worker under a supervisor allowed 3 restarts, itself
under a parent allowed 3 restarts, is started (3 + 1) * (3 + 1) = 16 times in a burst before
the top gives up, so keep the top level strict.
Backoff stretches the time between restarts, so a low intensity with a long backoff can
never trip: size ``period`` against the backoff delays. See supervisors/README.md.
"""

from supervisors._backoff import Backoff
from supervisors._errors import (
    ChildReturned,
    ChildStartError,
    DuplicateChildError,
    NotRunningError,
    SupervisorError,
    SupervisorGaveUp,
    TooManyChildrenError,
    UnknownChildError,
)
from supervisors._intensity import Intensity
from supervisors._logging import LogAction
from supervisors._mailbox import Mailbox, MailboxStats
from supervisors._snapshot import ChildSnapshot, ChildState, SupervisorSnapshot, SupervisorState
from supervisors._spec import BRUTAL, ChildKind, ChildSpec, Restart, Strategy
from supervisors._supervisor import Supervisor

__all__ = [
    "BRUTAL",
    "Backoff",
    "ChildKind",
    "ChildReturned",
    "ChildSnapshot",
    "ChildSpec",
    "ChildStartError",
    "ChildState",
    "DuplicateChildError",
    "Intensity",
    "LogAction",
    "Mailbox",
    "MailboxStats",
    "NotRunningError",
    "Restart",
    "Strategy",
    "Supervisor",
    "SupervisorError",
    "SupervisorGaveUp",
    "SupervisorSnapshot",
    "SupervisorState",
    "TooManyChildrenError",
    "UnknownChildError",
]
