"""What the reminder engine reports: counters, the timer wheel's horizon, delivery lag.

Lag = when the MAX request started − when the reminder was due (negative = early), kept for
the last LAG_WINDOW_S seconds; /health and /metrics read the percentiles.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

LAG_WINDOW_S = 60.0
LAG_SAMPLES_MAX = 100_000


def percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


@dataclass
class ReminderStats:
    sent: int = 0
    failed: int = 0
    missed: int = 0
    triggers_fired: int = 0
    triggers_in_horizon: int = 0
    next_fire_at: float | None = None
    last_refill_s: float | None = None
    waiting_release: int = 0
    _lags: deque[tuple[float, float]] = field(default_factory=lambda: deque(maxlen=LAG_SAMPLES_MAX))

    def record_sent(self, due_at: float, started_at: float) -> None:
        self.sent += 1
        self._lags.append((started_at, started_at - due_at))

    def lag_percentiles(self, now: float | None = None) -> tuple[float | None, float | None]:
        cutoff = (now or time.time()) - LAG_WINDOW_S
        while self._lags and self._lags[0][0] < cutoff:
            self._lags.popleft()
        values = sorted(lag for _, lag in self._lags)
        return percentile(values, 0.50), percentile(values, 0.99)

    def to_dict(self) -> dict[str, Any]:
        p50, p99 = self.lag_percentiles()
        return {
            "sent": self.sent,
            "failed": self.failed,
            "missed": self.missed,
            "triggersFired": self.triggers_fired,
            "triggersInHorizon": self.triggers_in_horizon,
            "nextFireAt": self.next_fire_at,
            "lastRefillSeconds": self.last_refill_s,
            "waitingRelease": self.waiting_release,
            "lagP50Ms": None if p50 is None else round(p50 * 1000, 1),
            "lagP99Ms": None if p99 is None else round(p99 * 1000, 1),
        }
