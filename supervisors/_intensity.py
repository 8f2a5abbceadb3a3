"""Restart intensity: at most ``max_restarts`` restarts in any sliding ``period`` seconds."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Final

from supervisors._validate import integer, real

DEFAULT_MAX_RESTARTS = 3
DEFAULT_PERIOD_S = 5.0


@dataclass(frozen=True)
class Intensity:
    """A supervisor tolerates ``max_restarts`` restarts within any ``period`` seconds.

    The failure that would be restart number ``max_restarts + 1`` inside the window makes the
    supervisor give up instead (``max_restarts=0``: the first failure gives up). A restart
    exactly ``period`` seconds old no longer counts. Defaults: 3 restarts in 5 s (as OTP's
    intensity 1 in 5 s, but tolerating a small burst).
    """

    max_restarts: int = DEFAULT_MAX_RESTARTS
    period: float = DEFAULT_PERIOD_S

    def __post_init__(self) -> None:
        if integer("Intensity", "max_restarts", self.max_restarts) < 0:
            raise ValueError(f"Intensity.max_restarts must be >= 0, got {self.max_restarts!r}")
        period = real("Intensity", "period", self.period)
        if not 0 < period < math.inf:
            raise ValueError(f"Intensity.period must be finite and > 0, got {period!r}")


DEFAULT_INTENSITY: Final = Intensity()


class RestartWindow:
    """Timestamps (and causes) of the restarts inside the current window; memory is bounded
    by ``max_restarts`` entries."""

    def __init__(self, intensity: Intensity) -> None:
        self._intensity = intensity
        self._entries: deque[tuple[float, BaseException]] = deque()

    def _prune(self, now: float) -> None:
        while self._entries and now - self._entries[0][0] >= self._intensity.period:
            self._entries.popleft()

    def try_add(self, now: float, cause: BaseException) -> tuple[BaseException, ...] | None:
        """Count a restart at ``now``.

        Returns None if the restart is allowed, else the causes in the window plus ``cause``
        (most recent last) and leaves the window unchanged.
        """
        self._prune(now)
        if len(self._entries) >= self._intensity.max_restarts:
            return (*(entry[1] for entry in self._entries), cause)
        self._entries.append((now, cause))
        return None

    def count(self, now: float | None) -> int:
        """Restarts inside the window ending at ``now`` (all retained ones if ``now`` is None)."""
        if now is not None:
            self._prune(now)
        return len(self._entries)
