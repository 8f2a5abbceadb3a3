"""SQL of the reminder engine. Every `aio_*` function is an asyncio coroutine: one bridge
crossing each, one transaction each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from maxhack.domain.models import schedule_from_row
from maxhack.domain.occurrences import next_occurrence
from maxhack.reminders.answers import answer_keyboard
from maxhack.reminders.texts import ReminderFacts, reminder_text


@dataclass(frozen=True)
class DeliveryJob:
    """One reminder to one person, durable in reminder_deliveries."""

    id: int
    event_id: int
    occurrence_at: datetime
    offset_min: int
    group_id: int
    max_user_id: int
    due_at: datetime
    occurrence_end: datetime
    silent: bool
    text: str

    def keyboard(self) -> Any:
        return answer_keyboard(self.event_id, self.occurrence_at)


_DUE_TRIGGERS = """
SELECT t.event_id, t.offset_min, t.occurrence_at, t.fire_at,
       e.group_id, e.title, e.description, e.starts_at, e.time_zone, e.repeat,
       e.repeat_interval, e.repeat_until, e.repeat_count, e.duration_min, g.name AS group_name
FROM reminder_triggers t
JOIN events e ON e.id = t.event_id
JOIN groups g ON g.id = e.group_id
WHERE t.fire_at <= $1 AND (t.offset_min > 0 OR t.fire_at <= $2)
ORDER BY t.fire_at
LIMIT $3
FOR UPDATE OF t SKIP LOCKED
"""

# Recipients: direct participants ∪ holders of the event's tags, among current members,
# reachable, with both notification modes (DISABLE at either level → no reminder).
_RECIPIENTS = """
WITH ev AS (SELECT id, group_id FROM events WHERE id = ANY($1::bigint[])),
candidates AS (
    SELECT p.event_id, p.user_id FROM event_participants p JOIN ev ON ev.id = p.event_id
    WHERE p.deleted_at IS NULL
    UNION
    SELECT et.event_id, ta.user_id FROM event_tags et
    JOIN ev ON ev.id = et.event_id
    JOIN tags t ON t.id = et.tag_id AND t.deleted_at IS NULL
    JOIN tag_assignments ta ON ta.tag_id = t.id AND ta.deleted_at IS NULL
    WHERE et.deleted_at IS NULL
)
SELECT c.event_id, u.id AS user_id, u.max_id, u.time_zone,
       (u.notify_mode = 'SILENT' OR m.notify_mode = 'SILENT') AS silent
FROM candidates c
JOIN ev ON ev.id = c.event_id
JOIN memberships m ON m.user_id = c.user_id AND m.group_id = ev.group_id AND m.deleted_at IS NULL
JOIN users u ON u.id = c.user_id
WHERE u.reachable AND u.notify_mode <> 'DISABLE' AND m.notify_mode <> 'DISABLE'
"""

_INSERT_DELIVERIES = """
INSERT INTO reminder_deliveries (event_id, occurrence_at, offset_min, user_id, group_id,
    max_user_id, due_at, occurrence_end, silent, text, status, owner, lease_until)
SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::int[], $4::bigint[], $5::bigint[],
    $6::bigint[], $7::timestamptz[], $8::timestamptz[], $9::bool[], $10::text[], $11::text[],
    $12::text[], $13::timestamptz[])
ON CONFLICT (event_id, occurrence_at, offset_min, user_id) DO NOTHING
RETURNING id, event_id, occurrence_at, offset_min, group_id, max_user_id, due_at,
    occurrence_end, silent, text, status
"""


@dataclass(frozen=True)
class FireResult:
    jobs: list[DeliveryJob]  # pending deliveries to send
    missed: int
    triggers: int
    next_fire_at: list[datetime]  # advanced triggers' new fire times


def occurrence_end(occurrence: datetime, duration_min: int, grace: timedelta) -> datetime:
    """When an occurrence is over for catch-up purposes (a 0-minute event: after the grace)."""
    return occurrence + (timedelta(minutes=duration_min) if duration_min else grace)


async def aio_fire_due(
    conn: Any,
    *,
    now: datetime,
    lead: timedelta,
    spread: timedelta,
    grace: timedelta,
    owner: str,
    limit: int = 500,
) -> FireResult:
    """Claim due triggers (SKIP LOCKED), insert their deliveries, advance them: one
    transaction. Offset-0 triggers are taken `lead` early; others `lead + spread` early."""
    async with conn.transaction():
        triggers = await conn.fetch(_DUE_TRIGGERS, now + lead + spread, now + lead, limit)
        if not triggers:
            return FireResult([], 0, 0, [])
        recipients = await conn.fetch(_RECIPIENTS, list({t["event_id"] for t in triggers}))
        by_event: dict[int, list[Any]] = {}
        for row in recipients:
            by_event.setdefault(row["event_id"], []).append(row)
        columns: list[list[Any]] = [[] for _ in range(13)]
        advanced: list[tuple[int, int, datetime, datetime]] = []
        finished: list[tuple[int, int]] = []
        for trig in triggers:
            end = occurrence_end(trig["occurrence_at"], trig["duration_min"], grace)
            late = now - trig["fire_at"] > grace or now >= end
            for person in by_event.get(trig["event_id"], ()):
                text = reminder_text(
                    ReminderFacts(
                        title=trig["title"],
                        description=trig["description"],
                        group_name=trig["group_name"],
                        occurrence_at=trig["occurrence_at"],
                        offset_min=trig["offset_min"],
                        recipient_zone=person["time_zone"],
                    )
                )
                values = (
                    trig["event_id"], trig["occurrence_at"], trig["offset_min"],
                    person["user_id"], trig["group_id"], person["max_id"], trig["fire_at"],
                    end, bool(person["silent"]), text, "missed" if late else "pending", owner,
                    max(trig["fire_at"], now) + grace,
                )  # fmt: skip
                for column, value in zip(columns, values, strict=True):
                    column.append(value)
            following = next_occurrence(schedule_from_row(trig), trig["occurrence_at"])
            key = (trig["event_id"], trig["offset_min"])
            if following is None:
                finished.append(key)
            else:
                fire = following - timedelta(minutes=trig["offset_min"])
                advanced.append((*key, following, fire))
        inserted = await conn.fetch(_INSERT_DELIVERIES, *columns) if columns[0] else []
        if advanced:
            await conn.executemany(
                "UPDATE reminder_triggers SET occurrence_at = $3, fire_at = $4 "
                "WHERE event_id = $1 AND offset_min = $2",
                advanced,
            )
        if finished:
            await conn.executemany(
                "DELETE FROM reminder_triggers WHERE event_id = $1 AND offset_min = $2", finished
            )
    jobs = [_job(row) for row in inserted if row["status"] == "pending"]
    return FireResult(
        jobs=jobs,
        missed=sum(1 for row in inserted if row["status"] == "missed"),
        triggers=len(triggers),
        next_fire_at=[a[3] for a in advanced],
    )


async def aio_triggers_before(conn: Any, until: datetime) -> list[tuple[int, int, datetime]]:
    rows = await conn.fetch(
        "SELECT event_id, offset_min, fire_at FROM reminder_triggers "
        "WHERE fire_at < $1 ORDER BY fire_at",
        until,
    )
    return [(r["event_id"], r["offset_min"], r["fire_at"]) for r in rows]


async def aio_recover_own(conn: Any, owner: str) -> list[DeliveryJob]:
    """Deliveries this replica left pending or in flight (a crash): to be sent again."""
    rows = await conn.fetch(
        "SELECT id, event_id, occurrence_at, offset_min, group_id, max_user_id, due_at, "
        "occurrence_end, silent, text, status FROM reminder_deliveries "
        "WHERE owner = $1 AND status IN ('pending', 'sending') ORDER BY due_at",
        owner,
    )
    return [_job(row) for row in rows]


async def aio_expire_abandoned(conn: Any, now: datetime) -> int:
    """Deliveries whose lease ran out (their replica died and never came back, past the
    grace): recorded as missed. Returns how many."""
    result: str = await conn.execute(
        "UPDATE reminder_deliveries SET status = 'missed', error = 'abandoned' "
        "WHERE status IN ('pending', 'sending') AND lease_until < $1",
        now,
    )
    return int(result.split()[-1])


def _job(row: Any) -> DeliveryJob:
    return DeliveryJob(
        id=row["id"],
        event_id=row["event_id"],
        occurrence_at=row["occurrence_at"],
        offset_min=row["offset_min"],
        group_id=row["group_id"],
        max_user_id=row["max_user_id"],
        due_at=row["due_at"],
        occurrence_end=row["occurrence_end"],
        silent=row["silent"],
        text=row["text"],
    )


MARK_SENDING = (
    "UPDATE reminder_deliveries SET status = 'sending', attempts = attempts + 1 "
    "WHERE id = $1 AND status IN ('pending', 'sending')"
)
MARK_SENT = (
    "UPDATE reminder_deliveries SET status = 'sent', max_message_id = $2, sent_at = now(), "
    "error = NULL WHERE id = $1"
)
MARK_FAILED = "UPDATE reminder_deliveries SET status = 'failed', error = $2 WHERE id = $1"
MARK_MISSED = (
    "UPDATE reminder_deliveries SET status = 'missed', error = $2 "
    "WHERE id = $1 AND status IN ('pending', 'sending')"
)
