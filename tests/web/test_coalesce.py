"""Coalescer semantics (pure trio, virtual time): sharing, next-flight linearizability,
errors, cancellation of a leader."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from maxhack.web.coalesce import Coalescer


class Store:
    """A value read by slow loads; records the value each load saw at its start."""

    def __init__(self) -> None:
        self.value = 0
        self.loads = 0

    async def load(self) -> int:
        self.loads += 1
        seen = self.value
        await trio.sleep(1)
        return seen


async def test_concurrent_callers_share_loads(autojump_clock: trio.testing.MockClock) -> None:
    coalescer: Coalescer[int] = Coalescer()
    store = Store()
    results: list[int] = []

    async def call() -> None:
        results.append(await coalescer.get("k", store.load))

    async with trio.open_nursery() as nursery:
        for _ in range(50):
            nursery.start_soon(call)
    assert results == [0] * 50
    # The first caller leads; everyone arriving while it runs shares the second load.
    assert store.loads == 2
    assert coalescer.stats.calls == 50 and coalescer.stats.loads == 2
    assert len(coalescer) == 0


async def test_caller_never_gets_a_result_read_before_it_arrived(
    autojump_clock: trio.testing.MockClock,
) -> None:
    coalescer: Coalescer[int] = Coalescer()
    store = Store()
    got: dict[str, int] = {}

    async def call(name: str) -> None:
        got[name] = await coalescer.get("k", store.load)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(call, "early")
        await trio.sleep(0.5)  # the first load is running and has read 0
        store.value = 1  # a write the late caller has seen
        nursery.start_soon(call, "late")
    assert got == {"early": 0, "late": 1}


async def test_keys_are_independent(autojump_clock: trio.testing.MockClock) -> None:
    coalescer: Coalescer[str] = Coalescer()

    async def load(key: str) -> str:
        await trio.sleep(1)
        return key.upper()

    results: dict[str, str] = {}

    async def call(key: str) -> None:
        results[key] = await coalescer.get(key, lambda: load(key))

    async with trio.open_nursery() as nursery:
        for key in "abc":
            nursery.start_soon(call, key)
    assert results == {"a": "A", "b": "B", "c": "C"}
    assert coalescer.stats.loads == 3


async def test_an_error_reaches_every_caller_it_served(
    autojump_clock: trio.testing.MockClock,
) -> None:
    coalescer: Coalescer[int] = Coalescer()

    async def failing() -> int:
        await trio.sleep(1)
        raise LookupError("gone")

    errors: list[str] = []

    async def call() -> None:
        with pytest.raises(LookupError) as info:
            await coalescer.get("k", failing)
        errors.append(str(info.value))

    async with trio.open_nursery() as nursery:
        for _ in range(5):
            nursery.start_soon(call)
    assert errors == ["gone"] * 5
    assert len(coalescer) == 0


async def test_cancelled_leader_hands_over(autojump_clock: trio.testing.MockClock) -> None:
    coalescer: Coalescer[int] = Coalescer()
    store = Store()
    results: list[int] = []

    async def follower() -> None:
        results.append(await coalescer.get("k", store.load))

    async with trio.open_nursery() as nursery:
        leader_scope = trio.CancelScope()

        async def queued_leader() -> None:
            with leader_scope:
                await coalescer.get("k", store.load)

        nursery.start_soon(follower)  # leads the first load
        await trio.sleep(0.1)
        nursery.start_soon(queued_leader)  # leads the queued flight
        await trio.sleep(0.1)
        nursery.start_soon(follower)  # joins the queued flight
        await trio.sleep(0.1)
        leader_scope.cancel()  # the queued flight loses its leader before it starts
    assert results == [0, 0]
    assert len(coalescer) == 0


async def test_cancelled_running_load_is_retried_by_followers(
    autojump_clock: trio.testing.MockClock,
) -> None:
    coalescer: Coalescer[int] = Coalescer()
    store = Store()
    results: list[int] = []

    async def follower() -> None:
        results.append(await coalescer.get("k", store.load))

    async with trio.open_nursery() as nursery:
        scope = trio.CancelScope()

        async def leader() -> None:
            with scope:
                await coalescer.get("k", store.load)

        nursery.start_soon(leader)
        await trio.sleep(0.1)
        nursery.start_soon(follower)  # queued behind the running load
        await trio.sleep(0.1)
        scope.cancel()  # cancels the running load
    assert results == [0]
    assert store.loads == 2
