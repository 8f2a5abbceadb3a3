"""Planner and fan-out on real PostgreSQL, with virtual `now` (no waiting for real time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from maxhack.bridge import run_aio
from maxhack.domain.events import EventUpdate, delete_event, update_event
from maxhack.domain.groups import delete_group
from maxhack.domain.schedule import RepeatKind
from maxhack.reminders.store import FireResult, aio_fire_due
from tests.reminders import world

GRACE = timedelta(minutes=10)
ZERO = timedelta(0)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def fire(pool: asyncpg.Pool, now: datetime, *, spread: timedelta = ZERO) -> FireResult:
    async def run() -> FireResult:
        async with pool.acquire() as conn:
            return await aio_fire_due(
                conn, now=now, lead=ZERO, spread=spread, grace=GRACE, owner="test"
            )

    return await run_aio(run)


async def q(pool: asyncpg.Pool, sql: str, *args: Any) -> list[asyncpg.Record]:
    return await run_aio(world.fetch, pool, sql, *args)


async def triggers(pool: asyncpg.Pool, event_id: int) -> list[tuple[int, datetime]]:
    rows = await q(
        pool,
        "SELECT offset_min, fire_at FROM reminder_triggers WHERE event_id = $1 ORDER BY 1",
        event_id,
    )
    return [(r["offset_min"], r["fire_at"]) for r in rows]


async def setup(pool: asyncpg.Pool, zone: str = "Europe/Berlin") -> tuple[int, int, int]:
    owner = await run_aio(world.user, pool)
    member = await run_aio(world.user, pool)
    group_id = await run_aio(world.group, pool, owner, [member], zone)
    return owner, member, group_id


async def test_daily_event_stays_at_local_time_across_berlin_dst(pool: asyncpg.Pool) -> None:
    owner, member, group_id = await setup(pool)
    start = datetime(2030, 3, 29, 10, 0)  # naive: 10:00 in the group's zone (Berlin, CET)
    event_id = await run_aio(
        world.event, pool, owner, group_id, start,
        participants=[member], offsets=[15, 0], repeat=RepeatKind.DAILY,
    )  # fmt: skip
    # The planner ran in the creating transaction, relative to the real now (2026): the
    # first occurrence is the one planned.
    assert await triggers(pool, event_id) == [
        (0, utc(2030, 3, 29, 9, 0)),
        (15, utc(2030, 3, 29, 8, 45)),
    ]
    fired = []
    now = utc(2030, 3, 29, 8, 45)
    for _ in range(6):  # three days × two offsets, firing at each due moment
        result = await fire(pool, now)
        fired.extend(result.jobs)
        upcoming = await triggers(pool, event_id)
        now = min(at for _, at in upcoming)
    due = sorted((job.due_at, job.offset_min) for job in fired)
    assert due == [
        (utc(2030, 3, 29, 8, 45), 15),
        (utc(2030, 3, 29, 9, 0), 0),
        # 2030-03-31: Berlin springs forward; 10:00 local is now 08:00 UTC.
        (utc(2030, 3, 30, 8, 45), 15),
        (utc(2030, 3, 30, 9, 0), 0),
        (utc(2030, 3, 31, 7, 45), 15),
        (utc(2030, 3, 31, 8, 0), 0),
    ]


async def test_autumn_change_and_the_reminder_text_in_the_recipients_zone(
    pool: asyncpg.Pool,
) -> None:
    owner, _, group_id = await setup(pool)
    member = await run_aio(world.user, pool, zone="Asia/Kolkata")
    await q(pool, "INSERT INTO memberships (user_id, group_id, role_id) VALUES ($1, $2, 3)",
            member, group_id)  # fmt: skip
    event_id = await run_aio(
        world.event, pool, owner, group_id, datetime(2030, 10, 26, 10, 0),
        participants=[member], repeat=RepeatKind.DAILY,
    )  # fmt: skip
    first = await fire(pool, utc(2030, 10, 26, 8, 0))  # CEST: 10:00 = 08:00 UTC
    second = await fire(pool, (await triggers(pool, event_id))[0][1])
    assert [j.due_at for j in first.jobs + second.jobs] == [
        utc(2030, 10, 26, 8, 0),
        utc(2030, 10, 27, 9, 0),  # CET after the change: still 10:00 local
    ]
    # Kolkata is UTC+05:30: 08:00 UTC is 13:30 there.
    assert "26.10.2030 (сб) в 13:30 (UTC+05:30)" in first.jobs[0].text
    assert "Начинается сейчас" in first.jobs[0].text


async def test_recipients_modes_and_reachability(pool: asyncpg.Pool) -> None:
    owner, direct, group_id = await setup(pool)
    via_tag = await run_aio(world.user, pool)
    silent_user = await run_aio(world.user, pool, mode="SILENT")
    disabled_user = await run_aio(world.user, pool, mode="DISABLE")
    muted_in_group = await run_aio(world.user, pool)
    unreachable = await run_aio(world.user, pool)
    kicked = await run_aio(world.user, pool)
    outsider = await run_aio(world.user, pool)  # holds no membership at all
    for person in (via_tag, silent_user, disabled_user, muted_in_group, unreachable, kicked):
        await q(pool, "INSERT INTO memberships (user_id, group_id, role_id) VALUES ($1, $2, 3)",
                person, group_id)  # fmt: skip
    await q(pool, "UPDATE memberships SET notify_mode = 'DISABLE' WHERE user_id = $1",
            muted_in_group)  # fmt: skip
    await q(pool, "UPDATE users SET reachable = false WHERE id = $1", unreachable)
    tag = (await q(pool, "INSERT INTO tags (group_id, name, color) VALUES ($1, 'дежурный', "
                   "'red') RETURNING id", group_id))[0]["id"]  # fmt: skip
    for holder in (via_tag, silent_user, kicked):
        await q(pool, "INSERT INTO tag_assignments (tag_id, user_id) VALUES ($1, $2)",
                tag, holder)  # fmt: skip
    start = datetime(2030, 5, 5, 12, 0)
    event_id = await run_aio(
        world.event, pool, owner, group_id, start,
        participants=[direct, disabled_user, muted_in_group, unreachable], tags=[tag],
    )  # fmt: skip
    await q(pool, "UPDATE memberships SET deleted_at = now() WHERE user_id = $1", kicked)
    del outsider
    result = await fire(pool, (await triggers(pool, event_id))[0][1])
    users = await q(pool, "SELECT id, max_id FROM users")
    by_max = {r["max_id"]: r["id"] for r in users}
    got = {by_max[job.max_user_id]: job.silent for job in result.jobs}
    assert got == {direct: False, via_tag: False, silent_user: True}


async def test_each_reminder_is_inserted_once(pool: asyncpg.Pool) -> None:
    owner, member, group_id = await setup(pool)
    event_id = await run_aio(
        world.event, pool, owner, group_id, datetime(2030, 6, 1, 9, 0), participants=[member]
    )
    due = (await triggers(pool, event_id))[0][1]
    first = await fire(pool, due)
    # Put the trigger back (as if a second replica held a stale copy) and fire again.
    await q(pool, "INSERT INTO reminder_triggers VALUES ($1, 0, $2, $2)", event_id, due)
    second = await fire(pool, due)
    assert len(first.jobs) == 1
    assert second.jobs == []
    assert len(await q(pool, "SELECT 1 FROM reminder_deliveries")) == 1
    assert await triggers(pool, event_id) == []  # a one-off event has nothing left


async def test_catch_up_within_grace_then_missed(pool: asyncpg.Pool) -> None:
    owner, member, group_id = await setup(pool)
    soon = await run_aio(
        world.event, pool, owner, group_id, datetime(2030, 7, 1, 9, 0),
        participants=[member], duration_min=60,
    )  # fmt: skip
    late = await run_aio(
        world.event, pool, owner, group_id, datetime(2030, 7, 2, 9, 0),
        participants=[member], duration_min=60,
    )  # fmt: skip
    over = await run_aio(
        world.event, pool, owner, group_id, datetime(2030, 7, 3, 9, 0),
        participants=[member], duration_min=5, offsets=[0],
    )  # fmt: skip
    soon_due = (await triggers(pool, soon))[0][1]
    late_due = (await triggers(pool, late))[0][1]
    over_due = (await triggers(pool, over))[0][1]
    a = await fire(pool, soon_due + timedelta(minutes=9))  # late by 9 min < grace: sent
    b = await fire(pool, late_due + timedelta(minutes=11))  # beyond the grace: missed
    c = await fire(pool, over_due + timedelta(minutes=6))  # event over (5 min): missed
    assert (len(a.jobs), a.missed) == (1, 0)
    assert (len(b.jobs), b.missed) == (0, 1)
    assert (len(c.jobs), c.missed) == (0, 1)
    statuses = await q(pool, "SELECT event_id, status FROM reminder_deliveries ORDER BY id")
    assert [(r["event_id"], r["status"]) for r in statuses] == [
        (soon, "pending"), (late, "missed"), (over, "missed"),
    ]  # fmt: skip


async def test_edits_and_deletes_replan(pool: asyncpg.Pool) -> None:
    owner, member, group_id = await setup(pool, zone="Europe/Moscow")
    event_id = await run_aio(
        world.event, pool, owner, group_id, datetime(2030, 8, 1, 9, 0),
        participants=[member], offsets=[60],
    )  # fmt: skip
    assert await triggers(pool, event_id) == [(60, utc(2030, 8, 1, 5, 0))]

    async def edit(update: EventUpdate) -> None:
        async with pool.acquire() as conn, conn.transaction():
            await update_event(conn, owner, event_id, update)

    await run_aio(edit, EventUpdate(reminder_offsets=[30, 0]))
    assert await triggers(pool, event_id) == [
        (0, utc(2030, 8, 1, 6, 0)),
        (30, utc(2030, 8, 1, 5, 30)),
    ]

    async def remove_event() -> None:
        async with pool.acquire() as conn, conn.transaction():
            await delete_event(conn, owner, event_id)

    await run_aio(remove_event)
    assert await triggers(pool, event_id) == []

    second = await run_aio(
        world.event, pool, owner, group_id, datetime(2030, 9, 1, 9, 0), participants=[member]
    )
    assert await triggers(pool, second)

    async def remove_group() -> None:
        async with pool.acquire() as conn, conn.transaction():
            await delete_group(conn, owner, group_id)

    await run_aio(remove_group)
    assert await triggers(pool, second) == []


async def test_spread_fans_out_early_only_for_offsets_above_zero(pool: asyncpg.Pool) -> None:
    owner, member, group_id = await setup(pool)
    at_start = await run_aio(
        world.event, pool, owner, group_id, datetime(2030, 4, 1, 12, 0), participants=[member]
    )
    before = await run_aio(
        world.event, pool, owner, group_id, datetime(2030, 4, 1, 12, 30),
        participants=[member], offsets=[30],
    )  # fmt: skip
    due = (await triggers(pool, at_start))[0][1]
    assert (await triggers(pool, before))[0][1] == due
    result = await fire(pool, due - timedelta(seconds=60), spread=timedelta(seconds=120))
    assert [job.event_id for job in result.jobs] == [before]
