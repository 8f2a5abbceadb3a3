"""The db writer actor against real PostgreSQL through the trio-asyncio bridge."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
import trio

from maxhack.bridge import run_aio
from maxhack.db.writer import DbWriter, WriteFailed
from supervisors import Backoff, ChildSpec, Supervisor

INSERT = "INSERT INTO writer_rows (n) VALUES ($1)"
FAST_BACKOFF = Backoff(initial=0.05, maximum=0.2, jitter="none")


async def _prepare(pool: asyncpg.Pool) -> None:
    await pool.execute("CREATE TABLE writer_rows (n int PRIMARY KEY)")
    await pool.execute("CREATE SEQUENCE kill_once")


@pytest.fixture
async def pool(aio: None, database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await run_aio(asyncpg.create_pool, database_url, min_size=1, max_size=4)
    await run_aio(_prepare, pool)
    yield pool
    await run_aio(pool.close)


async def _rows(pool: asyncpg.Pool) -> list[int]:
    records = await run_aio(pool.fetch, "SELECT n FROM writer_rows ORDER BY n")
    return [r["n"] for r in records]


def _supervised(writer: DbWriter) -> Supervisor:
    return Supervisor(
        "db",
        [
            ChildSpec(
                id="db_writer",
                start=writer.run,
                stop=writer.stop_signal.request,
                backoff=FAST_BACKOFF,
                mailboxes=(writer.inbox,),
            )
        ],
    )


async def test_concurrent_writes_commit_in_batches(pool: asyncpg.Pool) -> None:
    writer = DbWriter(lambda: pool, inbox_size=10_000, batch_max=500)
    sup = _supervised(writer)
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)

        async def produce(offset: int) -> None:
            tickets = [await writer.submit(INSERT, n) for n in range(offset, 4000, 4)]
            for ticket in tickets:
                await ticket.wait()

        async with trio.open_nursery() as producers:
            for offset in range(4):
                producers.start_soon(produce, offset)
        sup.stop()

    assert await _rows(pool) == list(range(4000))
    stats = writer.stats()
    assert stats.rows_committed == 4000
    assert stats.rows_failed == 0
    assert 1 < stats.max_batch_size <= 500
    assert stats.batches < 4000  # batched, not one transaction per row
    assert stats.batch_latency_p50_ms is not None


async def test_full_inbox_makes_producers_wait(pool: asyncpg.Pool) -> None:
    writer = DbWriter(lambda: pool, inbox_size=3, batch_max=100)
    for n in range(3):
        await writer.submit(INSERT, n)
    with trio.move_on_after(0.2) as waited:
        await writer.submit(INSERT, 3)
    assert waited.cancelled_caught  # back-pressure: the 4th send blocks
    assert writer.inbox.stats().used == 3

    sup = _supervised(writer)
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        await writer.write(INSERT, 3)
        sup.stop()
    assert await _rows(pool) == [0, 1, 2, 3]


async def test_a_bad_request_fails_alone(pool: asyncpg.Pool) -> None:
    writer = DbWriter(lambda: pool)
    tickets = [await writer.submit(INSERT, n) for n in (1, 2, 2, 3)]
    sup = _supervised(writer)
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        await tickets[0].wait()
        await tickets[1].wait()
        with pytest.raises(WriteFailed) as failed:
            await tickets[2].wait()
        await tickets[3].wait()
        sup.stop()
    assert isinstance(failed.value.__cause__, asyncpg.UniqueViolationError)
    assert await _rows(pool) == [1, 2, 3]
    assert writer.stats().rows_failed == 1
    assert writer.stats().rows_committed == 3


async def test_lost_connection_restarts_and_retries_the_batch(pool: asyncpg.Pool) -> None:
    writer = DbWriter(lambda: pool)
    # The middle request kills the writer's own connection, but only the first time
    # (sequences are not transactional), so the retried batch succeeds.
    kill_once = (
        "SELECT CASE WHEN nextval('kill_once') = 1 "
        "THEN pg_terminate_backend(pg_backend_pid()) END WHERE $1::int IS NOT NULL"
    )
    tickets = [
        await writer.submit(INSERT, 1),
        await writer.submit(kill_once, 0),
        await writer.submit(INSERT, 2),
    ]
    sup = _supervised(writer)
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        for ticket in tickets:
            with trio.fail_after(10):
                await ticket.wait()
        snapshot = sup.tree()
        sup.stop()
    assert await _rows(pool) == [1, 2]
    writer_child = snapshot.children[0]
    assert writer_child.restart_count == 1
    assert writer_child.last_error is not None


async def test_idle_writer_notices_a_dead_connection(pool: asyncpg.Pool) -> None:
    writer = DbWriter(lambda: pool)
    sup = _supervised(writer)
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        await run_aio(
            pool.execute,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE pid <> pg_backend_pid() AND datname = current_database() "
            "AND state = 'idle'",
        )
        with trio.fail_after(10):
            while sup.tree().children[0].restart_count == 0:  # noqa: ASYNC110 - polling a snapshot
                await trio.sleep(0.05)
        await writer.write(INSERT, 7)
        sup.stop()
    assert await _rows(pool) == [7]


async def test_many_rows_in_one_request(pool: asyncpg.Pool) -> None:
    writer = DbWriter(lambda: pool, batch_max=10)
    sup = _supervised(writer)
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        await writer.write_many(INSERT, [(n,) for n in range(250)])
        with pytest.raises(WriteFailed):  # all-or-none: one duplicate fails the request
            await writer.write_many(INSERT, [(1000,), (0,)])
        sup.stop()
    assert await _rows(pool) == list(range(250))
    assert writer.stats().rows_committed == 250
    assert writer.stats().rows_failed == 2
