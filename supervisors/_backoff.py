"""Per-child restart backoff: exponential delays with jitter, reset after stable running.

Delays for the n-th consecutive failure (n = 0, 1, ...), with
``ceiling(n) = min(maximum, initial * factor**n)``:

* ``jitter="none"``: exactly ``ceiling(n)``.
* ``jitter="full"``: uniform in ``[0, ceiling(n)]`` (AWS "full jitter").
* ``jitter="decorrelated"``: uniform in ``[initial, previous * factor]``, capped at
  ``maximum``; ``previous`` starts at ``initial`` (AWS "decorrelated jitter", with ``factor``
  in place of the usual 3).

A child that ran at least ``reset_after`` seconds before failing starts again at n = 0.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Final, Literal

from supervisors._validate import real

JITTER_MODES = ("full", "decorrelated", "none")
Jitter = Literal["full", "decorrelated", "none"]


@dataclass(frozen=True)
class Backoff:
    """Restart delay policy of one child (seconds). See the module docstring for the formulas.

    ``initial=0`` gives immediate restarts (plain OTP behaviour).
    """

    initial: float = 0.5
    maximum: float = 30.0
    factor: float = 2.0
    jitter: Jitter = "full"
    reset_after: float = 30.0

    def __post_init__(self) -> None:
        initial = real("Backoff", "initial", self.initial)
        maximum = real("Backoff", "maximum", self.maximum)
        factor = real("Backoff", "factor", self.factor)
        reset_after = real("Backoff", "reset_after", self.reset_after)
        if not 0 <= initial < math.inf:
            raise ValueError(f"Backoff.initial must be finite and >= 0, got {initial!r}")
        if not initial <= maximum < math.inf:
            raise ValueError(
                f"Backoff.maximum must be finite and >= initial ({initial!r}), got {maximum!r}"
            )
        if not 1 <= factor < math.inf:
            raise ValueError(f"Backoff.factor must be finite and >= 1, got {factor!r}")
        if self.jitter not in JITTER_MODES:
            raise ValueError(f"Backoff.jitter must be one of {JITTER_MODES}, got {self.jitter!r}")
        if not reset_after > 0:
            raise ValueError(f"Backoff.reset_after must be > 0, got {reset_after!r}")


DEFAULT_BACKOFF: Final = Backoff()


class BackoffState:
    """The mutable side of a :class:`Backoff`: where one child is in its delay sequence."""

    def __init__(self, policy: Backoff, rng: random.Random) -> None:
        self._policy = policy
        self._rng = rng
        self._ceiling = policy.initial
        self._previous = policy.initial
        self.failures = 0

    def reset(self) -> None:
        """Forget earlier failures: the next delay is drawn as for the first failure."""
        self._ceiling = self._policy.initial
        self._previous = self._policy.initial
        self.failures = 0

    def next_delay(self, ran_for: float | None) -> float:
        """Delay before restarting after a failure of an incarnation that ran ``ran_for`` s.

        ``ran_for`` is None when the incarnation never reported started.
        """
        policy = self._policy
        if ran_for is not None and ran_for >= policy.reset_after:
            self.reset()
        if policy.jitter == "none":
            delay = self._ceiling
        elif policy.jitter == "full":
            delay = self._rng.uniform(0.0, self._ceiling)
        else:
            delay = min(
                policy.maximum, self._rng.uniform(policy.initial, self._previous * policy.factor)
            )
            self._previous = delay
        # Grow the ceiling step by step rather than factor**n so it never overflows.
        self._ceiling = min(policy.maximum, self._ceiling * policy.factor)
        self.failures += 1
        return delay
