"""Coalescing concurrent identical reads into one bridge crossing (trio side).

:class:`Coalescer` runs at most one load per key at a time. Callers that arrive while a load
for their key is running do not join it (its snapshot may predate their request, and a write
they already saw); they queue for the *next* load, which starts as soon as the running one
ends and serves every caller queued for it. So every caller gets a result read after it
arrived — linearizable reads — while N concurrent callers cost at most two loads per key.

Cancellation: a caller cancelled while waiting just stops waiting. If the caller leading a load
is cancelled, the load is cancelled too (it crosses the bridge in that caller's task); the
callers queued on it then retry, and one of them leads a fresh load. An exception raised by a
load is re-raised in every caller it served.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import outcome
import trio

__all__ = ["Coalescer", "CoalescerStats"]

T = TypeVar("T")


@dataclass
class _Flight:
    done: trio.Event = field(default_factory=trio.Event)
    # Set before `done`: the outcome to share, or None when the leader was cancelled (retry).
    result: outcome.Outcome[Any] | None = None

    def share(self) -> Any:
        """The shared result for one more caller (an outcome unwraps only once)."""
        assert self.result is not None
        if isinstance(self.result, outcome.Error):
            raise self.result.error
        assert isinstance(self.result, outcome.Value)
        return self.result.value


@dataclass
class _Slot:
    running: _Flight | None = None
    queued: _Flight | None = None


@dataclass
class CoalescerStats:
    """Counters since creation: calls made and loads actually run."""

    calls: int = 0
    loads: int = 0


class Coalescer(Generic[T]):
    """Per-key single-flight with "next flight" semantics (module docstring)."""

    def __init__(self) -> None:
        self._slots: dict[Hashable, _Slot] = {}
        self.stats = CoalescerStats()

    def __len__(self) -> int:
        """Keys with a load running or queued."""
        return len(self._slots)

    async def get(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        """Return ``await load()``, sharing one call among concurrent callers of ``key``."""
        self.stats.calls += 1
        while True:
            slot = self._slots.setdefault(key, _Slot())
            if slot.running is None:
                flight = slot.running = _Flight()
                return await self._lead(key, slot, flight, load, wait_for=None)
            if slot.queued is None:
                flight = slot.queued = _Flight()
                return await self._lead(key, slot, flight, load, wait_for=slot.running)
            flight = slot.queued
            await flight.done.wait()
            if flight.result is not None:
                return flight.share()  # type: ignore[no-any-return]

    async def _lead(
        self,
        key: Hashable,
        slot: _Slot,
        flight: _Flight,
        load: Callable[[], Awaitable[T]],
        *,
        wait_for: _Flight | None,
    ) -> T:
        result: outcome.Outcome[T] | None = None
        try:
            if wait_for is not None:
                # The running load promotes this flight to running when it finishes.
                await wait_for.done.wait()
            self.stats.loads += 1
            result = await outcome.acapture(load)
            cancelled = isinstance(result, outcome.Error) and isinstance(
                result.error, trio.Cancelled
            )
            # A cancellation belongs to this caller alone: followers retry instead.
            flight.result = None if cancelled else result
        finally:
            self._finish(key, slot, flight)
        return result.unwrap()

    def _finish(self, key: Hashable, slot: _Slot, flight: _Flight) -> None:
        if slot.running is flight:
            slot.running = slot.queued
            slot.queued = None
        elif slot.queued is flight:  # abandoned before it started
            slot.queued = None
        flight.done.set()
        if slot.running is None and slot.queued is None:
            self._slots.pop(key, None)
