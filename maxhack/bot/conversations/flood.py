"""Per-user flood control: a burst passes, a faster stream is slowed, a flood is refused.

GCRA (the virtual-scheduling form of a token bucket): each user has a theoretical arrival
time; an update may run at ``max(now, tat - burst_window)``. If that is now, it runs at once.
Otherwise the handler waits until then — the dispatcher keeps one chat's updates in order,
so the user's later updates queue behind it — unless the update would then have waited more
than ``max_wait_s`` in all (its age in the queue plus the wait): such an update is refused,
and the caller tells the user «слишком часто» instead of dropping it silently. An update of a
user within their allowance is never refused, however old (a backlog after downtime is not a
flood). Refused updates do not consume capacity. Memory is bounded by pruning users whose
allowance has fully recovered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import trio

DEFAULT_RATE_PER_S: Final = 3.0
DEFAULT_BURST: Final = 10
DEFAULT_MAX_WAIT_S: Final = 2.0
PRUNE_EVERY: Final = 1000


class FloodControl:
    def __init__(
        self,
        rate_per_s: float = DEFAULT_RATE_PER_S,
        burst: int = DEFAULT_BURST,
        max_wait_s: float = DEFAULT_MAX_WAIT_S,
        clock: Callable[[], float] = trio.current_time,
    ) -> None:
        self.interval = 1.0 / rate_per_s
        self.window = (burst - 1) * self.interval  # `burst` updates pass back to back
        self.max_wait_s = max_wait_s
        self._clock = clock
        self._tat: dict[int, float] = {}
        self._since_prune = 0
        self.delayed = 0
        self.refused = 0

    def reserve(self, key: int, age_s: float = 0.0) -> float | None:
        """Seconds to wait before handling (0.0: at once), or ``None``: refuse it.
        ``age_s``: how long the update has already been waiting (since MAX got it)."""
        now = self._clock()
        tat = max(self._tat.get(key, now), now)
        wait = max(0.0, tat - self.window - now)
        if wait > 0 and max(age_s, 0.0) + wait > self.max_wait_s:
            self.refused += 1
            return None
        self._tat[key] = tat + self.interval
        if wait:
            self.delayed += 1
        self._maybe_prune(now)
        return wait

    async def admit(self, key: int, age_s: float = 0.0) -> bool:
        """Wait for the user's turn; ``False`` if the update must be refused."""
        wait = self.reserve(key, age_s)
        if wait is None:
            return False
        if wait:
            await trio.sleep(wait)
        return True

    def _maybe_prune(self, now: float) -> None:
        self._since_prune += 1
        if self._since_prune < PRUNE_EVERY:
            return
        self._since_prune = 0
        self._tat = {key: tat for key, tat in self._tat.items() if tat > now}
