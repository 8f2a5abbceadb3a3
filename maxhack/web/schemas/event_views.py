"""Response models of the /events routes and their construction from domain records."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, RootModel

from maxhack.domain.answers import Answer, OccurrencesView
from maxhack.domain.event_queries import EventDetails, EventItem, MyAnswer
from maxhack.domain.models import AnswerStatus, Event
from maxhack.domain.occurrences import next_occurrence
from maxhack.domain.schedule import RepeatKind, Schedule
from maxhack.web.schemas.common import ApiModel, Id, offset_now
from maxhack.web.schemas.groups import GroupResponse
from maxhack.web.schemas.tags import TagResponse

__all__ = [
    "AnswerResponse",
    "EventDetailsResponse",
    "EventListResponse",
    "EventResponse",
    "EventsResponse",
    "ImportResponse",
    "OccurrencesResponse",
    "cron_of",
]


LocalDateTime = Annotated[
    str,
    Field(
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$",
        examples=["2031-03-04T10:00:00"],
    ),
]
"""A wall-clock date-time without offset (ISO 8601 ``YYYY-MM-DDTHH:MM:SS``)."""


def _wall(value: datetime) -> str:
    return value.replace(tzinfo=None, microsecond=0).isoformat()


def cron_of(schedule: Schedule) -> str:
    """The original's 5-field cron for the schedule's local wall time (Sunday = 0).

    Kept for the original WebApp; it cannot express intervals, ends or counts — ``schedule``
    is authoritative.
    """
    local = schedule.local_start
    minute, hour = local.minute, local.hour
    match schedule.repeat:
        case RepeatKind.DAILY:
            return f"{minute} {hour} * * *"
        case RepeatKind.WEEKLY:
            return f"{minute} {hour} * * {local.isoweekday() % 7}"
        case RepeatKind.MONTHLY:
            return f"{minute} {hour} {local.day} * *"
        case _:
            return f"{minute} {hour} {local.day} {local.month} *"


class RespondResponse(ApiModel):
    """The caller's answer to the event's current occurrence."""

    id: Id
    status: AnswerStatus
    occurrence_at: datetime

    @classmethod
    def of(cls, answer: MyAnswer | None) -> RespondResponse | None:
        if answer is None:
            return None
        return cls(id=answer.id, status=answer.status, occurrence_at=answer.occurrence_at)


class ScheduleResponse(ApiModel):
    starts_at: datetime = Field(description="First start (UTC).")
    local_start: LocalDateTime = Field(description="First start as wall-clock time in timeZone.")
    time_zone: str
    utc_offset_minutes: int = Field(description="timeZone's current UTC offset.")
    repeat: Literal["none", "daily", "weekly", "monthly"]
    interval: int
    until: datetime | None
    count: int | None

    @classmethod
    def of(cls, schedule: Schedule) -> ScheduleResponse:
        return cls(
            starts_at=schedule.first_start,
            local_start=_wall(schedule.local_start),
            time_zone=schedule.zone,
            utc_offset_minutes=offset_now(schedule.zone),
            repeat=schedule.repeat.value,
            interval=schedule.interval,
            until=schedule.until,
            count=schedule.count,
        )


class _EventBase(ApiModel):
    id: Id
    title: str
    description: str | None
    cron: str
    is_cycle: bool
    type: str
    creator_id: Id
    duration: int
    event_happened: bool = Field(description="True when no occurrence starts after now.")
    next_occurrence: datetime | None
    schedule: ScheduleResponse
    respond: RespondResponse | None


def _upcoming(event: Event, now: datetime, current_at: datetime | None) -> datetime | None:
    """The first occurrence at or after ``now``, reusing the current occurrence if it is one."""
    if current_at is not None and current_at >= now:
        return current_at
    return next_occurrence(event.schedule, now, inclusive=True)


def _base_fields(
    event: Event, answer: MyAnswer | None, now: datetime, current_at: datetime | None = None
) -> dict[str, object]:
    upcoming = _upcoming(event, now, current_at)
    return {
        "id": event.id,
        "title": event.title,
        "description": event.description,
        "cron": cron_of(event.schedule),
        "is_cycle": event.schedule.repeat is not RepeatKind.NONE,
        "type": event.type,
        "creator_id": event.creator_id,
        "duration": event.schedule.duration_min,
        "event_happened": upcoming is None,
        "next_occurrence": upcoming,
        "schedule": ScheduleResponse.of(event.schedule),
        "respond": RespondResponse.of(answer),
    }


class EventResponse(_EventBase):
    group_id: Id
    group_name: str | None = None
    notifies: list[int] = Field(description="Reminder offsets in minutes, descending.")

    @classmethod
    def of(cls, item: EventItem, now: datetime) -> EventResponse:
        return cls.model_validate(
            _base_fields(item.event, item.answer, now, item.current_at)
            | {
                "group_id": item.event.group_id,
                "group_name": item.group_name or None,
                "notifies": list(item.event.reminder_offsets),
            }
        )


class EventsResponse(ApiModel):
    events: list[EventResponse]


class EventListResponse(RootModel[list[EventResponse]]):
    """A plain JSON array of events (the original's shape for user routes)."""


class NotifyItem(ApiModel):
    minutes_before: int


class EventDetailsResponse(_EventBase):
    group: GroupResponse
    tags: list[TagResponse]
    notifies: list[NotifyItem]
    participants_ids: list[Id]

    @classmethod
    def of(cls, details: EventDetails, now: datetime) -> EventDetailsResponse:
        event = details.event
        return cls.model_validate(
            _base_fields(event, details.answer, now)
            | {
                "group": GroupResponse.of(details.group),
                "tags": [TagResponse.of(tag) for tag in details.tags],
                "notifies": [NotifyItem(minutes_before=m) for m in event.reminder_offsets],
                "participants_ids": details.participant_ids,
            }
        )


class AnswerResponse(ApiModel):
    event_id: Id
    user_id: Id
    occurrence_at: datetime
    status: AnswerStatus
    updated_at: datetime

    @classmethod
    def of(cls, answer: Answer) -> AnswerResponse:
        return cls(
            event_id=answer.event_id,
            user_id=answer.user_id,
            occurrence_at=answer.occurrence_at,
            status=answer.status,
            updated_at=answer.updated_at,
        )


class AttendanceItem(ApiModel):
    user_id: Id
    first_name: str
    last_name: str | None
    status: AnswerStatus | None


class AnswerSummary(ApiModel):
    ok: int
    maybe: int
    no: int
    none: int = Field(description="Recipients who have not answered.")


class OccurrenceItem(ApiModel):
    starts_at: datetime
    ends_at: datetime
    local_start: LocalDateTime = Field(description="Wall-clock start in the event's zone.")
    my_answer: AnswerStatus | None
    answers: list[AttendanceItem] | None = Field(
        description="Every recipient's answer; owner and admins only (null for members)."
    )
    summary: AnswerSummary | None


class OccurrencesResponse(ApiModel):
    event_id: Id
    time_zone: str
    is_recipient: bool
    occurrences: list[OccurrenceItem]

    @classmethod
    def of(cls, view: OccurrencesView) -> OccurrencesResponse:
        zone = view.event.schedule.tz
        items = []
        for occurrence in view.occurrences:
            answers = summary = None
            if occurrence.attendance is not None:
                answers = [
                    AttendanceItem(
                        user_id=a.member.membership.user_id,
                        first_name=a.member.first_name,
                        last_name=a.member.last_name,
                        status=a.status,
                    )
                    for a in occurrence.attendance
                ]
                statuses = [a.status for a in occurrence.attendance]
                summary = AnswerSummary(
                    ok=statuses.count(AnswerStatus.OK),
                    maybe=statuses.count(AnswerStatus.MAYBE),
                    no=statuses.count(AnswerStatus.NO),
                    none=statuses.count(None),
                )
            items.append(
                OccurrenceItem(
                    starts_at=occurrence.starts_at,
                    ends_at=occurrence.ends_at,
                    local_start=_wall(occurrence.starts_at.astimezone(zone)),
                    my_answer=occurrence.my_answer,
                    answers=answers,
                    summary=summary,
                )
            )
        return cls(
            event_id=view.event.id,
            time_zone=view.event.schedule.zone,
            is_recipient=view.is_recipient,
            occurrences=items,
        )


class SkippedItem(ApiModel):
    index: int = Field(description="Position of the VEVENT in the file (0-based).")
    summary: str | None
    reason: str


class ImportResponse(ApiModel):
    events: list[EventResponse]
    skipped: list[SkippedItem]
