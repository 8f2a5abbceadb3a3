"""When to hand each queued reminder to the sender so a burst lands on time.

With a send rate r, item i (sorted by due time) must start by s_i = min(due_i, s_{i+1} - 1/r)
— computed backwards from the last one — and everything already queued in the sender goes
first. A reminder with an offset > 0 is released at max(s_i, due_i - spread): early only as
much as the backlog needs and never more than `spread`. An offset-0 reminder ("starts now")
is never early: it is released at its due time.
"""

from __future__ import annotations

from collections.abc import Sequence


def latest_starts(dues: Sequence[float], rate_per_s: float, queued_ahead: int = 0) -> list[float]:
    """Latest start times meeting every due time at `rate_per_s` (dues ascending)."""
    step = 1.0 / rate_per_s
    starts = [0.0] * len(dues)
    following = float("inf")
    for index in range(len(dues) - 1, -1, -1):
        following = min(dues[index], following - step)
        starts[index] = following
    shift = queued_ahead * step
    return [start - shift for start in starts]


def release_times(
    dues: Sequence[float],
    early_allowed: Sequence[bool],
    *,
    rate_per_s: float,
    spread_s: float,
    queued_ahead: int = 0,
) -> list[float]:
    starts = latest_starts(dues, rate_per_s, queued_ahead)
    return [
        max(start, due - spread_s) if early else due
        for due, start, early in zip(dues, starts, early_allowed, strict=True)
    ]
