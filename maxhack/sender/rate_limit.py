"""Pacing primitives of the sender: a sliding-window limiter, a priority gate, per-chat limits.

All three run on trio's clock (``trio.current_time()``), so tests drive them with a virtual
clock. None of them starts a task.

* :class:`SlidingWindowLimiter` — at most ``rate`` requests in *any* window of ``window_s``
  seconds, where a request may be counted at its completion (an upper bound of when it
  reached the server) so that network jitter cannot break the limit as the server sees it.
* :class:`PriorityGate` — waiters for a limiter are served strictly by priority (lower tuple
  first), FIFO among equal priorities; a cancelled waiter never consumes a permit.
* :class:`ChatLimiter` — the same window rule per chat, with bounded memory.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import OrderedDict, deque
from dataclasses import dataclass, field

import trio

Priority = tuple[float, ...]
"""A gate priority: compared as tuples, lower is served first."""

BASE_WINDOW_S = 1.0
"""The window in which MAX counts requests ("N requests per second")."""


class SlidingWindowLimiter:
    """At most ``rate`` requests in any window of ``window_s`` seconds.

    Each grant is counted at a *recorded time*: the grant time, or — for a grant taken as
    ``pending`` — the time :meth:`complete` is called for it, which the caller does once the
    request has completed. A request reaches the server between its grant and its
    completion, so counting it at its completion makes the limit hold *at the server*
    whatever the network jitter: a new grant at ``t`` is allowed only if at most ``rate - 1``
    earlier requests have a recorded time after ``t - window_s`` (a pending one counts as
    "after": its time is not known yet). Consequently both the grant times and the arrival
    times at the server never exceed ``rate`` in any half-open window ``[s, s + window_s)``.

    ``burst`` (optional, ``<= rate``) additionally allows at most ``burst`` grants (by grant
    time) in any ``window_s * burst / rate``: the long-run rate is the same, but a backlog
    is released in small groups instead of ``rate`` requests at the same instant.

    Times passed in must be the current time (non-decreasing). Memory: O(``rate``). The
    limiter only does arithmetic; waiting is the job of :class:`PriorityGate`.
    """

    def __init__(self, rate: int, window_s: float = BASE_WINDOW_S, *, burst: int | None = None):
        if rate < 1:
            raise ValueError(f"rate must be at least 1, got {rate!r}")
        if not (window_s > 0 and math.isfinite(window_s)):
            raise ValueError(f"window_s must be a positive number, got {window_s!r}")
        if burst is not None and not 1 <= burst <= rate:
            raise ValueError(f"burst must be between 1 and rate ({rate}), got {burst!r}")
        self.rate = rate
        self.window_s = window_s
        self._counted: deque[float] = deque(maxlen=rate)  # recorded times, oldest first
        self._pending = 0
        self._burst: tuple[int, float, deque[float]] | None = None
        if burst is not None and burst < rate:
            self._burst = (burst, window_s * burst / rate, deque(maxlen=burst))

    @classmethod
    def per_second(
        cls, rate_per_s: float, *, margin_s: float = 0.0, burst: int | None = None
    ) -> SlidingWindowLimiter:
        """A limiter that never lets more than ``rate_per_s`` requests into any 1 s window.

        A fractional rate is rounded down (2.5/s allows 2 per second); a rate below 1/s
        allows one request per ``1 / rate_per_s`` s. ``margin_s`` widens the window (for
        requests counted at their grant time, it absorbs the jitter to the server).
        """
        if not (rate_per_s > 0 and math.isfinite(rate_per_s)):
            raise ValueError(f"rate_per_s must be a positive number, got {rate_per_s!r}")
        if margin_s < 0:
            raise ValueError(f"margin_s must not be negative, got {margin_s!r}")
        if rate_per_s * BASE_WINDOW_S >= 1:
            rate, window_s = math.floor(rate_per_s * BASE_WINDOW_S), BASE_WINDOW_S
        else:
            rate, window_s = 1, 1 / rate_per_s
        return cls(rate, window_s + margin_s, burst=None if burst is None else min(burst, rate))

    @property
    def pending(self) -> int:
        """Grants taken as pending and not completed yet."""
        return self._pending

    def next_free_at(self, now: float) -> float:
        """The earliest time a grant is allowed (``<= now``: right now; ``math.inf``: not
        before a pending grant completes)."""
        if self._pending >= self.rate:
            return math.inf
        free_at = now
        needed = self.rate - self._pending
        if len(self._counted) >= needed:
            free_at = max(free_at, self._counted[-needed] + self.window_s)
        if self._burst is not None:
            burst, burst_window_s, granted = self._burst
            if len(granted) == burst:
                free_at = max(free_at, granted[0] + burst_window_s)
        return free_at

    def try_acquire(self, now: float, *, pending: bool = False) -> bool:
        """Take a grant at ``now`` if allowed (counted at ``now``, or at its :meth:`complete`
        if ``pending``); ``False`` and nothing recorded otherwise."""
        if self.next_free_at(now) > now:
            return False
        if pending:
            self._pending += 1
        else:
            self._counted.append(now)
        if self._burst is not None:
            self._burst[2].append(now)
        return True

    def complete(self, now: float) -> None:
        """A pending grant's request has completed: count it at ``now``."""
        self.withdraw()
        self._counted.append(now)

    def withdraw(self) -> None:
        """A pending grant was not used: nothing reached the server, count nothing."""
        if self._pending < 1:
            raise RuntimeError("no pending grant")
        self._pending -= 1


@dataclass(order=True)
class _Waiter:
    priority: Priority
    seq: int
    event: trio.Event = field(compare=False, default_factory=trio.Event)
    done: bool = field(compare=False, default=False)


class PriorityGate:
    """Hands out the permits of a limiter to waiters in priority order.

    ``acquire(priority)`` returns once the caller holds a permit. Waiters are served
    strictly by ``priority`` (lower tuple first) and FIFO among equal priorities: only the
    best waiter may take a permit, so a later but more urgent caller overtakes everyone
    still waiting. A caller that finds nobody waiting and a free permit takes it at once.
    ``acquire(..., pending=True)`` takes a pending grant (see
    :class:`SlidingWindowLimiter`); the caller must then call :meth:`complete` exactly once
    when its request has completed, however it ended.

    ``limiter=None`` means no rate limit (permits are always free; ``acquire`` is then just
    a checkpoint). :meth:`hold_until` closes the gate for everyone until a time (e.g. after
    the server answered 429 with ``Retry-After``).

    Cancellation: ``acquire`` is a checkpoint; if it raises ``trio.Cancelled`` no permit was
    taken, and the next waiter is promoted.
    """

    def __init__(self, limiter: SlidingWindowLimiter | None) -> None:
        self._limiter = limiter
        self._waiters: list[_Waiter] = []
        self._waiting = 0
        self._seq = itertools.count()
        self._held_until = -math.inf
        self._recent: deque[float] = deque()  # grant times of the last STATS window
        self.granted_total = 0

    @property
    def limiter(self) -> SlidingWindowLimiter | None:
        return self._limiter

    @property
    def waiting(self) -> int:
        """Tasks currently blocked in :meth:`acquire`."""
        return self._waiting

    def hold_until(self, deadline: float) -> None:
        """Grant nothing before ``deadline`` (trio time); an earlier hold is never shortened."""
        self._held_until = max(self._held_until, deadline)

    def grants_since(self, since: float) -> int:
        """Permits granted at or after ``since``, looking back at most ``BASE_WINDOW_S``."""
        self._forget_before(trio.current_time() - BASE_WINDOW_S)
        return sum(1 for granted_at in self._recent if granted_at >= since)

    def complete(self) -> None:
        """The request of a pending grant has completed (see the class docstring)."""
        if self._limiter is None:
            return
        self._limiter.complete(trio.current_time())
        self._wake_head()  # the head may have been waiting for exactly this

    async def acquire(self, priority: Priority, *, pending: bool = False) -> None:
        """Wait for a permit; see the class docstring for ordering and cancellation."""
        await trio.lowlevel.checkpoint_if_cancelled()
        now = trio.current_time()
        if self._head() is None and self._free_at(now) <= now:
            self._grant(now, pending)
            await trio.lowlevel.cancel_shielded_checkpoint()
            return
        waiter = _Waiter(priority, next(self._seq))
        heapq.heappush(self._waiters, waiter)
        self._waiting += 1
        scheduled = False
        try:
            while True:
                now = trio.current_time()
                if self._head() is waiter:
                    free_at = self._free_at(now)
                    if free_at <= now:
                        self._retire(waiter)
                        self._grant(now, pending)
                        break
                    waiter.event = trio.Event()
                    with trio.move_on_at(free_at):
                        await waiter.event.wait()
                else:
                    waiter.event = trio.Event()
                    await waiter.event.wait()
                scheduled = True
        except BaseException:
            if not waiter.done:
                self._retire(waiter)
            raise
        if not scheduled:
            await trio.lowlevel.cancel_shielded_checkpoint()

    def _free_at(self, now: float) -> float:
        free_at = now if self._limiter is None else self._limiter.next_free_at(now)
        return max(free_at, self._held_until)

    def _grant(self, now: float, pending: bool) -> None:
        if self._limiter is not None and not self._limiter.try_acquire(now, pending=pending):
            raise AssertionError("PriorityGate granted a permit its limiter refused")
        self.granted_total += 1
        self._recent.append(now)
        self._forget_before(now - BASE_WINDOW_S)

    def _forget_before(self, horizon: float) -> None:
        while self._recent and self._recent[0] < horizon:
            self._recent.popleft()

    def _head(self) -> _Waiter | None:
        # Retired waiters are removed lazily when they reach the top: O(log n) per waiter.
        while self._waiters and self._waiters[0].done:
            heapq.heappop(self._waiters)
        return self._waiters[0] if self._waiters else None

    def _wake_head(self) -> None:
        head = self._head()
        if head is not None:
            head.event.set()

    def _retire(self, waiter: _Waiter) -> None:
        """Take ``waiter`` out of the line (granted or cancelled) and let the next head
        re-evaluate: it may take the following permit or must start its own timer."""
        waiter.done = True
        self._waiting -= 1
        self._wake_head()


@dataclass
class _ChatState:
    window: SlidingWindowLimiter
    last_active: float


class ChatLimiter:
    """At most ``rate`` calls per chat in any window of ``window_s`` seconds.

    A call *reserves* its chat before it runs (:meth:`reserve`, a pending grant) and, when
    it ends, *resolves* the reservation (:meth:`resolve`: counted at that moment, an upper
    bound of when any of its requests reached the server) or *releases* it if it sent
    nothing (:meth:`release`). While ``rate`` reservations of a chat are pending the chat
    is busy; :meth:`reserve` then answers "look again in ``recheck_s``".

    Memory is bounded: a chat with nothing pending whose last call left the window imposes
    no constraint and is forgotten, so only the chats active within the last window are
    tracked. Pruning is amortised O(1) per call.
    """

    def __init__(self, rate: int, window_s: float = BASE_WINDOW_S, *, recheck_s: float) -> None:
        if rate < 1:
            raise ValueError(f"rate must be at least 1, got {rate!r}")
        if not (window_s > 0 and math.isfinite(window_s)):
            raise ValueError(f"window_s must be a positive number, got {window_s!r}")
        if not recheck_s > 0:
            raise ValueError(f"recheck_s must be positive, got {recheck_s!r}")
        self.rate = rate
        self.window_s = window_s
        self.recheck_s = recheck_s
        # Ordered by last activity, least recent first: pruning pops from the front.
        self._chats: OrderedDict[int, _ChatState] = OrderedDict()

    @classmethod
    def per_second(
        cls, rate_per_s: float, *, margin_s: float = 0.0, recheck_s: float
    ) -> ChatLimiter:
        """Like :meth:`SlidingWindowLimiter.per_second`, per chat."""
        shape = SlidingWindowLimiter.per_second(rate_per_s, margin_s=margin_s)
        return cls(shape.rate, shape.window_s, recheck_s=recheck_s)

    def __len__(self) -> int:
        """Chats currently tracked."""
        return len(self._chats)

    def reserve(self, chat_id: int, now: float) -> float | None:
        """Reserve a call to ``chat_id`` at ``now``: ``None`` if reserved, else the time to
        try again."""
        self._prune(now)
        state = self._chats.get(chat_id)
        if state is None:
            state = _ChatState(SlidingWindowLimiter(self.rate, self.window_s), now)
            self._chats[chat_id] = state
        if not state.window.try_acquire(now, pending=True):
            free_at = state.window.next_free_at(now)
            return now + self.recheck_s if math.isinf(free_at) else free_at
        self._touch(chat_id, state, now)
        return None

    def resolve(self, chat_id: int, now: float) -> None:
        """The reserved call has ended after sending: count it at ``now``."""
        state = self._chats[chat_id]
        state.window.complete(now)
        self._touch(chat_id, state, now)

    def release(self, chat_id: int) -> None:
        """The reserved call ended without sending anything: it does not count."""
        self._chats[chat_id].window.withdraw()

    def _touch(self, chat_id: int, state: _ChatState, now: float) -> None:
        state.last_active = max(state.last_active, now)
        self._chats.move_to_end(chat_id)

    def _prune(self, now: float) -> None:
        # A chat with a pending call (at most one per worker) is rotated to the back so it
        # cannot shield the idle chats behind it; the budget bounds the rotation.
        budget = len(self._chats)
        while self._chats and budget > 0:
            budget -= 1
            chat_id, state = next(iter(self._chats.items()))
            if state.window.pending:
                self._chats.move_to_end(chat_id)
                continue
            if state.last_active + self.window_s > now:
                return
            del self._chats[chat_id]


__all__ = [
    "BASE_WINDOW_S",
    "ChatLimiter",
    "Priority",
    "PriorityGate",
    "SlidingWindowLimiter",
]
