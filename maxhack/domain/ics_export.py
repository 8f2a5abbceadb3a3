"""ICS export: events as an iCalendar file with proper recurrence (RFC 5545).

Each event is one VEVENT: DTSTART with the event's TZID (its wall-clock time in its zone), an
RRULE for repeating events (FREQ, INTERVAL, UNTIL in UTC, COUNT), DTEND, one VALARM per reminder
offset, and a VTIMEZONE for every zone used. RFC 5545 recurrence matches the product's
occurrence rules: nonexistent local times move forward by the gap, and monthly rules skip
months without the start's day. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Final

from icalendar import Alarm, Calendar
from icalendar import Event as VEvent

from maxhack.domain.event_queries import EventItem
from maxhack.domain.schedule import RepeatKind

__all__ = ["PRODID", "build_calendar", "event_uid"]

PRODID: Final = "-//MaxHack Calendar//EN"
UID_DOMAIN: Final = "maxhack"
DEFAULT_DURATION: Final = timedelta(hours=1)  # shown length of a zero-duration event
TIMEZONE_HORIZON_YEARS: Final = 20
_FREQ = {RepeatKind.DAILY: "DAILY", RepeatKind.WEEKLY: "WEEKLY", RepeatKind.MONTHLY: "MONTHLY"}


def event_uid(event_id: int) -> str:
    return f"event-{event_id}@{UID_DOMAIN}"


def _vevent(item: EventItem, stamp: datetime) -> VEvent:
    event = item.event
    schedule = event.schedule
    vevent = VEvent()
    vevent.add("uid", event_uid(event.id))
    vevent.add("dtstamp", stamp)
    vevent.add("summary", event.title)
    if event.description:
        vevent.add("description", event.description)
    if item.group_name:
        vevent.add("categories", [item.group_name])
    start = schedule.local_start
    vevent.add("dtstart", start)
    length = timedelta(minutes=schedule.duration_min) or DEFAULT_DURATION
    vevent.add("dtend", (schedule.first_start + length).astimezone(schedule.tz))
    if schedule.repeat is not RepeatKind.NONE:
        rule: dict[str, object] = {"freq": _FREQ[schedule.repeat]}
        if schedule.interval > 1:
            rule["interval"] = schedule.interval
        if schedule.until is not None:
            rule["until"] = schedule.until.astimezone(UTC)
        if schedule.count is not None:
            rule["count"] = schedule.count
        vevent.add("rrule", rule)
    for minutes in event.reminder_offsets:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", event.title)
        alarm.add("trigger", timedelta(minutes=-minutes))
        vevent.add_component(alarm)
    return vevent


def build_calendar(items: Sequence[EventItem], *, now: datetime | None = None) -> bytes:
    """The iCalendar bytes for ``items`` (an empty calendar when there are none)."""
    now = now or datetime.now(UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    for item in items:
        calendar.add_component(_vevent(item, now))
    if items:
        first = min(item.event.schedule.first_start for item in items).date()
        calendar.add_missing_timezones(
            first_date=first - timedelta(days=1),
            last_date=date(now.year + TIMEZONE_HORIZON_YEARS, 1, 1),
        )
    data: bytes = calendar.to_ical()
    return data
