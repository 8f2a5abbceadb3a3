"""The planner: an event's trigger rows, written in the transaction that changed the event.

For each reminder offset the trigger holds the next occurrence whose reminder time
(occurrence − offset) is not in the past; editing the schedule, zone or offsets replaces
them at once (past reminders are untouched: they were fanned out already). A deleted event,
or an event of a deleted group, keeps no trigger and no unsent delivery. Every change
NOTIFYs `reminder_triggers` (delivered on commit) so the timer wheels of all replicas
pick it up without waiting for their next refill.

All functions are asyncio coroutines running on a connection inside a transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from maxhack.domain.models import schedule_from_row
from maxhack.domain.occurrences import next_occurrence
from maxhack.domain.schedule import Schedule

TRIGGERS_CHANNEL = "reminder_triggers"

_EVENT = """
SELECT e.id, e.starts_at, e.time_zone, e.repeat, e.repeat_interval, e.repeat_until,
       e.repeat_count, e.duration_min, e.reminder_offsets
FROM events e JOIN groups g ON g.id = e.group_id
WHERE e.id = $1 AND e.deleted_at IS NULL AND g.deleted_at IS NULL
"""


def next_trigger(schedule: Schedule, offset_min: int, not_before: datetime) -> datetime | None:
    """The occurrence whose reminder (occurrence − offset) is the first at/after `not_before`."""
    return next_occurrence(schedule, not_before + timedelta(minutes=offset_min), inclusive=True)


def plan_rows(
    event_id: int, schedule: Schedule, offsets: Sequence[int], now: datetime
) -> list[tuple[int, int, datetime, datetime]]:
    rows = []
    for offset in offsets:
        occurrence = next_trigger(schedule, offset, now)
        if occurrence is not None:
            rows.append((event_id, offset, occurrence, occurrence - timedelta(minutes=offset)))
    return rows


async def plan_event(conn: Any, event_id: int, *, now: datetime | None = None) -> None:
    """Replace the event's triggers with the plan for its current state."""
    now = now or datetime.now(UTC)
    await conn.execute("DELETE FROM reminder_triggers WHERE event_id = $1", event_id)
    row = await conn.fetchrow(_EVENT, event_id)
    if row is None:  # deleted event or group: nothing may be sent any more
        await conn.execute(
            "DELETE FROM reminder_deliveries WHERE event_id = $1 AND status = 'pending'", event_id
        )
        await _notify(conn, None)
        return
    rows = plan_rows(event_id, schedule_from_row(row), row["reminder_offsets"], now)
    if rows:
        await conn.executemany(
            "INSERT INTO reminder_triggers (event_id, offset_min, occurrence_at, fire_at) "
            "VALUES ($1, $2, $3, $4)",
            rows,
        )
    await _notify(conn, min((r[3] for r in rows), default=None))


async def unplan_deleted_group(conn: Any, group_id: int) -> None:
    """After a group change: if the group is deleted, drop its events' triggers."""
    deleted = await conn.fetchval(
        "SELECT deleted_at IS NOT NULL FROM groups WHERE id = $1", group_id
    )
    if not deleted:
        return  # recipients are resolved when a reminder fires: nothing to re-plan
    await conn.execute(
        "DELETE FROM reminder_triggers t USING events e "
        "WHERE t.event_id = e.id AND e.group_id = $1",
        group_id,
    )
    await conn.execute(
        "DELETE FROM reminder_deliveries WHERE group_id = $1 AND status = 'pending'", group_id
    )
    await _notify(conn, None)


async def _notify(conn: Any, fire_at: datetime | None) -> None:
    payload = "" if fire_at is None else f"{fire_at.timestamp():.3f}"
    await conn.execute("SELECT pg_notify($1, $2)", TRIGGERS_CHANNEL, payload)
