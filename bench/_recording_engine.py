"""The reminder engine up to the sender, for benchmarks: writer, deliverer and wheel on a
database, with the sender replaced by a recorder of hand-over times (no MAX calls)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import trio
import trio_asyncio

from maxhack.bridge import run_aio
from maxhack.db.writer import DbWriter
from maxhack.reminders.deliverer import Deliverer
from maxhack.reminders.stats import ReminderStats
from maxhack.reminders.wheel import Wheel


class RecordingSender:
    """Stands in for the sender: records (hand-over time − due time) of each reminder."""

    class _Lane:
        queued = 0
        in_flight = 0

    def __init__(self) -> None:
        self.lateness: list[float] = []

    def stats(self) -> Any:
        return type("SenderStats", (), {"bulk": self._Lane()})()

    async def submit(self, call: Any) -> None:
        self.lateness.append(time.time() - call.due_at)


def run_recording_engine(
    url: str, expected: int, during: Callable[[ReminderStats], Awaitable[None]] | None = None
) -> list[float]:
    """Run until `expected` reminders were handed over (or `during` returns, if given a
    deadline of its own); return their lateness in seconds."""
    sender = RecordingSender()

    async def main() -> None:
        async with trio_asyncio.open_loop():
            pool = await run_aio(asyncpg.create_pool, url, min_size=2, max_size=4)
            stats = ReminderStats()
            writer = DbWriter(lambda: pool)
            deliverer = Deliverer(
                sender=sender,  # type: ignore[arg-type]
                writer=writer, stats=stats, rate_per_s=25, spread_s=120, grace_s=600,
            )  # fmt: skip
            wheel = Wheel(pool_source=lambda: pool, deliver_to=deliverer.inbox, stats=stats,
                          owner="bench")  # fmt: skip
            async with trio.open_nursery() as nursery:
                for actor in (writer, deliverer, wheel):
                    await nursery.start(actor.run)
                if during is not None:
                    await during(stats)
                while len(sender.lateness) < expected:  # noqa: ASYNC110 - a bench poll
                    await trio.sleep(0.5)
                nursery.cancel_scope.cancel()
            await run_aio(pool.close)

    trio.run(main)
    return sender.lateness
