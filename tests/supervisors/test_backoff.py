"""Per-child exponential backoff with jitter: delay bounds, seeding, reset, and on the clock."""

from __future__ import annotations

import itertools
import random

import pytest
import trio
from hypothesis import given, settings
from hypothesis import strategies as st

from supervisors import Backoff, ChildState, Intensity, Supervisor
from supervisors._backoff import BackoffState
from supervisors.testing import (
    CRASH,
    START,
    STARTED,
    Recorder,
    crashing_child,
    running,
    steady_child,
)

LENIENT = Intensity(max_restarts=1000, period=1.0)

backoffs = st.builds(
    lambda initial, extra, factor, jitter: Backoff(
        initial=initial, maximum=initial + extra, factor=factor, jitter=jitter
    ),
    initial=st.floats(0.0, 10.0),
    extra=st.floats(0.0, 100.0),
    factor=st.floats(1.0, 4.0),
    jitter=st.sampled_from(["full", "decorrelated", "none"]),
)


def ceilings(policy: Backoff, count: int) -> list[float]:
    result, ceiling = [], policy.initial
    for _ in range(count):
        result.append(ceiling)
        ceiling = min(policy.maximum, ceiling * policy.factor)
    return result


def test_no_jitter_is_exact_exponential_capped() -> None:
    state = BackoffState(Backoff(initial=0.5, maximum=10, jitter="none"), random.Random(0))
    assert [state.next_delay(None) for _ in range(8)] == [0.5, 1, 2, 4, 8, 10, 10, 10]


@settings(max_examples=200, deadline=None)
@given(policy=backoffs, seed=st.integers(0, 2**32), count=st.integers(1, 40))
def test_delays_fall_within_bounds(policy: Backoff, seed: int, count: int) -> None:
    state = BackoffState(policy, random.Random(seed))
    delays = [state.next_delay(None) for _ in range(count)]
    assert all(0 <= delay <= policy.maximum for delay in delays)
    if policy.jitter == "none":
        assert delays == ceilings(policy, count)
    elif policy.jitter == "full":
        assert all(d <= c for d, c in zip(delays, ceilings(policy, count), strict=True))
    else:
        previous = policy.initial
        for delay in delays:
            assert min(policy.initial, policy.maximum) <= delay
            assert delay <= min(policy.maximum, previous * policy.factor) + 1e-9
            previous = delay


@settings(max_examples=50, deadline=None)
@given(policy=backoffs, seed=st.integers(0, 2**32))
def test_same_seed_same_delays(policy: Backoff, seed: int) -> None:
    first = BackoffState(policy, random.Random(seed))
    second = BackoffState(policy, random.Random(seed))
    assert [first.next_delay(None) for _ in range(10)] == [
        second.next_delay(None) for _ in range(10)
    ]


def test_stable_run_resets_the_sequence() -> None:
    state = BackoffState(
        Backoff(initial=1, maximum=60, reset_after=30, jitter="none"), random.Random()
    )
    assert [state.next_delay(1.0) for _ in range(4)] == [1, 2, 4, 8]
    assert state.next_delay(29.9) == 16
    assert state.next_delay(30.0) == 1  # ran exactly reset_after: back to initial
    assert state.next_delay(None) == 2  # a start failure never resets
    assert state.failures == 2


def test_decorrelated_never_goes_below_initial() -> None:
    policy = Backoff(initial=2, maximum=50, factor=3, jitter="decorrelated")
    state = BackoffState(policy, random.Random(7))
    delays = [state.next_delay(None) for _ in range(50)]
    assert min(delays) >= 2
    assert max(delays) <= 50


async def test_restart_delays_on_the_clock_are_exact(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    policy = Backoff(initial=0.5, maximum=3, jitter="none")
    sup = Supervisor(
        "top", [crashing_child("a", recorder=recorder, backoff=policy)], intensity=LENIENT
    )
    async with running(sup):
        await recorder.wait_for(START, "a", count=7)
    assert recorder.times(START, "a") == [0, 0.5, 1.5, 3.5, 6.5, 9.5, 12.5]


async def test_jittered_delays_on_the_clock_match_the_seeded_sequence(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    policy = Backoff(initial=1, maximum=20, jitter="full")
    sup = Supervisor(
        "top",
        [crashing_child("a", recorder=recorder, backoff=policy)],
        intensity=LENIENT,
        rng=random.Random(42),
    )
    async with running(sup):
        await recorder.wait_for(START, "a", count=9)
    starts = recorder.times(START, "a")
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    replica = BackoffState(policy, random.Random(42))
    assert gaps == pytest.approx([replica.next_delay(0.0) for _ in gaps])
    assert all(0 <= gap <= ceiling for gap, ceiling in zip(gaps, ceilings(policy, 8), strict=True))


@pytest.mark.parametrize(("reset_after", "expected_gaps"), [(5, [0.5] * 4), (20, [0.5, 1, 2, 4])])
async def test_backoff_resets_after_stable_running(
    autojump_clock: trio.testing.MockClock,
    recorder: Recorder,
    reset_after: float,
    expected_gaps: list[float],
) -> None:
    policy = Backoff(initial=0.5, maximum=30, jitter="none", reset_after=reset_after)
    child = crashing_child("a", after_steps=10, recorder=recorder, backoff=policy)
    sup = Supervisor("top", [child], intensity=LENIENT)
    async with running(sup):
        await recorder.wait_for(START, "a", count=5)
    crashes, starts = recorder.times(CRASH, "a"), recorder.times(START, "a")[1:]
    assert [start - crash for crash, start in zip(crashes, starts, strict=False)] == expected_gaps


async def test_waiting_for_a_backoff_blocks_neither_stop_nor_siblings(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    slow = crashing_child(
        "slow", recorder=recorder, backoff=Backoff(initial=100, maximum=100, jitter="none")
    )
    fast = crashing_child(
        "fast", after_steps=2, times=1, recorder=recorder, backoff=Backoff(initial=1, jitter="none")
    )
    sup = Supervisor("top", [slow, fast, steady_child("other", recorder=recorder)])
    async with running(sup):
        await recorder.wait_for(STARTED, "fast", count=2)
        assert trio.current_time() == 3  # crashed at 2, restarted 1 s later
        slow_now = sup.tree().children[0]
        assert slow_now.state is ChildState.RESTARTING
        assert slow_now.next_restart_in == 97
    assert trio.current_time() == 3  # stop() did not wait for the pending restart
    assert recorder.count(START, "slow") == 1
