"""The pacing primitives on trio's virtual clock: exact grant times, priority order,
cancellation safety, per-chat limits, and a hypothesis property over random arrivals."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import pytest
import trio
import trio.testing
from hypothesis import given, settings
from hypothesis import strategies as st

from maxhack.sender.rate_limit import ChatLimiter, Priority, PriorityGate, SlidingWindowLimiter

# --- SlidingWindowLimiter ----------------------------------------------------------------


def test_limiter_allows_rate_then_frees_exactly_one_window_after_the_oldest() -> None:
    limiter = SlidingWindowLimiter(3, 1.0)
    assert [limiter.try_acquire(10.0) for _ in range(3)] == [True, True, True]
    assert limiter.try_acquire(10.5) is False
    assert limiter.next_free_at(10.5) == 11.0
    assert limiter.try_acquire(11.0) is True  # the grant at 10.0 left the window [10, 11)
    assert limiter.next_free_at(11.0) == 11.0  # second and third grants at 10.0 also expire


def test_refused_attempts_are_not_recorded() -> None:
    limiter = SlidingWindowLimiter(1, 2.0)
    assert limiter.try_acquire(0.0)
    for t in (0.5, 1.0, 1.99):
        assert not limiter.try_acquire(t)
    assert limiter.next_free_at(1.99) == 2.0
    assert limiter.try_acquire(2.0)


def test_burst_spreads_a_backlog_in_small_groups() -> None:
    limiter = SlidingWindowLimiter(10, 1.0, burst=2)  # at most 2 in any 0.2 s
    granted: list[float] = []
    now = 0.0
    while len(granted) < 10:
        now = limiter.next_free_at(now)
        assert limiter.try_acquire(now)
        granted.append(now)
    assert granted == pytest.approx([0.0, 0.0, 0.2, 0.2, 0.4, 0.4, 0.6, 0.6, 0.8, 0.8])
    # the one-second budget is spent: the 11th waits for the first grant to leave the window
    assert limiter.next_free_at(0.8) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("rate_per_s", "margin_s", "rate", "window_s"),
    [(25.0, 0.05, 25, 1.05), (2.0, 0.0, 2, 1.0), (2.5, 0.0, 2, 1.0), (0.5, 0.1, 1, 2.1)],
)
def test_per_second_never_lets_more_than_the_rate_into_one_second(
    rate_per_s: float, margin_s: float, rate: int, window_s: float
) -> None:
    limiter = SlidingWindowLimiter.per_second(rate_per_s, margin_s=margin_s)
    assert limiter.rate == rate
    assert limiter.window_s == pytest.approx(window_s)


@pytest.mark.parametrize(
    "kwargs",
    [{"rate": 0}, {"rate": 2, "window_s": 0.0}, {"rate": 2, "burst": 3}, {"rate": 2, "burst": 0}],
)
def test_limiter_rejects_bad_settings(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        SlidingWindowLimiter(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("rate_per_s", [0.0, -1.0, math.inf, math.nan])
def test_per_second_rejects_bad_rates(rate_per_s: float) -> None:
    with pytest.raises(ValueError):
        SlidingWindowLimiter.per_second(rate_per_s)


def test_a_pending_grant_counts_from_its_completion() -> None:
    limiter = SlidingWindowLimiter(2, 1.0)
    assert limiter.try_acquire(0.0, pending=True)
    assert limiter.try_acquire(0.0)
    assert limiter.pending == 1
    # the pending request may still be on its way: only the other slot frees after a window
    assert limiter.next_free_at(0.5) == 1.0
    assert limiter.try_acquire(1.0, pending=True)
    assert limiter.next_free_at(5.0) == math.inf  # both slots are in flight
    limiter.complete(5.0)
    assert limiter.pending == 1
    assert limiter.next_free_at(5.0) == 6.0  # one second after that completion


def test_all_slots_pending_blocks_until_a_completion() -> None:
    limiter = SlidingWindowLimiter(2, 1.0)
    assert limiter.try_acquire(0.0, pending=True)
    assert limiter.try_acquire(0.0, pending=True)
    assert limiter.next_free_at(100.0) == math.inf
    limiter.withdraw()  # never sent: counts nothing
    assert limiter.next_free_at(100.0) == 100.0
    limiter.complete(100.0)
    with pytest.raises(RuntimeError):
        limiter.withdraw()


# --- PriorityGate ------------------------------------------------------------------------


async def test_gate_grants_at_exact_window_boundaries(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gate = PriorityGate(SlidingWindowLimiter(2, 1.0))
    start = trio.current_time()
    granted: list[float] = []

    async def take() -> None:
        await gate.acquire((0,))
        granted.append(trio.current_time() - start)

    async with trio.open_nursery() as nursery:
        for _ in range(6):
            nursery.start_soon(take)
    assert granted == [0.0, 0.0, 1.0, 1.0, 2.0, 2.0]
    assert gate.granted_total == 6
    assert gate.waiting == 0


async def test_waiters_are_served_by_priority_then_fifo(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gate = PriorityGate(SlidingWindowLimiter(1, 1.0))
    await gate.acquire((0,))  # the window is now full: everyone below has to queue
    order: list[str] = []

    async def take(name: str, priority: Priority) -> None:
        await gate.acquire(priority)
        order.append(name)

    async with trio.open_nursery() as nursery:
        for name, priority in [
            ("bulk-late", (1, 50)),
            ("bulk-early", (1, 10)),
            ("interactive-1", (0, 7)),
            ("bulk-early-2", (1, 10)),
            ("interactive-2", (0, 7)),
        ]:
            nursery.start_soon(take, name, priority)
            await trio.testing.wait_all_tasks_blocked()
        assert gate.waiting == 5
    assert order == ["interactive-1", "interactive-2", "bulk-early", "bulk-early-2", "bulk-late"]


async def test_a_late_urgent_waiter_overtakes_a_waiting_head(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gate = PriorityGate(SlidingWindowLimiter(1, 1.0))
    start = trio.current_time()
    await gate.acquire((0,))
    granted: dict[str, float] = {}

    async def take(name: str, priority: Priority) -> None:
        await gate.acquire(priority)
        granted[name] = trio.current_time() - start

    async with trio.open_nursery() as nursery:
        nursery.start_soon(take, "bulk", (1,))
        await trio.sleep(0.9)  # the bulk waiter is sleeping until the window frees at 1.0
        nursery.start_soon(take, "interactive", (0,))
    assert granted == {"interactive": 1.0, "bulk": 2.0}


async def test_a_cancelled_waiter_never_consumes_a_permit(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gate = PriorityGate(SlidingWindowLimiter(1, 1.0))
    start = trio.current_time()
    await gate.acquire((0,))
    granted: dict[str, float] = {}
    cancelled: list[str] = []

    async def take(name: str, priority: Priority, give_up_after: float) -> None:
        with trio.move_on_after(give_up_after) as scope:
            await gate.acquire(priority)
            granted[name] = trio.current_time() - start
        if scope.cancelled_caught:
            cancelled.append(name)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(take, "head", (0,), 0.5)  # gives up while at the head of the line
        nursery.start_soon(take, "next", (1,), math.inf)
    assert cancelled == ["head"]
    assert granted == {"next": 1.0}  # the freed permit went to the next waiter, on time
    assert gate.granted_total == 2
    assert gate.waiting == 0


async def test_cancelling_an_acquire_that_would_succeed_at_once_takes_nothing(
    autojump_clock: trio.testing.MockClock,
) -> None:
    limiter = SlidingWindowLimiter(1, 1.0)
    gate = PriorityGate(limiter)
    with trio.CancelScope() as scope:
        scope.cancel()
        await gate.acquire((0,))
    assert scope.cancelled_caught
    assert gate.granted_total == 0
    assert [limiter.try_acquire(trio.current_time()), limiter.try_acquire(trio.current_time())] == [
        True,
        False,
    ]


async def test_hold_until_closes_the_gate_for_everyone(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gate = PriorityGate(SlidingWindowLimiter(5, 1.0))
    start = trio.current_time()
    gate.hold_until(start + 3.0)
    gate.hold_until(start + 1.0)  # never shortened
    await gate.acquire((0,))
    assert trio.current_time() - start == 3.0


async def test_a_gate_without_limiter_only_orders(autojump_clock: trio.testing.MockClock) -> None:
    gate = PriorityGate(None)
    start = trio.current_time()
    for _ in range(100):
        await gate.acquire((1,))
    assert trio.current_time() == start
    assert gate.granted_total == 100
    assert gate.grants_since(start) == 100
    gate.complete()  # nothing to count without a limiter


async def test_a_waiter_blocked_by_pending_requests_wakes_on_completion(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gate = PriorityGate(SlidingWindowLimiter(1, 1.0))
    start = trio.current_time()
    await gate.acquire((0,), pending=True)
    granted: list[float] = []

    async def take() -> None:
        await gate.acquire((1,))
        granted.append(trio.current_time() - start)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(take)
        await trio.sleep(5)  # the first request is still in flight: nobody may go
        assert granted == []
        gate.complete()  # it ended at 5.0: the window frees one second later
    assert granted == [6.0]


# --- property: rate and priority over random arrivals -------------------------------------


class _RecordingLimiter(SlidingWindowLimiter):
    """Notes which task got each permit and in which order events happened."""

    def __init__(self, rate: int, window_s: float, *, burst: int | None, log: _Log) -> None:
        super().__init__(rate, window_s, burst=burst)
        self._log = log

    def try_acquire(self, now: float, *, pending: bool = False) -> bool:
        granted = super().try_acquire(now, pending=pending)
        if granted:
            self._log.grant(trio.lowlevel.current_task(), now)
        return granted


@dataclass
class _Log:
    seq: itertools.count[int] = field(default_factory=itertools.count)
    arrivals: dict[object, tuple[int, Priority]] = field(default_factory=dict)
    grants: dict[object, tuple[int, float]] = field(default_factory=dict)
    cancels: dict[object, int] = field(default_factory=dict)
    seen_by_server: list[float] = field(default_factory=list)

    def grant(self, task: object, now: float) -> None:
        assert task not in self.grants
        self.grants[task] = (next(self.seq), now)


arrival_strategy = st.tuples(
    st.integers(min_value=0, max_value=300).map(lambda centis: centis / 100),  # arrival time
    st.integers(min_value=0, max_value=3),  # priority
    st.none() | st.integers(min_value=1, max_value=200).map(lambda c: c / 100),  # give up after
    # None: counted when granted; else (time in flight, where in it the server saw it)
    st.none()
    | st.tuples(
        st.integers(min_value=0, max_value=150).map(lambda c: c / 100),
        st.sampled_from([0.0, 0.5, 1.0]),
    ),
)


def assert_window(times: list[float], limit: int, window_s: float) -> None:
    """No half-open window of ``window_s`` holds more than ``limit`` of ``times``."""
    times = sorted(times)
    for earlier, later in zip(times, times[limit:], strict=False):
        assert later >= earlier + window_s


@settings(max_examples=150, deadline=None)
@given(
    rate=st.integers(min_value=1, max_value=6),
    window_s=st.sampled_from([0.5, 1.0, 1.05]),
    burst=st.none() | st.integers(min_value=1, max_value=6),
    arrivals=st.lists(arrival_strategy, min_size=1, max_size=40),
)
def test_property_rate_priority_and_cancellation(
    rate: int,
    window_s: float,
    burst: int | None,
    arrivals: list[tuple[float, int, float | None, tuple[float, float] | None]],
) -> None:
    """Random arrivals, priorities, cancellations, and requests that stay in flight for a
    while and reach the server at any moment of that flight."""
    burst = None if burst is None else min(burst, rate)
    log = _Log()
    gate = PriorityGate(_RecordingLimiter(rate, window_s, burst=burst, log=log))
    not_cancelled: list[object] = []

    async def arrive(
        at: float,
        priority: int,
        give_up_after: float | None,
        flight: tuple[float, float] | None,
    ) -> None:
        await trio.sleep(at)
        task = trio.lowlevel.current_task()
        prio: Priority = (priority,)
        log.arrivals[task] = (next(log.seq), prio)
        with trio.move_on_after(math.inf if give_up_after is None else give_up_after) as scope:
            await gate.acquire(prio, pending=flight is not None)
        if scope.cancelled_caught:
            log.cancels[task] = next(log.seq)
            return
        not_cancelled.append(task)
        if flight is None:
            log.seen_by_server.append(trio.current_time())
            return
        in_flight_s, seen_at = flight
        log.seen_by_server.append(trio.current_time() + in_flight_s * seen_at)
        await trio.sleep(in_flight_s)
        gate.complete()

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            for at, priority, give_up_after, flight in arrivals:
                nursery.start_soon(arrive, at, priority, give_up_after, flight)

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))

    # Liveness and cancellation safety: exactly the waiters that were not cancelled got in.
    assert set(log.grants) == set(not_cancelled)
    assert not set(log.grants) & set(log.cancels)
    assert gate.waiting == 0

    # Never more than `rate` requests in any window of `window_s`, whether counted by grant
    # time or by when the server saw them; and the burst rule on grant times.
    grant_times = [at for _, at in log.grants.values()]
    assert_window(grant_times, rate, window_s)
    assert_window(log.seen_by_server, rate, window_s)
    if burst is not None and burst < rate:
        assert_window(grant_times, burst, window_s * burst / rate)

    # Strict priority, FIFO among equals: when a task got a permit, nobody better was waiting.
    def rank(task: object) -> tuple[Priority, int]:
        arrived, priority = log.arrivals[task]
        return priority, arrived

    for winner, (granted_seq, _) in log.grants.items():
        for other, (arrived_seq, _) in log.arrivals.items():
            if other is winner or arrived_seq > granted_seq:
                continue
            left_seq = log.grants[other][0] if other in log.grants else log.cancels[other]
            if left_seq > granted_seq:  # `other` was waiting when `winner` got its permit
                assert rank(winner) < rank(other)


# --- ChatLimiter -------------------------------------------------------------------------


def test_chat_limit_counts_the_time_a_call_passed_the_gate() -> None:
    chats = ChatLimiter(2, 1.0, recheck_s=0.05)
    assert chats.reserve(7, 0.0) is None
    assert chats.reserve(7, 0.0) is None
    # both pending: their send time is unknown, so the chat is busy — look again soon
    assert chats.reserve(7, 0.01) == pytest.approx(0.06)
    assert chats.reserve(8, 0.01) is None  # other chats are not affected
    chats.resolve(7, 0.3)
    chats.resolve(7, 0.4)
    assert chats.reserve(7, 0.5) == pytest.approx(1.3)  # one window after the older send
    assert chats.reserve(7, 1.3) is None


def test_chat_reservation_released_without_sending_leaves_no_trace() -> None:
    chats = ChatLimiter(1, 1.0, recheck_s=0.05)
    assert chats.reserve(1, 0.0) is None
    chats.release(1)
    assert chats.reserve(1, 0.0) is None


def test_chat_limiter_forgets_idle_chats() -> None:
    chats = ChatLimiter(2, 1.0, recheck_s=0.05)
    for chat_id in range(1000):
        assert chats.reserve(chat_id, 0.0) is None
        chats.resolve(chat_id, 0.0)
    assert chats.reserve(5000, 0.5) is None  # chat 5000 stays pending
    assert len(chats) == 1001
    assert chats.reserve(6000, 1.0) is None  # everything resolved at 0.0 left the window
    assert len(chats) == 2  # the pending chat 5000 and the new chat 6000
    chats.resolve(5000, 1.0)
    chats.resolve(6000, 1.0)
    assert chats.reserve(7000, 2.0) is None
    assert len(chats) == 1


def test_chat_limiter_per_second_shape() -> None:
    chats = ChatLimiter.per_second(2.0, margin_s=0.05, recheck_s=0.05)
    assert chats.rate == 2
    assert chats.window_s == pytest.approx(1.05)
    with pytest.raises(ValueError):
        ChatLimiter(1, 1.0, recheck_s=0.0)
