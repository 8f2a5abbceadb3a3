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
from maxhack.domain.events import EVENT_COLUMNS, EVENT_NOT_FOUND
from maxhack.domain.hooks import Conn
from maxhack.domain.models import AnswerStatus, Event, Group, Row, Tag
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


def _my_answers(user: str, now: str) -> str:
    """SQL: a LATERAL join giving, per event row ``e``, the caller's answers that can belong
    to its current occurrence (not ended at ``now``, or the first start) as three arrays."""
    return f"""
    LEFT JOIN LATERAL (
        SELECT array_agg(a.id ORDER BY a.occurrence_at) AS my_answer_ids,
               array_agg(a.occurrence_at ORDER BY a.occurrence_at) AS my_answer_times,
               array_agg(a.status ORDER BY a.occurrence_at) AS my_answer_statuses
        FROM answers a
        WHERE a.event_id = e.id AND a.user_id = {user}
          AND (a.occurrence_at >= {now}::timestamptz - make_interval(mins => e.duration_min)
               OR a.occurrence_at = e.starts_at)
    ) my ON true"""


def _item(row: Row, now: datetime, group_name: str = "") -> EventItem:
    """An :class:`EventItem` from a row carrying the :func:`_my_answers` arrays."""
    event = Event.from_row(row)
    at = current_occurrence(event, now)
    answer = None
    times = row["my_answer_times"]
    if at is not None and times:
        for answer_id, time, status in zip(
            row["my_answer_ids"], times, row["my_answer_statuses"], strict=True
        ):
            if time == at:
                answer = MyAnswer(id=answer_id, occurrence_at=time, status=AnswerStatus(status))
    return EventItem(event=event, answer=answer, group_name=group_name, current_at=at)


def _tags_param(tag_ids: Sequence[int] | None) -> list[int] | None:
    return None if tag_ids is None else sorted(set(tag_ids))


async def group_events(
    conn: Conn,
    actor_id: int,
    group_id: int,
    tag_ids: Sequence[int] | None,
    now: datetime | None = None,
) -> list[EventItem]:
    """Events of a group, newest first: all for owner/admins, recipients' own for members.

    One statement when the group has visible events (access check folded in); an empty
    result re-checks access to tell "no events" from "no access".
    """
    now = now or datetime.now(UTC)
    rows = await conn.fetch(
        f"""
        WITH access AS (
            SELECT m.role_id FROM memberships m
            JOIN groups g ON g.id = m.group_id AND g.deleted_at IS NULL
            WHERE m.group_id = $1 AND m.user_id = $2 AND m.deleted_at IS NULL
        )
        SELECT {EVENT_COLUMNS}, my.* FROM events e
        {_my_answers("$2", "$4")}
        WHERE e.group_id = $1 AND e.deleted_at IS NULL
          AND EXISTS (SELECT 1 FROM access)
          AND ((SELECT role_id FROM access) IN (1, 2) OR {recipient_sql("e", "$2")})
          AND {_tag_filter("$3")}
        ORDER BY e.created_at DESC, e.id DESC
        """,
        group_id,
        actor_id,
        _tags_param(tag_ids),
        now,
    )
    if not rows:
        await group_access(conn, group_id, actor_id)  # raises unless simply empty
    return [_item(row, now) for row in rows]


async def user_events(
    conn: Conn,
    actor_id: int,
    user_id: int,
    group_id: int,
    tag_ids: Sequence[int] | None,
    now: datetime | None = None,
) -> list[EventItem]:
    """Events of a group that concern a member; both users must be members. Answers shown are
    the caller's."""
    now = now or datetime.now(UTC)
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
        SELECT {EVENT_COLUMNS}, my.* FROM events e
        {_my_answers("$4", "$5")}
        WHERE e.group_id = $1 AND e.deleted_at IS NULL AND {recipient_sql("e", "$2")}
          AND {_tag_filter("$3")}
        ORDER BY e.created_at DESC, e.id DESC
        """,
        group_id,
        user_id,
        _tags_param(tag_ids),
        actor_id,
        now,
    )
    return [_item(row, now) for row in rows]


async def my_events(
    conn: Conn, actor_id: int, tag_ids: Sequence[int] | None, now: datetime | None = None
) -> list[EventItem]:
    """Events concerning the caller in all their groups (recipient, or creator while still a
    member), newest first."""
    now = now or datetime.now(UTC)
    rows = await conn.fetch(
        f"""
        SELECT {EVENT_COLUMNS}, g.name AS group_name, my.* FROM events e
        JOIN groups g ON g.id = e.group_id AND g.deleted_at IS NULL
        JOIN memberships m ON m.group_id = e.group_id AND m.user_id = $1 AND m.deleted_at IS NULL
        {_my_answers("$1", "$3")}
        WHERE e.deleted_at IS NULL AND (e.creator_id = $1 OR {recipient_sql("e", "$1")})
          AND {_tag_filter("$2")}
        ORDER BY e.created_at DESC, e.id DESC
        """,
        actor_id,
        _tags_param(tag_ids),
        now,
    )
    return [_item(row, now, row["group_name"]) for row in rows]


async def personal_events(
    conn: Conn, actor_id: int, tag_ids: Sequence[int] | None, now: datetime | None = None
) -> list[EventItem]:
    """Every event of the caller's personal group, newest first."""
    now = now or datetime.now(UTC)
    rows = await conn.fetch(
        f"""
        SELECT {EVENT_COLUMNS}, my.* FROM events e
        JOIN groups g ON g.id = e.group_id AND g.personal_of = $1
        {_my_answers("$1", "$3")}
        WHERE e.deleted_at IS NULL AND {_tag_filter("$2")}
        ORDER BY e.created_at DESC, e.id DESC
        """,
        actor_id,
        _tags_param(tag_ids),
        now,
    )
    return [_item(row, now) for row in rows]


async def event_details(
    conn: Conn, actor_id: int, event_id: int, now: datetime | None = None
) -> EventDetails:
    """One event with its group, alive tags and direct participants (any member)."""
    now = now or datetime.now(UTC)
    row = await conn.fetchrow(
        f"""
        SELECT {EVENT_COLUMNS}, my.* FROM events e
        JOIN groups g ON g.id = e.group_id AND g.deleted_at IS NULL
        {_my_answers("$2", "$3")}
        WHERE e.id = $1 AND e.deleted_at IS NULL
        """,
        event_id,
        actor_id,
        now,
    )
    if row is None:
        raise NotFound(EVENT_NOT_FOUND)
    access = await group_access(conn, row["group_id"], actor_id)
    item = _item(row, now, access.group.name)
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
        item.event.group_id,
    )
    return EventDetails(
        event=item.event,
        group=access.group,
        tags=[Tag.from_row(tag) for tag in tag_rows],
        participant_ids=[participant["user_id"] for participant in participant_rows],
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
