"""Rows/s through the db writer actor (trio → bridge → asyncpg), against baselines.

Same run, same table, same rows:
- writer:        DbWriter actor, 8 concurrent trio producers submitting one row each,
                 batches of up to 2000 requests
- writer bulk:   the same, producers submitting 100 rows per request (submit_many)
- native:        plain asyncio + asyncpg executemany in batches of 2000 (no bridge)
- bridge-per-row: one bridged INSERT per row (what the writer exists to avoid)
Prints the median of RUNS runs for each and the ratios. Usage:
    python -m bench.db_writer [--rows 50000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import asyncpg
import trio
import trio_asyncio

from bench._services import postgres_url
from maxhack.bridge import run_aio
from maxhack.db.writer import DbWriter

INSERT = "INSERT INTO bench_rows (n, label) VALUES ($1, $2)"
PRODUCERS = 8
BATCH = 2000


async def _reset(pool: asyncpg.Pool) -> None:
    await pool.execute(
        "CREATE TABLE IF NOT EXISTS bench_rows (id bigserial PRIMARY KEY, n int, label text)"
    )
    await pool.execute("TRUNCATE bench_rows")


async def writer_run(pool: asyncpg.Pool, rows: int, per_request: int = 1) -> float:
    """8 producers queue `rows` rows, `per_request` rows per write request."""
    await run_aio(_reset, pool)
    writer = DbWriter(lambda: pool, inbox_size=20_000, batch_max=max(1, BATCH // per_request))
    async with trio.open_nursery() as nursery:
        await nursery.start(writer.run)
        began = time.perf_counter()

        async def produce(offset: int) -> None:
            mine = list(range(offset, rows, PRODUCERS))
            tickets = [
                await writer.submit_many(
                    INSERT, [(n, f"row {n}") for n in mine[i : i + per_request]]
                )
                for i in range(0, len(mine), per_request)
            ]
            await tickets[-1].wait()

        async with trio.open_nursery() as producers:
            for offset in range(PRODUCERS):
                producers.start_soon(produce, offset)
        elapsed = time.perf_counter() - began
        writer.stop_signal.request()
    count = await run_aio(pool.fetchval, "SELECT count(*) FROM bench_rows")
    assert count == rows, (count, rows)
    return rows / elapsed


async def bridge_per_row_run(pool: asyncpg.Pool, rows: int) -> float:
    await run_aio(_reset, pool)
    began = time.perf_counter()
    for n in range(rows):
        await run_aio(pool.execute, INSERT, n, f"row {n}")
    return rows / (time.perf_counter() - began)


def native_run(url: str, rows: int) -> float:
    async def body() -> float:
        pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
        try:
            await _reset(pool)
            began = time.perf_counter()
            async with pool.acquire() as conn:
                for start in range(0, rows, BATCH):
                    chunk = [(n, f"row {n}") for n in range(start, min(rows, start + BATCH))]
                    async with conn.transaction():
                        await conn.executemany(INSERT, chunk)
            return rows / (time.perf_counter() - began)
        finally:
            await pool.close()

    return asyncio.run(body())


async def bridged_runs(
    url: str, rows: int, runs: int
) -> tuple[list[float], list[float], list[float]]:
    async with trio_asyncio.open_loop():
        pool = await run_aio(asyncpg.create_pool, url, min_size=2, max_size=4)
        try:
            writer = [await writer_run(pool, rows) for _ in range(runs)]
            bulk = [await writer_run(pool, rows, per_request=100) for _ in range(runs)]
            per_row = [await bridge_per_row_run(pool, max(1000, rows // 20)) for _ in range(runs)]
        finally:
            await run_aio(pool.close)
    return writer, bulk, per_row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with postgres_url() as url:
        writer, bulk, per_row = trio.run(bridged_runs, url, args.rows, args.runs)
        native = [native_run(url, args.rows) for _ in range(args.runs)]
    w, n, p = statistics.median(writer), statistics.median(native), statistics.median(per_row)
    b = statistics.median(bulk)
    print(f"rows per run: {args.rows}, runs: {args.runs}, producers: {PRODUCERS}")
    print(f"db writer (trio, bridged, batched)   median {w:10.0f} rows/s")
    print(f"db writer, 100 rows per request      median {b:10.0f} rows/s")
    print(f"native asyncio executemany baseline  median {n:10.0f} rows/s")
    print(f"bridge, one INSERT per row           median {p:10.0f} rows/s")
    print(
        f"ratio writer/native: {w / n:.2f}   bulk/native: {b / n:.2f}   "
        f"writer/per-row: {w / p:.1f}x"
    )


if __name__ == "__main__":
    main()
