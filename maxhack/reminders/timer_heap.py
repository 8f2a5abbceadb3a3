"""Level 0 of the timer wheel: the near-horizon deadlines, in a heap with lazy deletion.

Keys are (event_id, offset_min); a key's latest deadline wins, older heap entries for it
are skipped when they surface. push/pop are O(log n), replace_all is O(n).
"""

from __future__ import annotations

import heapq

Key = tuple[int, int]


class TimerHeap:
    def __init__(self) -> None:
        self._heap: list[tuple[float, Key]] = []
        self._current: dict[Key, float] = {}

    def __len__(self) -> int:
        return len(self._current)

    def push(self, key: Key, deadline: float) -> None:
        self._current[key] = deadline
        heapq.heappush(self._heap, (deadline, key))

    def discard(self, key: Key) -> None:
        self._current.pop(key, None)

    def replace_all(self, entries: list[tuple[Key, float]]) -> None:
        self._current = dict(entries)
        self._heap = [(deadline, key) for key, deadline in self._current.items()]
        heapq.heapify(self._heap)

    def next_deadline(self) -> float | None:
        self._drop_stale()
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: float) -> list[Key]:
        due: list[Key] = []
        while True:
            self._drop_stale()
            if not self._heap or self._heap[0][0] > now:
                return due
            _, key = heapq.heappop(self._heap)
            del self._current[key]
            due.append(key)

    def _drop_stale(self) -> None:
        while self._heap:
            deadline, key = self._heap[0]
            if self._current.get(key) == deadline:
                return
            heapq.heappop(self._heap)
