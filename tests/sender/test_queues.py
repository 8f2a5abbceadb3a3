"""Lane queues: interactive FIFO, bulk earliest-due-first and fair, deferral, back-pressure."""

from __future__ import annotations

import math
import time
from typing import Any

import pytest
import trio
import trio.testing
from hypothesis import given, settings
from hypothesis import strategies as st

from maxhack.max import MaxClient
from maxhack.runtime.stop_signal import StopSignal
from maxhack.sender import Lane, OutgoingCall
from maxhack.sender.queues import BulkQueue, InteractiveQueue, LaneQueue

DUE = 1_800_000_000.0  # a wall-clock epoch second


async def _noop(client: MaxClient) -> None:
    return None


def bulk(tag: object, due_at: float | None, key: object = None) -> OutgoingCall:
    return OutgoingCall(
        action=_noop, chat_id=None, lane=Lane.BULK, due_at=due_at, fairness_key=key, tag=tag
    )


def interactive(tag: object) -> OutgoingCall:
    return OutgoingCall(action=_noop, chat_id=None, tag=tag)


async def drain(queue: LaneQueue) -> list[Any]:
    stop = StopSignal()
    tags = []
    while len(queue):
        item = await queue.get(stop)
        assert item is not None
        tags.append(item.call.tag)
    return tags


async def test_interactive_queue_is_fifo() -> None:
    queue = InteractiveQueue(capacity=10)
    for tag in range(5):
        await queue.put(interactive(tag))
    assert await drain(queue) == [0, 1, 2, 3, 4]


async def test_bulk_is_earliest_due_first_and_takes_turns_across_keys() -> None:
    queue = BulkQueue(capacity=100)
    for n in range(4):
        await queue.put(bulk(f"A{n}", DUE, key="group-a"))
    for n in range(2):
        await queue.put(bulk(f"B{n}", DUE + 0.5, key="group-b"))  # same due second
    await queue.put(bulk("late", DUE + 60, key="group-b"))
    await queue.put(bulk("early", DUE - 60, key="group-c"))
    assert await drain(queue) == ["early", "A0", "B0", "A1", "B1", "A2", "A3", "late"]
    assert queue.fairness_slots == 0  # rank bookkeeping follows the queue


async def test_bulk_without_due_time_counts_as_due_when_submitted() -> None:
    queue = BulkQueue(capacity=10)
    await queue.put(bulk("now", None))
    await queue.put(bulk("long-ago", time.time() - 3600))
    await queue.put(bulk("far-future", time.time() + 3600))
    assert await drain(queue) == ["long-ago", "now", "far-future"]


async def test_deferred_item_comes_back_with_its_priority(
    autojump_clock: trio.testing.MockClock,
) -> None:
    queue = InteractiveQueue(capacity=10)
    stop = StopSignal()
    for tag in range(3):
        await queue.put(interactive(tag))
    first = await queue.get(stop)
    assert first is not None
    start = trio.current_time()
    queue.requeue(first, start + 2.0)
    assert (queue.stats().queued, queue.stats().deferred) == (3, 1)
    second = await queue.get(stop)
    assert second is not None and second.call.tag == 1
    await trio.sleep(2.0)
    again = await queue.get(stop)
    assert again is first  # its time has come and it ranks ahead of item 2


async def test_a_worker_sleeps_until_the_next_deferred_item(
    autojump_clock: trio.testing.MockClock,
) -> None:
    queue = InteractiveQueue(capacity=10)
    stop = StopSignal()
    await queue.put(interactive("x"))
    item = await queue.get(stop)
    assert item is not None
    start = trio.current_time()
    queue.requeue(item, start + 1.5)
    assert await queue.get(stop) is item
    assert trio.current_time() - start == 1.5


async def test_a_parked_worker_replans_when_an_earlier_item_is_deferred(
    autojump_clock: trio.testing.MockClock,
) -> None:
    queue = InteractiveQueue(capacity=10)
    stop = StopSignal()
    for tag in ("late", "soon"):
        await queue.put(interactive(tag))
    late, soon = await queue.get(stop), await queue.get(stop)
    assert late is not None and soon is not None
    start = trio.current_time()
    queue.requeue(late, start + 10.0)
    got: list[tuple[object, float]] = []

    async def worker() -> None:
        item = await queue.get(stop)
        assert item is not None
        got.append((item.call.tag, trio.current_time() - start))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(worker)
        await trio.testing.wait_all_tasks_blocked()
        queue.requeue(soon, start + 1.0)
    assert got == [("soon", 1.0)]


async def test_put_waits_while_full_and_a_cancelled_put_queues_nothing() -> None:
    queue = BulkQueue(capacity=2)
    stop = StopSignal()
    await queue.put(bulk("a", DUE))
    await queue.put(bulk("b", DUE))
    with pytest.raises(trio.WouldBlock):
        queue.put_nowait(bulk("x", DUE))
    with trio.CancelScope() as scope:
        scope.deadline = -math.inf
        await queue.put(bulk("cancelled", DUE))
    assert scope.cancelled_caught
    done = trio.Event()

    async def producer() -> None:
        await queue.put(bulk("c", DUE))
        done.set()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(producer)
        await trio.testing.wait_all_tasks_blocked()
        assert not done.is_set()
        assert queue.stats().waiting_submitters == 1
        item = await queue.get(stop)
        assert item is not None and item.call.tag == "a"
    assert done.is_set()
    assert await drain(queue) == ["b", "c"]
    assert queue.stats().put_total == 3
    assert queue.stats().peak == 2


async def test_requeue_ignores_the_capacity() -> None:
    queue = InteractiveQueue(capacity=1)
    stop = StopSignal()
    await queue.put(interactive("a"))
    item = await queue.get(stop)
    assert item is not None
    await queue.put(interactive("b"))
    queue.requeue(item, -math.inf)
    assert len(queue) == 2
    assert await drain(queue) == ["a", "b"]


async def test_abandoned_items_are_skipped() -> None:
    queue = InteractiveQueue(capacity=10)
    first = await queue.put(interactive("withdrawn"))
    await queue.put(interactive("kept"))
    first.abandoned = True
    assert await drain(queue) == ["kept"]


async def test_get_returns_none_once_stop_is_requested() -> None:
    queue = InteractiveQueue(capacity=10)
    stop = StopSignal()
    results: list[object] = []

    async def worker() -> None:
        results.append(await queue.get(stop))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(worker)
        nursery.start_soon(worker)
        await trio.testing.wait_all_tasks_blocked()
        stop.request()
        queue.wake_all()
    assert results == [None, None]
    await queue.put(interactive("left"))
    assert await queue.get(stop) is None  # a stopped lane takes nothing new
    assert len(queue) == 1


def test_queue_rejects_zero_capacity() -> None:
    with pytest.raises(ValueError):
        BulkQueue(capacity=0)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=5), st.sampled_from("abc")),
        min_size=1,
        max_size=60,
    )
)
def test_property_bulk_order(items: list[tuple[int, str]]) -> None:
    """Due seconds never go backwards, and inside one second no key gets its (n+1)-th item
    before every other key with an n-th item got that one."""

    async def main() -> list[Any]:
        queue = BulkQueue(capacity=100)
        for n, (due_second, key) in enumerate(items):
            await queue.put(bulk((due_second, key, n), DUE + due_second, key=key))
        return await drain(queue)

    order = trio.run(main)
    assert sorted(order, key=lambda tag: tag[2]) == sorted(
        [(s, k, n) for n, (s, k) in enumerate(items)], key=lambda tag: tag[2]
    )
    assert [tag[0] for tag in order] == sorted(tag[0] for tag in order)
    for second in {tag[0] for tag in order}:
        in_second = [tag for tag in order if tag[0] == second]
        seen: dict[str, int] = {}
        ranks = []
        for _, key, _ in in_second:
            seen[key] = seen.get(key, 0) + 1
            ranks.append(seen[key])
        assert ranks == sorted(ranks)  # round n of every key before round n + 1
        for key in {tag[1] for tag in in_second}:  # FIFO inside one key
            arrivals = [n for _, k, n in in_second if k == key]
            assert arrivals == sorted(arrivals)
