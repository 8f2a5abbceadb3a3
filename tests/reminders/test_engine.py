"""The whole engine in one trio run: wheel → deliverer → sender → MAX emulator (real HTTP),
real PostgreSQL, real time (reminders due a few seconds ahead)."""

from __future__ import annotations

import math
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
import trio

from maxhack.bridge import run_aio
from maxhack.db.writer import DbWriter
from maxhack.max import MaxClient, MaxClientConfig
from maxhack.max.emulator import Emulator, EmulatorConfig
from maxhack.reminders.deliverer import Deliverer
from maxhack.reminders.stats import ReminderStats
from maxhack.reminders.wheel import Wheel
from maxhack.sender import Sender
from tests.reminders import world

TOKEN = "reminder-test-token"


@dataclass
class Engine:
    emulator: Emulator
    pool: asyncpg.Pool
    stats: ReminderStats
    wheel: Wheel


@pytest.fixture
async def emulator(nursery: trio.Nursery) -> Emulator:
    emulator = Emulator(EmulatorConfig(token=TOKEN))
    await nursery.start(emulator.serve)
    return emulator


async def _users_known_to_emulator(pool: asyncpg.Pool, emulator: Emulator) -> None:
    for row in await run_aio(world.fetch, pool, "SELECT max_id FROM users"):
        emulator.user_starts_bot(row["max_id"])


@pytest.fixture
async def engine(pool: asyncpg.Pool, emulator: Emulator) -> AsyncIterator[Engine]:
    assert emulator.url is not None
    holder: list[MaxClient] = []
    sender = Sender(lambda: holder[0], rate_per_s=math.inf, chat_rate_per_s=math.inf)
    holder.append(
        MaxClient(
            MaxClientConfig(token=TOKEN, base_url=emulator.url),
            attempt_gate=sender.attempt_gate(),
            rng=random.Random(1),
        )
    )
    writer = DbWriter(lambda: pool)
    stats = ReminderStats()
    deliverer = Deliverer(
        sender=sender, writer=writer, stats=stats, rate_per_s=1000, spread_s=120, grace_s=600
    )
    wheel = Wheel(
        pool_source=lambda: pool,
        deliver_to=deliverer.inbox,
        stats=stats,
        owner="replica-a",
        lead_s=1.0,
        refill_s=5.0,
    )
    async with trio.open_nursery() as nursery:
        for actor in (writer, sender, deliverer, wheel):
            await nursery.start(actor.run)
        yield Engine(emulator, pool, stats, wheel)
        wheel.stop_signal.request()
        deliverer.stop_signal.request()
        sender.stop()
        writer.stop_signal.request()
    await holder[0].aclose()


async def _wait_statuses(pool: asyncpg.Pool, count: int, timeout_s: float = 20) -> list[str]:
    with trio.fail_after(timeout_s):
        while True:
            rows = await run_aio(world.fetch, pool, "SELECT status FROM reminder_deliveries")
            if len(rows) >= count and all(r["status"] in ("sent", "failed") for r in rows):
                return sorted(r["status"] for r in rows)
            await trio.sleep(0.1)


async def test_reminders_arrive_on_time_with_answer_buttons(engine: Engine) -> None:
    pool, emulator = engine.pool, engine.emulator
    owner = await run_aio(world.user, pool)
    members = [await run_aio(world.user, pool) for _ in range(3)]
    group_id = await run_aio(world.group, pool, owner, members, "Europe/Moscow")
    await _users_known_to_emulator(pool, emulator)
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=4)
    await run_aio(
        world.event, pool, owner, group_id, due, participants=members, title="Смена"
    )  # created after the wheel started: the NOTIFY brings it into the horizon
    assert await _wait_statuses(pool, 3) == ["sent"] * 3
    sends = emulator.requests(method="POST", path="/messages")
    assert len(sends) == 3
    rows = await run_aio(
        world.fetch, pool, "SELECT max_user_id, max_message_id FROM reminder_deliveries"
    )
    for row in rows:
        (message,) = emulator.bot_messages_to(row["max_user_id"])
        assert message.mid == row["max_message_id"]
        assert "Смена" in (message.text or "")
        keyboard = message.attachments[0]["payload"]["buttons"]
        assert [b[0]["text"] for b in keyboard] == ["✅ Буду", "🤷 Не уверен", "❌ Не смогу"]
        assert keyboard[0][0]["payload"].startswith("a1:")
    # On time: never before the due time (offset 0) and well within a second after it.
    # The emulator logs monotonic time; it runs in this process, so shift it to wall time.
    wall_offset = time.time() - time.monotonic()
    lateness = [r.started_at + wall_offset - due.timestamp() for r in sends]
    assert all(0 <= late < 0.5 for late in lateness), lateness
    p50, _ = engine.stats.lag_percentiles()
    assert p50 is not None and 0 <= p50 < 0.5


async def test_unfinished_deliveries_of_this_replica_are_resent_after_a_restart(
    engine: Engine,
) -> None:
    pool, emulator = engine.pool, engine.emulator
    owner = await run_aio(world.user, pool)
    member = await run_aio(world.user, pool)
    group_id = await run_aio(world.group, pool, owner, [member], "Europe/Moscow")
    await _users_known_to_emulator(pool, emulator)
    event_id = await run_aio(
        world.event, pool, owner, group_id, datetime(2030, 1, 1, 9), participants=[member]
    )
    # A previous run of this replica crashed with one delivery in flight ('sending').
    rows = await run_aio(world.fetch, pool, "SELECT max_id FROM users WHERE id = $1", member)
    max_id = rows[0]["max_id"]
    now = datetime.now(UTC)
    await run_aio(
        world.fetch,
        pool,
        "INSERT INTO reminder_deliveries (event_id, occurrence_at, offset_min, user_id, group_id, "
        "max_user_id, due_at, occurrence_end, text, status, owner, lease_until) "
        "VALUES ($1, $2::timestamptz, 0, $3, $4, $5, $2, $2 + interval '1 hour', 'Напоминание', "
        "'sending', "
        "'replica-a', $2::timestamptz + interval '10 minutes')",
        event_id, now, member, group_id, max_id,
    )  # fmt: skip
    engine.wheel.stop_signal.request()  # the supervisor would restart it: do it by hand
    async with trio.open_nursery() as nursery:
        await nursery.start(engine.wheel.run)
        assert await _wait_statuses(pool, 1) == ["sent"]
        engine.wheel.stop_signal.request()
    assert len(emulator.bot_messages_to(max_id)) == 1
