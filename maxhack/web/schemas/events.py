"""Request models of the /events routes (responses: :mod:`event_views`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from maxhack.domain.events import ScheduleDraft
from maxhack.domain.models import AnswerStatus
from maxhack.domain.schedule import RepeatKind
from maxhack.web.schemas.common import ApiModel, Id, Instant, Printable, Strip, TimeZoneInput

__all__ = [
    "AnswerRequest",
    "CronSchema",
    "EventCreate",
    "EventPatch",
    "EventTagsAdd",
    "EventUsersAdd",
]

MAX_PARTICIPANTS = 1000
MAX_TAGS = 100
MAX_OFFSET_ITEMS = 50  # duplicates allowed on input; at most 10 distinct are kept
MAX_DURATION_MIN = 43_200
MAX_INTERVAL = 1000
MAX_COUNT = 100_000

Title = Annotated[str, Field(min_length=1, max_length=128), Strip, Printable]
Description = Annotated[str, Field(max_length=1024), Strip, Printable]
Offset = Annotated[int, Field(ge=0, le=10_080)]
Duration = Annotated[int, Field(ge=0, le=MAX_DURATION_MIN, description="Minutes.")]


class CronSchema(ApiModel):
    """When an event happens (the original's shape, extended).

    ``date`` is the first start: with an offset it is an instant, without one it is wall-clock
    time in the event's zone. If several repeat flags are set, everyDay wins over everyWeek,
    which wins over everyMonth (as in the original). ``interval`` (every
    N days/weeks/months), ``until`` (last start, inclusive) and ``count`` bound the series.
    """

    date: Instant
    every_day: bool = False
    every_week: bool = False
    every_month: bool = False
    interval: int = Field(default=1, ge=1, le=MAX_INTERVAL)
    until: Instant | None = None
    count: int | None = Field(default=None, ge=1, le=MAX_COUNT)

    def to_draft(self) -> ScheduleDraft:
        repeat = RepeatKind.NONE
        if self.every_day:
            repeat = RepeatKind.DAILY
        elif self.every_week:
            repeat = RepeatKind.WEEKLY
        elif self.every_month:
            repeat = RepeatKind.MONTHLY
        return ScheduleDraft(
            start=self.date,
            repeat=repeat,
            interval=self.interval,
            until=self.until,
            count=self.count,
        )


class EventCreate(ApiModel):
    title: Title
    description: Description | None = None
    type: Literal["event"] = "event"
    cron: CronSchema
    group_id: Id
    time_zone: TimeZoneInput | None = Field(
        default=None, description="The zone the event recurs in; default: the group's."
    )
    duration: Duration = 0
    participants_ids: list[Id] = Field(default_factory=list, max_length=MAX_PARTICIPANTS)
    tags_ids: list[Id] = Field(default_factory=list, max_length=MAX_TAGS)
    minutes_before: list[Offset] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_OFFSET_ITEMS,
        description="Reminder offsets in minutes before the start (0 = at the start); "
        "1-10 distinct values. Default: [0].",
    )


class EventPatch(ApiModel):
    """Missing fields stay unchanged; ``description: null`` clears it; lists replace."""

    title: Title | None = None
    description: Description | None = None
    type: Literal["event"] | None = None
    cron: CronSchema | None = None
    time_zone: TimeZoneInput | None = None
    duration: Duration | None = None
    participants_ids: list[Id] | None = Field(default=None, max_length=MAX_PARTICIPANTS)
    tags_ids: list[Id] | None = Field(default=None, max_length=MAX_TAGS)
    minutes_before: list[Offset] | None = Field(
        default=None, min_length=1, max_length=MAX_OFFSET_ITEMS
    )


class EventTagsAdd(ApiModel):
    tag_ids: list[Id] = Field(min_length=1, max_length=MAX_TAGS)


class EventUsersAdd(ApiModel):
    user_ids: list[Id] = Field(min_length=1, max_length=MAX_PARTICIPANTS)


class AnswerRequest(ApiModel):
    occurrence_at: Instant = Field(
        description="Start of the occurrence (as listed by /events/{id}/occurrences); a naive "
        "value is wall-clock time in the event's zone."
    )
    status: AnswerStatus
