"""ICS export and import (pure): the exported RRULE, expanded by an independent engine
(dateutil, in local wall time), gives exactly our occurrences; import maps or skips rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from maxhack.domain.event_queries import EventItem
from maxhack.domain.ics_export import build_calendar, event_uid
from maxhack.domain.ics_import import IcsError, parse_ics
from maxhack.domain.models import Event
from maxhack.domain.occurrences import occurrences_between
from maxhack.domain.schedule import RepeatKind, Schedule

ZONES = [
    "Europe/Moscow",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
]
SAMPLE = 25


def make_event(schedule: Schedule, offsets: tuple[int, ...] = (0,)) -> Event:
    return Event(
        id=7,
        group_id=1,
        creator_id=1,
        title="Встреча",
        description=None,
        type="event",
        schedule=schedule,
        reminder_offsets=offsets,
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
    )


def oracle(vevent: object, zone: str, limit: int) -> list[datetime]:
    """Expand DTSTART + RRULE with dateutil on naive wall time, then localize (fold=0)."""
    start = vevent.decoded("dtstart")  # type: ignore[attr-defined]
    wall_start = start.replace(tzinfo=None)
    rule = vevent.get("rrule")  # type: ignore[attr-defined]
    if rule is None:
        walls = [wall_start]
        until = None
    else:
        parts = dict(rule)
        until = parts.pop("UNTIL", [None])[0]
        text = vevent["rrule"].__class__(parts).to_ical().decode()  # type: ignore[index]
        walls = list(rrulestr(text, dtstart=wall_start)[: limit * 2])
    tz = ZoneInfo(zone)
    instants = [wall.replace(tzinfo=tz).astimezone(UTC) for wall in walls]
    if until is not None:
        instants = [i for i in instants if i <= until]
    return instants[:limit]


@settings(max_examples=120, deadline=None, derandomize=True, database=None)
@given(
    zone=st.sampled_from(ZONES),
    wall=st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2037, 1, 1)),
    repeat=st.sampled_from(list(RepeatKind)),
    interval=st.integers(1, 4),
    count=st.none() | st.integers(1, 40),
    until_days=st.none() | st.integers(0, 900),
)
def test_exported_rrule_matches_our_occurrences(
    zone: str,
    wall: datetime,
    repeat: RepeatKind,
    interval: int,
    count: int | None,
    until_days: int | None,
) -> None:
    wall = wall.replace(second=0, microsecond=0)
    first = wall.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    repeating = repeat is not RepeatKind.NONE
    schedule = Schedule(
        first_start=first,
        zone=zone,
        repeat=repeat,
        interval=interval if repeating else 1,
        until=first + timedelta(days=until_days) if repeating and until_days is not None else None,
        count=count if repeating else None,
    )
    calendar = Calendar.from_ical(build_calendar([EventItem(make_event(schedule), None)]))
    [vevent] = calendar.walk("VEVENT")
    ours = occurrences_between(schedule, first, first + timedelta(days=366 * 20), limit=SAMPLE)
    assert oracle(vevent, zone, SAMPLE) == ours


def test_export_shape() -> None:
    schedule = Schedule(
        first_start=datetime(2031, 1, 31, 7, 0, tzinfo=UTC),
        zone="Europe/Moscow",
        repeat=RepeatKind.MONTHLY,
        duration_min=90,
    )
    item = EventItem(make_event(schedule, offsets=(60, 0)), None, group_name="Команда")
    calendar = Calendar.from_ical(build_calendar([item], now=datetime(2030, 1, 1, tzinfo=UTC)))
    assert {str(calendar[k]) for k in ("version", "calscale", "method")} == {
        "2.0",
        "GREGORIAN",
        "PUBLISH",
    }
    [vevent] = calendar.walk("VEVENT")
    assert str(vevent["uid"]) == event_uid(7) == "event-7@maxhack"
    assert vevent.decoded("dtstart").isoformat() == "2031-01-31T10:00:00+03:00"
    assert vevent.decoded("dtend") - vevent.decoded("dtstart") == timedelta(minutes=90)
    assert vevent["rrule"].to_ical() == b"FREQ=MONTHLY"
    assert len(vevent.walk("VALARM")) == 2
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Moscow"]


def test_export_of_nothing_is_an_empty_calendar() -> None:
    calendar = Calendar.from_ical(build_calendar([]))
    assert calendar.walk("VEVENT") == []


def ics(*lines: str) -> bytes:
    body = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//EN", *lines, "END:VCALENDAR"]
    return ("\r\n".join(body) + "\r\n").encode()


def vevent(*lines: str) -> list[str]:
    return ["BEGIN:VEVENT", "UID:x", "DTSTAMP:20250101T000000Z", *lines, "END:VEVENT"]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            ["SUMMARY:a", "DTSTART:20250106T100000", "RRULE:FREQ=WEEKLY;BYDAY=MO;INTERVAL=3"],
            (RepeatKind.WEEKLY, 3, None, None),
        ),
        (
            ["SUMMARY:a", "DTSTART:20250131T100000", "RRULE:FREQ=MONTHLY;BYMONTHDAY=31;COUNT=4"],
            (RepeatKind.MONTHLY, 1, None, 4),
        ),
        (
            ["SUMMARY:a", "DTSTART;VALUE=DATE:20250101", "RRULE:FREQ=DAILY;UNTIL=20250110"],
            (RepeatKind.DAILY, 1, datetime(2025, 1, 10, 23, 59, 59), None),
        ),
        (["SUMMARY:a", "DTSTART:20250101T100000Z"], (RepeatKind.NONE, 1, None, None)),
    ],
)
def test_import_maps_supported_rules(
    lines: list[str], expected: tuple[RepeatKind, int, datetime | None, int | None]
) -> None:
    [event], skipped = parse_ics(ics(*vevent(*lines)), default_zone="Europe/Moscow")
    assert skipped == []
    schedule = event.schedule
    assert (schedule.repeat, schedule.interval, schedule.until, schedule.count) == expected


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        (["SUMMARY:a", "DTSTART:20250101T100000", "RRULE:FREQ=YEARLY"], "FREQ=YEARLY"),
        (["SUMMARY:a", "DTSTART:20250101T100000", "RRULE:FREQ=HOURLY"], "FREQ=HOURLY"),
        (["SUMMARY:a", "DTSTART:20250106T100000", "RRULE:FREQ=WEEKLY;BYDAY=TU"], "BYDAY"),
        (["SUMMARY:a", "DTSTART:20250106T100000", "RRULE:FREQ=MONTHLY;BYDAY=1MO"], "BYDAY"),
        (["SUMMARY:a", "DTSTART:20250106T100000", "RRULE:FREQ=MONTHLY;BYSETPOS=1"], "BYSETPOS"),
        (["SUMMARY:a", "DTSTART:18000101T100000"], "date outside"),
        (["DTSTART:20250101T100000"], "no SUMMARY"),
        (["SUMMARY:a"], "no DTSTART"),
    ],
)
def test_import_skips_what_it_cannot_represent(lines: list[str], reason: str) -> None:
    events, [skipped] = parse_ics(ics(*vevent(*lines)), default_zone="Europe/Moscow")
    assert events == []
    assert reason in skipped.reason


def test_import_clips_long_text_and_defaults_duration() -> None:
    [event], _ = parse_ics(
        ics(
            *vevent("SUMMARY:" + "я" * 300, "DESCRIPTION:" + "d" * 2000, "DTSTART:20250101T100000")
        ),
        default_zone="Asia/Kolkata",
    )
    assert len(event.title) == 128 and len(event.description or "") == 1024
    assert (event.duration_min, event.time_zone) == (60, "Asia/Kolkata")


@pytest.mark.parametrize(
    "data",
    [b"", b"garbage", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", b"BEGIN:VEVENT\r\nEND:VEVENT\r\n"],
)
def test_import_rejects_files(data: bytes) -> None:
    with pytest.raises(IcsError):
        parse_ics(data, default_zone="Europe/Moscow")
