"""The db writer actor: commits write requests in batches, one bridge crossing per batch.

Producers call `write()` (wait for the commit) or `submit()` (fire and forget, returning a
ticket); `submit_many()` / `write_many()` queue many rows of one statement as one request.
Requests queue in a bounded mailbox, so producers slow down when Postgres does
(back-pressure). The actor takes whatever is queued (up to `batch_max`), runs consecutive
requests with the same statement as one `executemany`, all inside one transaction, in a
single asyncio coroutine: one trio→asyncio crossing per batch instead of one per row.

Failure semantics:
- Connection lost: the batch stays with the actor and the actor raises, so its supervisor
  restarts it with backoff; the next run commits that batch first. Nothing is lost and
  waiting producers are only delayed.
- A statement error (constraint violation, bad SQL): the batch is rolled back and its
  requests are retried one transaction each, so only the bad requests fail (their tickets
  carry the error) and the good ones commit.
While idle the actor pings its connection every `idle_ping_s`, so an outage is noticed
(and reported through restarts) even with no traffic.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import trio

from maxhack.bridge import aio_context, run_aio
from maxhack.db.errors import is_connection_error
from maxhack.runtime.stop_signal import StopSignal
from supervisors import Mailbox

log = logging.getLogger(__name__)

IDLE_PING_S = 1.0
LATENCY_WINDOW = 256  # batches kept for the latency percentiles


class WriteFailed(Exception):
    """The statement of one write request failed; `__cause__` is the Postgres error."""


@dataclass(eq=False)
class WriteTicket:
    """One queued write (one or more rows of one statement). `wait()` returns once it is
    committed, or raises `WriteFailed`."""

    statement: str
    rows: list[tuple[Any, ...]]
    _done: trio.Event = field(default_factory=trio.Event, repr=False)
    error: BaseException | None = None

    @property
    def done(self) -> bool:
        return self._done.is_set()

    async def wait(self) -> None:
        await self._done.wait()
        if self.error is not None:
            raise WriteFailed(str(self.error)) from self.error

    def _settle(self, error: BaseException | None = None) -> None:
        self.error = error
        self._done.set()


@dataclass(frozen=True)
class WriterStats:
    batches: int
    rows_committed: int
    rows_failed: int
    last_batch_size: int
    max_batch_size: int
    batch_latency_p50_ms: float | None
    batch_latency_p99_ms: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "batches": self.batches,
            "rowsCommitted": self.rows_committed,
            "rowsFailed": self.rows_failed,
            "lastBatchSize": self.last_batch_size,
            "maxBatchSize": self.max_batch_size,
            "batchLatencyP50Ms": self.batch_latency_p50_ms,
            "batchLatencyP99Ms": self.batch_latency_p99_ms,
        }


class DbWriter:
    """See the module docstring. `pool_source` returns the live pool of the resources actor."""

    def __init__(
        self,
        pool_source: Callable[[], asyncpg.Pool],
        *,
        inbox_size: int = 20_000,
        batch_max: int = 2_000,
    ) -> None:
        self._pool_source = pool_source
        self.inbox: Mailbox[WriteTicket] = Mailbox("db_writer", inbox_size)
        self.batch_max = batch_max
        self.stop_signal = StopSignal()
        # A batch whose commit was cut off by a lost connection; retried first on restart.
        self._unfinished: list[WriteTicket] = []
        self._batches = 0
        self._rows_committed = 0
        self._rows_failed = 0
        self._last_batch = 0
        self._max_batch = 0
        self._latencies_s: deque[float] = deque(maxlen=LATENCY_WINDOW)

    # -- producer side -------------------------------------------------------------------
    async def submit(self, statement: str, *args: Any) -> WriteTicket:
        """Queue one write; blocks while the inbox is full. Returns its ticket."""
        return await self.submit_many(statement, [args])

    async def submit_many(self, statement: str, rows: Sequence[tuple[Any, ...]]) -> WriteTicket:
        """Queue many rows of one statement as one request (committed all or none)."""
        ticket = WriteTicket(statement, list(rows))
        await self.inbox.send(ticket)
        return ticket

    async def write_many(self, statement: str, rows: Sequence[tuple[Any, ...]]) -> None:
        ticket = await self.submit_many(statement, rows)
        await ticket.wait()

    async def write(self, statement: str, *args: Any) -> None:
        """Queue one write and wait until it is committed (raises `WriteFailed`)."""
        ticket = await self.submit(statement, *args)
        await ticket.wait()

    def stats(self) -> WriterStats:
        latencies = sorted(self._latencies_s)
        return WriterStats(
            batches=self._batches,
            rows_committed=self._rows_committed,
            rows_failed=self._rows_failed,
            last_batch_size=self._last_batch,
            max_batch_size=self._max_batch,
            batch_latency_p50_ms=_percentile_ms(latencies, 0.50),
            batch_latency_p99_ms=_percentile_ms(latencies, 0.99),
        )

    # -- the actor -------------------------------------------------------------------------
    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Commit batches until a soft stop, then commit what is already queued and return."""
        self.stop_signal.rearm()
        async with aio_context(self._pool_source().acquire()) as conn:
            await run_aio(conn.fetchval, "SELECT 1")
            task_status.started()
            if self._unfinished:
                await self._commit(conn, self._unfinished)
            while not self.stop_signal.requested:
                batch = await self._next_batch(conn)
                if batch:
                    await self._commit(conn, batch)
            # Soft stop: drain what producers already queued, without waiting for more.
            while batch := self._take_queued([]):
                await self._commit(conn, batch)

    async def _next_batch(self, conn: Any) -> list[WriteTicket]:
        """Wait for the first request (pinging while idle), then take what else is queued."""
        with trio.move_on_after(IDLE_PING_S):
            async with trio.open_nursery() as nursery:
                first: list[WriteTicket] = []

                async def receive_first() -> None:
                    first.append(await self.inbox.receive())
                    nursery.cancel_scope.cancel()

                async def until_stop() -> None:
                    await self.stop_signal.wait()
                    nursery.cancel_scope.cancel()

                nursery.start_soon(receive_first)
                nursery.start_soon(until_stop)
            return self._take_queued(first)
        await run_aio(conn.fetchval, "SELECT 1")  # idle: make an outage visible
        return []

    def _take_queued(self, batch: list[WriteTicket]) -> list[WriteTicket]:
        while len(batch) < self.batch_max:
            try:
                batch.append(self.inbox.receive_nowait())
            except trio.WouldBlock:
                break
        return batch

    async def _commit(self, conn: Any, batch: list[WriteTicket]) -> None:
        self._unfinished = batch
        started = trio.current_time()
        try:
            await run_aio(_execute_batch, conn, _group_consecutive(batch))
        except Exception as exc:
            if is_connection_error(exc):
                log.warning(
                    "db writer lost its connection; batch kept for retry",
                    extra={"action": "db_writer_conn_lost", "batch": len(batch)},
                )
                raise
            await self._commit_one_by_one(conn, batch)
        else:
            for ticket in batch:
                ticket._settle()
            self._rows_committed += sum(len(ticket.rows) for ticket in batch)
        self._unfinished = []
        self._batches += 1
        self._last_batch = sum(len(ticket.rows) for ticket in batch)
        self._max_batch = max(self._max_batch, self._last_batch)
        self._latencies_s.append(trio.current_time() - started)

    async def _commit_one_by_one(self, conn: Any, batch: list[WriteTicket]) -> None:
        """Isolate the failing requests of a batch whose statement failed."""
        for ticket in batch:
            try:
                await run_aio(_execute_batch, conn, [(ticket.statement, ticket.rows)])
            except Exception as exc:
                if is_connection_error(exc):
                    raise
                self._rows_failed += len(ticket.rows)
                log.error(
                    "write failed",
                    extra={"action": "db_write_failed", "error": str(exc)[:200]},
                )
                ticket._settle(exc)
            else:
                self._rows_committed += len(ticket.rows)
                ticket._settle()


def _group_consecutive(batch: Sequence[WriteTicket]) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """Runs of the same statement become one executemany; order between runs is kept."""
    groups: list[tuple[str, list[tuple[Any, ...]]]] = []
    for ticket in batch:
        if groups and groups[-1][0] == ticket.statement:
            groups[-1][1].extend(ticket.rows)
        else:
            groups.append((ticket.statement, list(ticket.rows)))
    return groups


async def _execute_batch(conn: Any, groups: list[tuple[str, list[tuple[Any, ...]]]]) -> None:
    """asyncio side of one crossing: the whole batch in one transaction."""
    async with conn.transaction():
        for statement, rows in groups:
            await conn.executemany(statement, rows)


def _percentile_ms(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of an ascending list, in milliseconds."""
    if not sorted_values:
        return None
    rank = min(len(sorted_values) - 1, int(q * len(sorted_values)))
    return round(sorted_values[rank] * 1000, 3)
