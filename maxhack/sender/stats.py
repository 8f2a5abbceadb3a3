"""Statistics of the sender, for /health and /metrics."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class LaneCounters:
    """Mutable per-lane counters kept by the sender (totals since it was created)."""

    in_flight: int = 0
    sent: int = 0
    failed: int = 0
    denied: int = 0
    requeued: int = 0
    chat_deferred: int = 0


@dataclass(frozen=True)
class LaneStats:
    """One lane at one moment.

    ``queued`` counts calls waiting in the lane (``deferred`` of them wait for a not-before
    time), ``in_flight`` the calls a worker is running. Totals: ``sent`` succeeded,
    ``failed`` ended with an error (``denied`` of them with 403 ``chat.denied``),
    ``requeued`` were put back after a 429, ``chat_deferred`` waited for their chat's limit.
    """

    lane: str
    capacity: int
    queued: int
    deferred: int
    peak: int
    waiting_submitters: int
    submitted: int
    in_flight: int
    sent: int
    failed: int
    denied: int
    requeued: int
    chat_deferred: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SenderStats:
    """The sender at one moment. ``grants_last_s`` counts HTTP attempts let through the rate
    gate during the last second; ``utilisation`` is that over ``rate_per_s`` (0 when the
    rate is unlimited). ``gate_waiting`` are attempts blocked at the gate right now."""

    running: bool
    rate_per_s: float
    chat_rate_per_s: float
    grants_last_s: int
    utilisation: float
    gate_waiting: int
    gate_granted_total: int
    tracked_chats: int
    interactive: LaneStats
    bulk: LaneStats

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


__all__ = ["LaneCounters", "LaneStats", "SenderStats"]
