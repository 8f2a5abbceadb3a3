"""Answers to occurrences ("will come / not sure / won't") and "who is coming".

An answer belongs to one occurrence of an event: (user, event, occurrence start) is unique, and
answering again replaces the status. Only current recipients may answer, and only occurrences
that really belong to the event's schedule and ended less than :data:`ANSWER_GRACE` ago.
Owners and admins see every recipient's answer per occurrence; other members see their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from maxhack.domain.errors import Conflict, Forbidden, Invalid
from maxhack.domain.events import load_event
from maxhack.domain.hooks import Conn
from maxhack.domain.models import AnswerStatus, Event, Member
from maxhack.domain.occurrences import next_occurrence, occurrence_end, occurrences_between
from maxhack.domain.permissions import group_access
from maxhack.domain.recipients import is_recipient, list_recipients
from maxhack.domain.zones import parse_naive_in_zone

__all__ = [
    "ANSWER_GRACE",
    "Answer",
    "Attendance",
    "OccurrenceView",
    "OccurrencesView",
    "list_occurrences",
    "record_answer",
]

ANSWER_GRACE: Final = timedelta(hours=24)
"""How long after an occurrence ends its answer may still be given or changed."""
NOT_A_RECIPIENT: Final = "Ответить может только получатель напоминаний этого события"


@dataclass(frozen=True)
class Answer:
    id: int
    user_id: int
    event_id: int
    occurrence_at: datetime
    status: AnswerStatus
    updated_at: datetime


@dataclass(frozen=True)
class Attendance:
    """One recipient's answer to one occurrence (``None``: no answer yet)."""

    member: Member
    status: AnswerStatus | None


@dataclass(frozen=True)
class OccurrenceView:
    starts_at: datetime
    ends_at: datetime
    my_answer: AnswerStatus | None
    attendance: list[Attendance] | None  # None unless the caller manages the group


@dataclass(frozen=True)
class OccurrencesView:
    event: Event
    is_recipient: bool
    manages: bool
    occurrences: list[OccurrenceView]


async def record_answer(
    conn: Conn,
    actor_id: int,
    event_id: int,
    occurrence_at: datetime,
    status: AnswerStatus,
    *,
    now: datetime | None = None,
) -> Answer:
    """Record (or change) the actor's answer to one occurrence; idempotent. A naive
    ``occurrence_at`` is wall-clock time in the event's zone."""
    now = now or datetime.now(UTC)
    event = await load_event(conn, event_id)
    await group_access(conn, event.group_id, actor_id)
    if not await is_recipient(conn, event_id, actor_id):
        raise Forbidden(NOT_A_RECIPIENT)
    if occurrence_at.tzinfo is None or occurrence_at.utcoffset() is None:
        occurrence_at = parse_naive_in_zone(occurrence_at.replace(tzinfo=None), event.schedule.zone)
    occurrence_at = occurrence_at.astimezone(UTC)
    if next_occurrence(event.schedule, occurrence_at, inclusive=True) != occurrence_at:
        raise Invalid("У события нет повторения в это время")
    if occurrence_end(event.schedule, occurrence_at) + ANSWER_GRACE < now:
        raise Conflict("Это повторение события уже прошло")
    row = await conn.fetchrow(
        """
        INSERT INTO answers (user_id, event_id, occurrence_at, status) VALUES ($1, $2, $3, $4)
        ON CONFLICT (user_id, event_id, occurrence_at)
        DO UPDATE SET status = EXCLUDED.status, updated_at = now()
        RETURNING id, user_id, event_id, occurrence_at, status, updated_at
        """,
        actor_id,
        event_id,
        occurrence_at,
        str(status),
    )
    assert row is not None
    return Answer(
        id=row["id"],
        user_id=row["user_id"],
        event_id=row["event_id"],
        occurrence_at=row["occurrence_at"],
        status=AnswerStatus(row["status"]),
        updated_at=row["updated_at"],
    )


async def list_occurrences(
    conn: Conn,
    actor_id: int,
    event_id: int,
    start: datetime,
    end: datetime,
    *,
    limit: int,
) -> OccurrencesView:
    """Occurrences starting in ``[start, end)`` (at most ``limit``), with answers."""
    event = await load_event(conn, event_id)
    access = await group_access(conn, event.group_id, actor_id)
    starts = occurrences_between(event.schedule, start, end, limit=limit)
    manages = access.role.manages
    recipients = await list_recipients(conn, event_id)
    rows = await conn.fetch(
        """
        SELECT user_id, occurrence_at, status FROM answers
        WHERE event_id = $1 AND occurrence_at = ANY($2::timestamptz[])
          AND ($3 OR user_id = $4)
        """,
        event_id,
        starts,
        manages,
        actor_id,
    )
    answers = {(row["user_id"], row["occurrence_at"]): AnswerStatus(row["status"]) for row in rows}
    views = []
    for at in starts:
        attendance = None
        if manages:
            attendance = [
                Attendance(member=m, status=answers.get((m.membership.user_id, at)))
                for m in recipients
            ]
        views.append(
            OccurrenceView(
                starts_at=at,
                ends_at=occurrence_end(event.schedule, at),
                my_answer=answers.get((actor_id, at)),
                attendance=attendance,
            )
        )
    return OccurrencesView(
        event=event,
        is_recipient=any(m.membership.user_id == actor_id for m in recipients),
        manages=manages,
        occurrences=views,
    )
