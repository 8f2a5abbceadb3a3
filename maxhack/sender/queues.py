"""The two lanes' queues: bounded priority queues with deferred (not-before) items.

A queue holds *ready* items in a heap ordered by their gate priority and *deferred* items
(re-queued with a not-before time, e.g. because their chat is at its rate limit) in a heap
ordered by that time; a deferred item moves back to the ready heap, with its original
priority, once its time has come. Every operation is O(log n); no task is created per item.

Priorities (compared as tuples, lower first; the same tuple is used at the rate gate):

* interactive: ``(0, seq)`` — FIFO;
* bulk: ``(1, due_second, fairness_rank, due_at, seq)`` — earliest due second first; inside
  one second, the n-th queued item of each fairness key (e.g. group) has rank n, so groups
  take turns; then the exact due time; then arrival.

The queues are plain objects owned by the sender, so they outlive restarts of its workers.
"""

from __future__ import annotations

import heapq
import itertools
import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import trio

from maxhack.runtime.stop_signal import StopSignal

from .calls import Lane, OutgoingCall
from .rate_limit import Priority

INTERACTIVE_CLASS = 0
BULK_CLASS = 1
DUE_BUCKET_S = 1.0
"""Bulk calls due within the same bucket are interleaved across fairness keys."""


@dataclass(eq=False)
class QueuedCall:
    """A call inside the sender. ``abandoned``: its submitter withdrew it before a worker
    started it (the worker drops it)."""

    call: OutgoingCall
    priority: Priority
    fairness_slot: tuple[object, int] | None = None
    requeues: int = 0
    abandoned: bool = False


@dataclass(order=True)
class _Entry:
    key: tuple[float, ...]
    item: QueuedCall = field(compare=False)


@dataclass(frozen=True)
class QueueStats:
    """One lane queue at one moment. ``queued`` counts ready and deferred items (the
    capacity applies to it); ``waiting_submitters`` are tasks blocked in ``put``."""

    capacity: int
    queued: int
    deferred: int
    peak: int
    waiting_submitters: int
    put_total: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class LaneQueue:
    """A bounded priority queue for one lane (see the module docstring).

    ``put`` waits while the queue holds ``capacity`` items (back-pressure); ``requeue`` is
    for items a worker already took and ignores the capacity, so a worker never blocks.
    ``get`` waits for a ready item or until ``stop`` is requested (then returns ``None``).

    Cancellation: a cancelled ``put`` queued nothing and a cancelled ``get`` took nothing.
    """

    lane: Lane = Lane.INTERACTIVE

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity!r}")
        self.capacity = capacity
        self._ready: list[_Entry] = []
        self._deferred: list[_Entry] = []
        self._seq = itertools.count()
        self._not_empty = trio.lowlevel.ParkingLot()
        self._not_full = trio.lowlevel.ParkingLot()
        self._peak = 0
        self._put_total = 0

    def __len__(self) -> int:
        return len(self._ready) + len(self._deferred)

    def stats(self) -> QueueStats:
        return QueueStats(
            capacity=self.capacity,
            queued=len(self),
            deferred=len(self._deferred),
            peak=self._peak,
            waiting_submitters=self._not_full.statistics().tasks_waiting,
            put_total=self._put_total,
        )

    async def put(self, call: OutgoingCall) -> QueuedCall:
        """Queue ``call``, waiting while the queue is full; returns its queue entry."""
        await trio.lowlevel.checkpoint_if_cancelled()
        scheduled = False
        while len(self) >= self.capacity:
            await self._not_full.park()
            scheduled = True
        item = self._push_new(call)
        if not scheduled:
            await trio.lowlevel.cancel_shielded_checkpoint()
        return item

    def put_nowait(self, call: OutgoingCall) -> QueuedCall:
        """Queue ``call`` or raise ``trio.WouldBlock`` if the queue is full."""
        if len(self) >= self.capacity:
            raise trio.WouldBlock
        return self._push_new(call)

    def requeue(self, item: QueuedCall, not_before: float) -> None:
        """Put a taken item back, ready again at trio time ``not_before``, with its original
        priority. Ignores the capacity."""
        heapq.heappush(self._deferred, _Entry((not_before, next(self._seq)), item))
        self._note_size()
        # A parked worker may be sleeping until a later deferred item: let it re-plan.
        self._not_empty.unpark()

    async def get(self, stop: StopSignal) -> QueuedCall | None:
        """The best ready item, waiting for one; ``None`` once ``stop`` is requested.

        A cancellation point, but it does not yield when an item is ready: the worker then
        reaches the rate gate in the same scheduling step, so workers taking items at the
        same instant queue at the gate in the order they took them (the caller yields there).
        """
        await trio.lowlevel.checkpoint_if_cancelled()
        while not stop.requested:
            item = self._pop_ready(trio.current_time())
            if item is not None:
                return item
            wake_at = self._deferred[0].key[0] if self._deferred else math.inf
            with trio.move_on_at(wake_at):
                await self._not_empty.park()
        return None

    def wake_all(self) -> None:
        """Wake every task blocked in ``get`` (so it can notice a stop request)."""
        self._not_empty.unpark_all()

    # --- lane-specific ordering ----------------------------------------------------------

    def _priority(self, call: OutgoingCall, seq: int) -> tuple[Priority, tuple[object, int] | None]:
        return (INTERACTIVE_CLASS, seq), None

    def _release_slot(self, item: QueuedCall) -> None:
        """Called once per item when it leaves the queue for good."""

    # --- plumbing --------------------------------------------------------------------------

    def _push_new(self, call: OutgoingCall) -> QueuedCall:
        priority, slot = self._priority(call, next(self._seq))
        item = QueuedCall(call=call, priority=priority, fairness_slot=slot)
        heapq.heappush(self._ready, _Entry(priority, item))
        self._put_total += 1
        self._note_size()
        self._not_empty.unpark()
        return item

    def _pop_ready(self, now: float) -> QueuedCall | None:
        while self._deferred and self._deferred[0].key[0] <= now:
            entry = heapq.heappop(self._deferred)
            heapq.heappush(self._ready, _Entry(entry.item.priority, entry.item))
        while self._ready:
            item = heapq.heappop(self._ready).item
            self._release_slot(item)
            self._not_full.unpark()
            if not item.abandoned:
                return item
        return None

    def _note_size(self) -> None:
        self._peak = max(self._peak, len(self))


class InteractiveQueue(LaneQueue):
    """FIFO (by arrival) among interactive calls."""

    lane = Lane.INTERACTIVE


class BulkQueue(LaneQueue):
    """Earliest due first, fair across fairness keys (see the module docstring)."""

    lane = Lane.BULK

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        # (fairness key, due second) → [last rank handed out, items still queued]; an entry
        # is dropped when its last item leaves, so memory follows the queue.
        self._ranks: dict[tuple[object, int], list[int]] = {}

    def _priority(self, call: OutgoingCall, seq: int) -> tuple[Priority, tuple[object, int] | None]:
        due_at = time.time() if call.due_at is None else call.due_at
        bucket = math.floor(due_at / DUE_BUCKET_S)
        slot = (call.fairness_key, bucket)
        counters = self._ranks.setdefault(slot, [0, 0])
        counters[0] += 1
        counters[1] += 1
        return (BULK_CLASS, bucket, counters[0], due_at, seq), slot

    def _release_slot(self, item: QueuedCall) -> None:
        slot = item.fairness_slot
        if slot is None:
            return
        item.fairness_slot = None
        counters = self._ranks[slot]
        counters[1] -= 1
        if counters[1] == 0:
            del self._ranks[slot]

    @property
    def fairness_slots(self) -> int:
        """(fairness key, due second) pairs with queued items."""
        return len(self._ranks)


__all__ = [
    "BULK_CLASS",
    "DUE_BUCKET_S",
    "INTERACTIVE_CLASS",
    "BulkQueue",
    "InteractiveQueue",
    "LaneQueue",
    "QueueStats",
    "QueuedCall",
]
