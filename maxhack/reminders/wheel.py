"""The timer wheel actor: sleeps until the earliest trigger, then fires what is due.

Level 0 is a TimerHeap of the triggers whose fan-out time falls within `horizon_s`
(refilled every `refill_s` and whenever a NOTIFY on `reminder_triggers` says a change is
near); level 1 is PostgreSQL, indexed on fire_at. One task sleeps until the earliest
deadline; firing claims every due trigger with FOR UPDATE SKIP LOCKED, inserts its
deliveries and advances it in one transaction (`store.aio_fire_due`), so any number of
replicas fire each trigger once. The new deliveries go to the deliverer.

Fan-out happens `lead_s` before the reminder is due (recipients are resolved then), and
for offsets > 0 up to `spread_s` earlier still, so the deliverer can spread a burst.

On start the actor takes back the deliveries this replica (`owner`) left pending or in
flight — a crash — and, every refill, records deliveries abandoned by a replica that
never came back (lease expired) as missed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import trio

from maxhack.bridge import aio_context, run_aio
from maxhack.reminders.planner import TRIGGERS_CHANNEL
from maxhack.reminders.stats import ReminderStats
from maxhack.reminders.store import (
    DeliveryJob,
    FireResult,
    aio_expire_abandoned,
    aio_fire_due,
    aio_recover_own,
    aio_triggers_before,
)
from maxhack.reminders.timer_heap import TimerHeap
from maxhack.runtime.stop_signal import StopSignal
from supervisors import Mailbox

log = logging.getLogger(__name__)

FIRE_BATCH = 500


class Wheel:
    def __init__(
        self,
        *,
        pool_source: Callable[[], asyncpg.Pool],
        deliver_to: Mailbox[DeliveryJob],
        stats: ReminderStats,
        owner: str,
        horizon_s: float = 600.0,
        refill_s: float = 60.0,
        lead_s: float = 2.0,
        spread_s: float = 120.0,
        grace_s: float = 600.0,
    ) -> None:
        self._pool_source = pool_source
        self._deliver_to = deliver_to
        self._stats = stats
        self.owner = owner
        self.horizon_s = horizon_s
        self.refill_s = refill_s
        self.lead_s = lead_s
        self.spread_s = spread_s
        self.grace_s = grace_s
        self.stop_signal = StopSignal()
        self._heap = TimerHeap()
        self._wake = trio.Event()
        self._refill_needed = True

    # -- deadlines ---------------------------------------------------------------------------
    def _deadline(self, offset_min: int, fire_at: datetime) -> float:
        early = self.lead_s + (self.spread_s if offset_min > 0 else 0.0)
        return fire_at.timestamp() - early

    async def _refill(self) -> None:
        began = time.perf_counter()
        until = datetime.now(UTC) + timedelta(seconds=self.horizon_s + self.spread_s)
        rows = await run_aio(_with_conn, self._pool_source(), aio_triggers_before, until)
        self._heap.replace_all([((e, o), self._deadline(o, at)) for e, o, at in rows])
        self._refill_needed = False
        self._stats.triggers_in_horizon = len(self._heap)
        self._stats.next_fire_at = self._heap.next_deadline()
        self._stats.last_refill_s = round(time.perf_counter() - began, 4)

    # -- the actor ---------------------------------------------------------------------------
    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        self.stop_signal.rearm()
        await self._recover()
        await self._refill()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._listen)
            nursery.start_soon(self._periodic_refill)
            nursery.start_soon(self._fire_loop)
            task_status.started()
            await self.stop_signal.wait()
            nursery.cancel_scope.cancel()

    async def _recover(self) -> None:
        jobs = await run_aio(_with_conn, self._pool_source(), aio_recover_own, self.owner)
        for job in jobs:
            await self._deliver_to.send(job)
        if jobs:
            log.warning(
                "resending deliveries left by a previous run",
                extra={"action": "reminders_recovered", "count": len(jobs)},
            )

    async def _periodic_refill(self) -> None:
        while True:
            await trio.sleep(self.refill_s)
            self._refill_needed = True
            expired = await run_aio(
                _with_conn, self._pool_source(), aio_expire_abandoned, datetime.now(UTC)
            )
            self._stats.missed += expired
            self._wake.set()

    async def _listen(self) -> None:
        """Turn NOTIFYs (delivered when the planner's transaction commits) into wake-ups."""
        queue: asyncio.Queue[str] = await run_aio(_new_queue)

        def on_notify(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
            queue.put_nowait(payload)

        async with aio_context(self._pool_source().acquire()) as conn:
            await run_aio(conn.add_listener, TRIGGERS_CHANNEL, on_notify)
            try:
                while True:
                    payload = await run_aio(queue.get)
                    horizon_end = time.time() + self.horizon_s + self.spread_s
                    if not payload or float(payload) < horizon_end:
                        self._refill_needed = True
                        self._wake.set()
            finally:
                with trio.CancelScope(shield=True), trio.move_on_after(2):
                    await run_aio(conn.remove_listener, TRIGGERS_CHANNEL, on_notify)

    async def _fire_loop(self) -> None:
        while True:
            self._wake = trio.Event()
            if self._refill_needed:
                await self._refill()
            deadline = self._heap.next_deadline()
            if deadline is not None and deadline <= time.time():
                await self._fire_due()
                continue
            timeout = self.refill_s if deadline is None else deadline - time.time()
            with trio.move_on_after(max(0.0, timeout)):
                await self._wake.wait()

    async def _fire_due(self) -> None:
        now = datetime.now(UTC)
        self._heap.pop_due(now.timestamp())
        while True:
            result: FireResult = await run_aio(
                _with_conn,
                self._pool_source(),
                _fire,
                now,
                timedelta(seconds=self.lead_s),
                timedelta(seconds=self.spread_s),
                timedelta(seconds=self.grace_s),
                self.owner,
            )
            self._stats.triggers_fired += result.triggers
            self._stats.missed += result.missed
            for job in result.jobs:
                await self._deliver_to.send(job)
            horizon_end = time.time() + self.horizon_s
            for fire_at in result.next_fire_at:
                if fire_at.timestamp() < horizon_end:
                    self._refill_needed = True  # a short repeat: pick it up next round
            if result.triggers < FIRE_BATCH:
                break
        self._stats.triggers_in_horizon = len(self._heap)
        self._stats.next_fire_at = self._heap.next_deadline()


async def _fire(
    conn: Any,
    now: datetime,
    lead: timedelta,
    spread: timedelta,
    grace: timedelta,
    owner: str,
) -> FireResult:
    return await aio_fire_due(
        conn, now=now, lead=lead, spread=spread, grace=grace, owner=owner, limit=FIRE_BATCH
    )


async def _with_conn(pool: asyncpg.Pool, fn: Any, *args: Any) -> Any:
    async with pool.acquire() as conn:
        return await fn(conn, *args)


async def _new_queue() -> asyncio.Queue[str]:
    return asyncio.Queue()
