"""Events: create, edit, delete, and bind recipients (users directly, or tags).

An event stores its first start as an instant plus the IANA zone it recurs in (the group's zone
unless the organiser chose another); a naive start or end date from a client is wall-clock time
in that zone. Reminder offsets are a set of 1–10 values in 0..10080 minutes, stored sorted
descending. Only the owner and admins of the event's group write events. Every write calls
:func:`~maxhack.domain.hooks.after_event_change` in the same transaction, so the reminder plan
follows the edit at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from maxhack.domain.errors import Conflict, Invalid, NotFound
from maxhack.domain.hooks import Conn, after_event_change
from maxhack.domain.models import UNSET, Event, Unset
from maxhack.domain.permissions import Access, group_access, require_manager
from maxhack.domain.schedule import RepeatKind, Schedule
from maxhack.domain.tags import require_group_tags
from maxhack.domain.zones import parse_naive_in_zone

__all__ = [
    "DEFAULT_REMINDER_OFFSETS",
    "EVENT_COLUMNS",
    "EVENT_NOT_FOUND",
    "EventDraft",
    "EventUpdate",
    "ScheduleDraft",
    "add_event_tags",
    "add_event_users",
    "create_event",
    "delete_event",
    "load_event",
    "normalize_offsets",
    "update_event",
]

EVENT_NOT_FOUND = "Событие не найдено"
DEFAULT_REMINDER_OFFSETS: tuple[int, ...] = (0,)
MAX_REMINDER_OFFSET_MIN = 10_080
MAX_REMINDER_OFFSETS = 10

EVENT_COLUMNS = (
    "e.id, e.group_id, e.creator_id, e.title, e.description, e.type, e.starts_at, e.time_zone, "
    "e.repeat, e.repeat_interval, e.repeat_until, e.repeat_count, e.duration_min, "
    "e.reminder_offsets, e.created_at"
)


@dataclass(frozen=True)
class ScheduleDraft:
    """A schedule as a client states it: naive datetimes are wall-clock time in the event's
    zone, aware ones are instants. ``interval``/``until``/``count`` only matter when repeating."""

    start: datetime
    repeat: RepeatKind = RepeatKind.NONE
    interval: int = 1
    until: datetime | None = None
    count: int | None = None


@dataclass(frozen=True)
class EventDraft:
    group_id: int
    title: str
    schedule: ScheduleDraft
    description: str | None = None
    type: str = "event"
    time_zone: str | None = None  # None: the group's zone
    duration_min: int = 0
    participant_ids: Sequence[int] = ()
    tag_ids: Sequence[int] = ()
    reminder_offsets: Sequence[int] | None = None  # None: at the start only


@dataclass(frozen=True)
class EventUpdate:
    """A partial edit; ``UNSET`` leaves a field alone, ``description=None`` clears it.
    Lists replace the current set."""

    title: str | Unset = UNSET
    description: str | Unset | None = UNSET
    type: str | Unset = UNSET
    schedule: ScheduleDraft | Unset = UNSET
    time_zone: str | Unset = UNSET
    duration_min: int | Unset = UNSET
    participant_ids: Sequence[int] | Unset = UNSET
    tag_ids: Sequence[int] | Unset = UNSET
    reminder_offsets: Sequence[int] | Unset = UNSET


def normalize_offsets(offsets: Sequence[int] | None) -> list[int]:
    """The stored form of reminder offsets: distinct, descending; raises :class:`Invalid`."""
    values = sorted(set(DEFAULT_REMINDER_OFFSETS if offsets is None else offsets), reverse=True)
    if not 1 <= len(values) <= MAX_REMINDER_OFFSETS:
        raise Invalid(f"Нужно от 1 до {MAX_REMINDER_OFFSETS} напоминаний")
    if any(not 0 <= value <= MAX_REMINDER_OFFSET_MIN for value in values):
        raise Invalid(f"Напоминание задаётся от 0 до {MAX_REMINDER_OFFSET_MIN} минут до начала")
    return values


def _instant(value: datetime, zone: str) -> datetime:
    # Whole seconds: occurrences are named by their Unix second (reminder answer buttons).
    value = value.replace(microsecond=0)
    if value.tzinfo is None or value.utcoffset() is None:
        return parse_naive_in_zone(value.replace(tzinfo=None), zone)
    return value.astimezone(UTC)


def resolve_schedule(draft: ScheduleDraft, zone: str, duration_min: int) -> Schedule:
    """Turn a client schedule into a :class:`Schedule` in ``zone``; raises :class:`Invalid`."""
    start = _instant(draft.start, zone)
    repeating = draft.repeat is not RepeatKind.NONE
    until = _instant(draft.until, zone) if repeating and draft.until is not None else None
    if until is not None and until < start:
        raise Invalid("Повторы не могут закончиться раньше первого начала события")
    try:
        return Schedule(
            first_start=start,
            zone=zone,
            repeat=draft.repeat,
            interval=draft.interval if repeating else 1,
            until=until,
            count=draft.count if repeating else None,
            duration_min=duration_min,
        )
    except ValueError as exc:
        raise Invalid(f"Некорректное расписание: {exc}") from exc


async def require_members(conn: Conn, group_id: int, user_ids: Sequence[int]) -> None:
    """Raise :class:`Invalid` unless every id is an alive member of the group."""
    if not user_ids:
        return
    rows = await conn.fetch(
        "SELECT user_id FROM memberships "
        "WHERE group_id = $1 AND user_id = ANY($2::bigint[]) AND deleted_at IS NULL",
        group_id,
        list(user_ids),
    )
    missing = sorted(set(user_ids) - {row["user_id"] for row in rows})
    if missing:
        raise Invalid(f"Пользователи не состоят в группе события: {missing}")


async def load_event(conn: Conn, event_id: int, *, lock: bool = False) -> Event:
    """An alive event of an alive group, else :class:`NotFound`."""
    row = await conn.fetchrow(
        f"SELECT {EVENT_COLUMNS} FROM events e "
        "JOIN groups g ON g.id = e.group_id AND g.deleted_at IS NULL "
        "WHERE e.id = $1 AND e.deleted_at IS NULL" + (" FOR UPDATE OF e" if lock else ""),
        event_id,
    )
    if row is None:
        raise NotFound(EVENT_NOT_FOUND)
    return Event.from_row(row)


async def _manage(conn: Conn, actor_id: int, event_id: int) -> tuple[Event, Access]:
    event = await load_event(conn, event_id, lock=True)
    access = await group_access(conn, event.group_id, actor_id, lock="share")
    require_manager(access)
    return event, access


async def _bind(conn: Conn, table: str, column: str, event_id: int, ids: Sequence[int]) -> int:
    """Insert missing links; return how many were new."""
    rows = await conn.fetch(
        f"INSERT INTO {table} (event_id, {column}) "
        f"SELECT $1, x FROM unnest($2::bigint[]) AS x ON CONFLICT DO NOTHING RETURNING id",
        event_id,
        sorted(set(ids)),
    )
    return len(rows)


async def _replace(conn: Conn, table: str, column: str, event_id: int, ids: Sequence[int]) -> None:
    await conn.execute(
        f"UPDATE {table} SET deleted_at = now() WHERE event_id = $1 AND deleted_at IS NULL "
        f"AND NOT ({column} = ANY($2::bigint[]))",
        event_id,
        sorted(set(ids)),
    )
    await _bind(conn, table, column, event_id, ids)


_INSERT_SQL = f"""
INSERT INTO events AS e (group_id, creator_id, title, description, type, starts_at, time_zone,
                         repeat, repeat_interval, repeat_until, repeat_count, duration_min,
                         reminder_offsets)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
RETURNING {EVENT_COLUMNS}
"""


async def create_event(conn: Conn, actor_id: int, draft: EventDraft) -> Event:
    """Create an event in a group the actor manages, with its recipients and offsets."""
    access = await group_access(conn, draft.group_id, actor_id, lock="share")
    require_manager(access)
    zone = draft.time_zone or access.group.time_zone
    schedule = resolve_schedule(draft.schedule, zone, draft.duration_min)
    offsets = normalize_offsets(draft.reminder_offsets)
    await require_group_tags(conn, draft.group_id, draft.tag_ids)
    await require_members(conn, draft.group_id, draft.participant_ids)
    row = await conn.fetchrow(
        _INSERT_SQL,
        draft.group_id,
        actor_id,
        draft.title,
        draft.description,
        draft.type,
        schedule.first_start,
        schedule.zone,
        schedule.repeat.value,
        schedule.interval,
        schedule.until,
        schedule.count,
        schedule.duration_min,
        offsets,
    )
    assert row is not None
    event = Event.from_row(row)
    await _bind(conn, "event_participants", "user_id", event.id, draft.participant_ids)
    await _bind(conn, "event_tags", "tag_id", event.id, draft.tag_ids)
    await after_event_change(conn, event.id)
    return event


async def update_event(conn: Conn, actor_id: int, event_id: int, update: EventUpdate) -> Event:
    """Apply a partial edit (owner and admins of the event's group)."""
    event, _ = await _manage(conn, actor_id, event_id)
    schedule = event.schedule
    zone = schedule.zone if update.time_zone is UNSET else update.time_zone
    duration = schedule.duration_min if update.duration_min is UNSET else update.duration_min
    if update.schedule is not UNSET:
        schedule = resolve_schedule(update.schedule, zone, duration)
    else:
        try:
            schedule = replace(schedule, zone=zone, duration_min=duration)
        except ValueError as exc:
            raise Invalid(f"Некорректное расписание: {exc}") from exc
    columns: dict[str, object] = {
        "starts_at": schedule.first_start,
        "time_zone": schedule.zone,
        "repeat": schedule.repeat.value,
        "repeat_interval": schedule.interval,
        "repeat_until": schedule.until,
        "repeat_count": schedule.count,
        "duration_min": schedule.duration_min,
    }
    for name, value in (
        ("title", update.title),
        ("description", update.description),
        ("type", update.type),
    ):
        if value is not UNSET:
            columns[name] = value
    if update.reminder_offsets is not UNSET:
        columns["reminder_offsets"] = normalize_offsets(update.reminder_offsets)
    if update.tag_ids is not UNSET:
        await require_group_tags(conn, event.group_id, update.tag_ids)
    if update.participant_ids is not UNSET:
        await require_members(conn, event.group_id, update.participant_ids)
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(columns, start=2))
    row = await conn.fetchrow(
        f"UPDATE events AS e SET {assignments}, updated_at = now() WHERE e.id = $1 "
        f"RETURNING {EVENT_COLUMNS}",
        event_id,
        *columns.values(),
    )
    assert row is not None
    if update.tag_ids is not UNSET:
        await _replace(conn, "event_tags", "tag_id", event_id, update.tag_ids)
    if update.participant_ids is not UNSET:
        await _replace(conn, "event_participants", "user_id", event_id, update.participant_ids)
    await after_event_change(conn, event_id)
    return Event.from_row(row)


async def delete_event(conn: Conn, actor_id: int, event_id: int) -> None:
    """Soft-delete the event with its participant and tag links (answers stay as history)."""
    await _manage(conn, actor_id, event_id)
    await conn.execute(
        """
        WITH gone_participants AS (
            UPDATE event_participants SET deleted_at = now()
            WHERE event_id = $1 AND deleted_at IS NULL
        ), gone_tags AS (
            UPDATE event_tags SET deleted_at = now() WHERE event_id = $1 AND deleted_at IS NULL
        )
        UPDATE events SET deleted_at = now(), updated_at = now() WHERE id = $1
        """,
        event_id,
    )
    await after_event_change(conn, event_id)


async def add_event_tags(conn: Conn, actor_id: int, event_id: int, tag_ids: Sequence[int]) -> None:
    """Bind more tags of the event's group; all already bound → :class:`Conflict`."""
    event, _ = await _manage(conn, actor_id, event_id)
    await require_group_tags(conn, event.group_id, tag_ids)
    if tag_ids and not await _bind(conn, "event_tags", "tag_id", event_id, tag_ids):
        raise Conflict("Все указанные теги уже добавлены к событию")
    await after_event_change(conn, event_id)


async def add_event_users(
    conn: Conn, actor_id: int, event_id: int, user_ids: Sequence[int]
) -> None:
    """Add direct participants (members of the group); any already added → :class:`Conflict`."""
    event, _ = await _manage(conn, actor_id, event_id)
    await require_members(conn, event.group_id, user_ids)
    bound = await conn.fetch(
        "SELECT user_id FROM event_participants "
        "WHERE event_id = $1 AND user_id = ANY($2::bigint[]) AND deleted_at IS NULL",
        event_id,
        list(user_ids),
    )
    if bound:
        already = sorted(row["user_id"] for row in bound)
        raise Conflict(f"Пользователи уже добавлены к событию: {already}")
    await _bind(conn, "event_participants", "user_id", event_id, user_ids)
    await after_event_change(conn, event_id)
