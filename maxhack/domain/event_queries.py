"""Reading events: one event with its details, the lists of the API, the ICS scopes.

Visibility: any alive member of the event's group may read an event. Lists show owners and
admins every event of a group, and plain members the events that concern them (they are a
recipient: directly or through a tag). An optional tag filter keeps events bound to any of the
given tags. Every list item carries the caller's answer for the event's current occurrence
(the first one that has not ended).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from maxhack.domain.errors import NotFound
from maxhack.domain.events import EVENT_COLUMNS, load_event
from maxhack.domain.hooks import Conn
from maxhack.domain.models import AnswerStatus, Event, Group, Tag
from maxhack.domain.occurrences import next_occurrence
from maxhack.domain.permissions import group_access, require_manager
from maxhack.domain.recipients import recipient_sql

__all__ = [
    "EventDetails",
    "EventItem",
    "MyAnswer",
    "current_occurrence",
    "event_details",
    "events_for_export",
    "group_events",
    "my_events",
    "personal_events",
    "user_events",
]

_TAG_FILTER = """(
    $TAGS::bigint[] IS NULL OR EXISTS (
        SELECT 1 FROM event_tags ft JOIN tags ftt ON ftt.id = ft.tag_id AND ftt.deleted_at IS NULL
        WHERE ft.event_id = e.id AND ft.deleted_at IS NULL AND ft.tag_id = ANY($TAGS::bigint[])
    )
)"""


@dataclass(frozen=True)
class MyAnswer:
    id: int
    occurrence_at: datetime
    status: AnswerStatus


@dataclass(frozen=True)
class EventItem:
    """An event as lists show it: with the caller's answer for its current occurrence."""

    event: Event
    answer: MyAnswer | None
    group_name: str = ""
    current_at: datetime | None = None  # the current occurrence, when already computed


@dataclass(frozen=True)
class EventDetails:
    event: Event
    group: Group
    tags: list[Tag]
    participant_ids: list[int]
    answer: MyAnswer | None


def current_occurrence(event: Event, now: datetime) -> datetime | None:
    """The first occurrence that has not ended at ``now``; for a one-off event that is over,
    its only occurrence; None for a finished series."""
    schedule = event.schedule
    after = now - timedelta(minutes=schedule.duration_min)
    found = next_occurrence(schedule, after, inclusive=True)
    if found is None and schedule.count is None and schedule.until is None:
        return schedule.first_start  # one-off in the past
    return found


def _tag_filter(placeholder: str) -> str:
    return _TAG_FILTER.replace("$TAGS", placeholder)


async def _with_answers(
    conn: Conn, user_id: int, rows: Sequence[tuple[Event, str]], now: datetime | None
) -> list[EventItem]:
    """Attach the caller's answer for each event's current occurrence (one extra query)."""
    now = now or datetime.now(UTC)
    wanted = [(event, current_occurrence(event, now)) for event, _ in rows]
    keys = [(event.id, at) for event, at in wanted if at is not None]
    found: dict[tuple[int, datetime], MyAnswer] = {}
    if keys:
        answer_rows = await conn.fetch(
            """
            SELECT a.id, a.event_id, a.occurrence_at, a.status
            FROM unnest($2::bigint[], $3::timestamptz[]) AS k(event_id, occurrence_at)
            JOIN answers a ON a.event_id = k.event_id AND a.occurrence_at = k.occurrence_at
            WHERE a.user_id = $1
            """,
            user_id,
            [event_id for event_id, _ in keys],
            [at for _, at in keys],
        )
        for row in answer_rows:
            found[(row["event_id"], row["occurrence_at"])] = MyAnswer(
                id=row["id"], occurrence_at=row["occurrence_at"], status=AnswerStatus(row["status"])
            )
    return [
        EventItem(
            event=event,
            answer=None if at is None else found.get((event.id, at)),
            group_name=group_name,
            current_at=at,
        )
        for (event, at), (_, group_name) in zip(wanted, rows, strict=True)
    ]


def _tags_param(tag_ids: Sequence[int] | None) -> list[int] | None:
    return None if tag_ids is None else sorted(set(tag_ids))


async def group_events(
    conn: Conn,
    actor_id: int,
    group_id: int,
    tag_ids: Sequence[int] | None,
    now: datetime | None = None,
) -> list[EventItem]:
    """Events of a group, newest first: all for owner/admins, recipients' own for members."""
    access = await group_access(conn, group_id, actor_id)
    rows = await conn.fetch(
        f"""
        SELECT {EVENT_COLUMNS} FROM events e
        WHERE e.group_id = $1 AND e.deleted_at IS NULL
          AND ($3 OR {recipient_sql("e", "$2")})
          AND {_tag_filter("$4")}
        ORDER BY e.created_at DESC, e.id DESC
        """,
        group_id,
        actor_id,
        access.role.manages,
        _tags_param(tag_ids),
    )
    return await _with_answers(conn, actor_id, [(Event.from_row(r), "") for r in rows], now)


async def user_events(
    conn: Conn,
    actor_id: int,
    user_id: int,
    group_id: int,
    tag_ids: Sequence[int] | None,
    now: datetime | None = None,
) -> list[EventItem]:
    """Events of a group that concern a member; both users must be members."""
    await group_access(conn, group_id, actor_id)
    target_is_member = await conn.fetchval(
        "SELECT 1 FROM memberships WHERE group_id = $1 AND user_id = $2 AND deleted_at IS NULL",
        group_id,
        user_id,
    )
    if target_is_member is None:
        raise NotFound("Пользователь не состоит в группе")
    rows = await conn.fetch(
        f"""
        SELECT {EVENT_COLUMNS} FROM events e
        WHERE e.group_id = $1 AND e.deleted_at IS NULL AND {recipient_sql("e", "$2")}
          AND {_tag_filter("$3")}
        ORDER BY e.created_at DESC, e.id DESC
        """,
        group_id,
        user_id,
        _tags_param(tag_ids),
    )
    return await _with_answers(conn, actor_id, [(Event.from_row(r), "") for r in rows], now)


async def my_events(
    conn: Conn, actor_id: int, tag_ids: Sequence[int] | None, now: datetime | None = None
) -> list[EventItem]:
    """Events concerning the caller in all their groups (recipient, or creator while still a
    member), newest first."""
    rows = await conn.fetch(
        f"""
        SELECT {EVENT_COLUMNS}, g.name AS group_name FROM events e
        JOIN groups g ON g.id = e.group_id AND g.deleted_at IS NULL
        JOIN memberships m ON m.group_id = e.group_id AND m.user_id = $1 AND m.deleted_at IS NULL
        WHERE e.deleted_at IS NULL AND (e.creator_id = $1 OR {recipient_sql("e", "$1")})
          AND {_tag_filter("$2")}
        ORDER BY e.created_at DESC, e.id DESC
        """,
        actor_id,
        _tags_param(tag_ids),
    )
    items = [(Event.from_row(r), r["group_name"]) for r in rows]
    return await _with_answers(conn, actor_id, items, now)


async def personal_events(
    conn: Conn, actor_id: int, tag_ids: Sequence[int] | None, now: datetime | None = None
) -> list[EventItem]:
    """Every event of the caller's personal group, newest first."""
    rows = await conn.fetch(
        f"""
        SELECT {EVENT_COLUMNS} FROM events e
        JOIN groups g ON g.id = e.group_id AND g.personal_of = $1
        WHERE e.deleted_at IS NULL AND {_tag_filter("$2")}
        ORDER BY e.created_at DESC, e.id DESC
        """,
        actor_id,
        _tags_param(tag_ids),
    )
    return await _with_answers(conn, actor_id, [(Event.from_row(r), "") for r in rows], now)


async def event_details(
    conn: Conn, actor_id: int, event_id: int, now: datetime | None = None
) -> EventDetails:
    """One event with its group, alive tags and direct participants (any member)."""
    event = await load_event(conn, event_id)
    access = await group_access(conn, event.group_id, actor_id)
    tag_rows = await conn.fetch(
        """
        SELECT t.id, t.group_id, t.name, t.description, t.color
        FROM event_tags et JOIN tags t ON t.id = et.tag_id AND t.deleted_at IS NULL
        WHERE et.event_id = $1 AND et.deleted_at IS NULL ORDER BY t.id
        """,
        event_id,
    )
    participant_rows = await conn.fetch(
        """
        SELECT p.user_id FROM event_participants p
        JOIN memberships m ON m.user_id = p.user_id AND m.group_id = $2 AND m.deleted_at IS NULL
        WHERE p.event_id = $1 AND p.deleted_at IS NULL ORDER BY p.id
        """,
        event_id,
        event.group_id,
    )
    [item] = await _with_answers(conn, actor_id, [(event, access.group.name)], now)
    return EventDetails(
        event=event,
        group=access.group,
        tags=[Tag.from_row(row) for row in tag_rows],
        participant_ids=[row["user_id"] for row in participant_rows],
        answer=item.answer,
    )


async def events_for_export(
    conn: Conn,
    actor_id: int,
    *,
    group_id: int | None,
    everything: bool,
    tag_ids: Sequence[int] | None = None,
) -> list[EventItem]:
    """The events of an ICS export, oldest first, with their group names.

    ``group_id=None``: events concerning the caller in all groups; with a group: those of that
    group concerning the caller, or all of them when ``everything`` (owner and admins only).
    """
    if group_id is not None:
        access = await group_access(conn, group_id, actor_id)
        if everything:
            require_manager(access)
    elif everything:
        raise NotFound("Не указана группа")
    rows = await conn.fetch(
        f"""
        SELECT {EVENT_COLUMNS}, g.name AS group_name FROM events e
        JOIN groups g ON g.id = e.group_id AND g.deleted_at IS NULL
        JOIN memberships m ON m.group_id = e.group_id AND m.user_id = $1 AND m.deleted_at IS NULL
        WHERE e.deleted_at IS NULL
          AND ($2::bigint IS NULL OR e.group_id = $2)
          AND ($3 OR {recipient_sql("e", "$1")})
          AND {_tag_filter("$4")}
        ORDER BY e.starts_at, e.id
        """,
        actor_id,
        group_id,
        everything,
        _tags_param(tag_ids),
    )
    return [
        EventItem(event=Event.from_row(r), answer=None, group_name=r["group_name"]) for r in rows
    ]
