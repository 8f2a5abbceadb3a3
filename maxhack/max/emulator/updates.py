"""The emulator's update log and long-poll semantics (reference §3.1).

Every published update gets the next number of one global, strictly increasing sequence
(starting at 1). The *commit position* is the lowest number not yet acknowledged; updates
below it are gone for good.

``poll(marker=N)`` first commits everything below ``N`` (a marker beyond the newest update
is clamped to "everything so far", so a marker remembered from an earlier emulator run does
not swallow future updates), then returns up to ``limit`` updates numbered ``≥ N`` whose
type is in ``types``, waiting up to ``timeout`` seconds for the first one. The returned
marker is (last returned number + 1), or the unchanged position when nothing came.
Without ``marker`` nothing is committed and the read starts at the commit position
(S33 reading) or at the newest update (S32 reading, ``last_only``).

Waiting is cancellable at any point and has no side effects beyond the commit, which
happens before the wait.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection
from typing import Literal

import trio

from .records import JsonDict


class UpdateLog:
    """Numbered updates waiting to be consumed by long polling or the webhook."""

    def __init__(
        self,
        *,
        without_marker: Literal["since_commit", "last_only"] = "since_commit",
        null_marker_when_empty: bool = False,
    ) -> None:
        self._items: deque[tuple[int, JsonDict]] = deque()
        self._next_seq = 1
        self._committed = 1
        self._changed = trio.Event()
        self._progress = trio.Event()  # set on every commit and poll start/end
        self._held_polls = 0
        self._without_marker = without_marker
        self._null_marker_when_empty = null_marker_when_empty

    @property
    def next_seq(self) -> int:
        """The number the next published update will get."""
        return self._next_seq

    @property
    def committed(self) -> int:
        """The commit position: every update numbered below it is acknowledged."""
        return self._committed

    @property
    def held_polls(self) -> int:
        """How many long polls are currently held open waiting for an update."""
        return self._held_polls

    async def wait_for_held_polls(self, count: int = 1) -> None:
        """Return once at least ``count`` long polls are held open (test synchronisation)."""
        while self._held_polls < count:
            await self._progress.wait()

    async def wait_committed(self, position: int | None = None) -> None:
        """Return once everything below ``position`` (default: every update published so
        far) is committed — by a poll's marker or by webhook delivery."""
        target = self._next_seq if position is None else position
        while self._committed < target:
            await self._progress.wait()

    def _signal_progress(self) -> None:
        self._progress.set()
        self._progress = trio.Event()

    def pending(self) -> list[tuple[int, JsonDict]]:
        """Uncommitted updates, oldest first."""
        return list(self._items)

    def publish(self, update: JsonDict) -> int:
        """Append ``update``; wakes every waiting poll. Returns its number."""
        seq = self._next_seq
        self._next_seq += 1
        self._items.append((seq, update))
        self._changed.set()
        self._changed = trio.Event()
        return seq

    def commit(self, position: int) -> None:
        """Acknowledge every update numbered below ``position`` (clamped to the newest)."""
        position = min(position, self._next_seq)
        if position <= self._committed:
            return
        self._committed = position
        while self._items and self._items[0][0] < position:
            self._items.popleft()
        self._signal_progress()

    async def poll(
        self,
        *,
        marker: int | None,
        limit: int,
        timeout_s: float,
        types: Collection[str] | None,
    ) -> tuple[list[JsonDict], int | None]:
        """Long poll as described in the module docstring."""
        if marker is not None:
            self.commit(marker)
            start = self._committed
        elif self._without_marker == "last_only":
            start = max(self._committed, self._next_seq - 1)
        else:
            start = self._committed
        deadline = trio.current_time() + timeout_s
        while True:
            batch = self._select(start, limit, types)
            if batch:
                return [update for _, update in batch], batch[-1][0] + 1
            if trio.current_time() >= deadline:
                return [], None if self._null_marker_when_empty else start
            changed = self._changed
            self._held_polls += 1
            self._signal_progress()
            try:
                with trio.move_on_at(deadline):
                    await changed.wait()
            finally:
                self._held_polls -= 1
                self._signal_progress()

    async def wait_next(self, position: int) -> tuple[int, JsonDict]:
        """The first update numbered ``≥ position``, waiting for it if needed."""
        while True:
            for seq, update in self._items:
                if seq >= position:
                    return seq, update
            await self._changed.wait()

    def _select(
        self, start: int, limit: int, types: Collection[str] | None
    ) -> list[tuple[int, JsonDict]]:
        batch: list[tuple[int, JsonDict]] = []
        for seq, update in self._items:
            if seq < start or (types and update.get("update_type") not in types):
                continue
            batch.append((seq, update))
            if len(batch) >= limit:
                break
        return batch
