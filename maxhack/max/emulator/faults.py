"""Injected faults, the global rate limit and the request log.

Faults apply to Bot API and upload requests (never to the ``/_emulator`` control API), in
the order they were added. For each request every matching latency rule adds its delay,
then the first matching status or drop rule decides the outcome. A rule with ``count=None``
stays until cleared; otherwise it is used up after ``count`` matching requests.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Literal

import trio

from .records import RequestRecord

RATE_WINDOW_S = 1.0

FaultKind = Literal["status", "latency", "drop"]


@dataclass
class FaultRule:
    """One injected fault.

    ``status``: answer ``status`` with ``{"code", "message"}`` (and ``Retry-After`` if set)
    without handling the request. ``latency``: wait ``latency_s`` first. ``drop``: close the
    connection without a complete response — before handling, or after it when
    ``after_handling`` (the request took effect, the client cannot know).
    ``method``/``path`` restrict the rule (exact match; ``None`` matches all).
    """

    kind: FaultKind
    count: int | None = 1
    method: str | None = None
    path: str | None = None
    status: int = 503
    code: str | None = None
    message: str = ""
    retry_after: str | None = None
    latency_s: float = 0.0
    after_handling: bool = False

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method.upper() == method) and (
            self.path is None or self.path == path
        )

    @property
    def describe(self) -> str:
        if self.kind == "status":
            return f"status:{self.status}"
        if self.kind == "drop":
            return "drop_after" if self.after_handling else "drop"
        return f"latency:{self.latency_s}"


class FaultPlan:
    """The queue of injected faults."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []

    def add(self, rule: FaultRule) -> None:
        if rule.count is not None and rule.count < 1:
            raise ValueError("count must be at least 1 (or None for 'until cleared')")
        self._rules.append(rule)

    def clear(self) -> None:
        self._rules.clear()

    @property
    def rules(self) -> list[FaultRule]:
        return list(self._rules)

    def take(self, method: str, path: str) -> tuple[float, FaultRule | None]:
        """Consume the faults for one request: (total latency, deciding rule or ``None``)."""
        latency_s = 0.0
        decisive: FaultRule | None = None
        for rule in list(self._rules):
            if not rule.matches(method, path):
                continue
            if rule.kind == "latency":
                latency_s += rule.latency_s
            elif decisive is None:
                decisive = rule
            else:
                continue
            self._use(rule)
        return latency_s, decisive

    def _use(self, rule: FaultRule) -> None:
        if rule.count is None:
            return
        rule.count -= 1
        if rule.count <= 0:
            self._rules.remove(rule)


class RateLimiter:
    """At most ``per_s`` accepted requests in any sliding one-second window."""

    def __init__(self, per_s: float | None) -> None:
        self.per_s = per_s
        self._accepted: deque[float] = deque()

    def try_acquire(self) -> bool:
        """Count the request and return ``True``, or ``False`` if the window is full
        (rejected requests do not count)."""
        if self.per_s is None:
            return True
        now = trio.current_time()
        while self._accepted and self._accepted[0] <= now - RATE_WINDOW_S:
            self._accepted.popleft()
        if len(self._accepted) >= self.per_s:
            return False
        self._accepted.append(now)
        return True


class RequestLog:
    """The most recent requests (bounded), oldest first, with monotonic timestamps."""

    def __init__(self, max_entries: int) -> None:
        self._entries: deque[RequestRecord] = deque(maxlen=max_entries)

    def append(self, record: RequestRecord) -> None:
        self._entries.append(record)

    def clear(self) -> None:
        self._entries.clear()

    def entries(self) -> list[RequestRecord]:
        return list(self._entries)

    @staticmethod
    def clock() -> float:
        return time.monotonic()
