"""ICS import: turn an iCalendar file into event drafts for the caller's personal group.

Each VEVENT with a SUMMARY and a DTSTART becomes a draft:

* DTSTART with a known IANA TZID keeps that zone; another aware value is an instant in the
  caller's zone; a floating (naive) value is wall-clock time in the caller's zone; a date is
  midnight there.
* Duration = DTEND − DTSTART (or DURATION), default 60 minutes, capped at 30 days.
* RRULE FREQ=DAILY/WEEKLY/MONTHLY with INTERVAL, UNTIL and COUNT. BYDAY/BYMONTHDAY are accepted
  when they name the start's own weekday/day; anything the product cannot represent (other
  frequencies, several weekdays, BYSETPOS, ...) skips that event with a reason — it is never
  silently imported as something else.

A file that is not iCalendar, or has no VEVENT, raises :class:`IcsError`. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from icalendar import Calendar

from maxhack.domain.events import ScheduleDraft
from maxhack.domain.schedule import RepeatKind
from maxhack.domain.zones import validate_zone

__all__ = ["MAX_IMPORT_EVENTS", "IcsError", "ImportedEvent", "Skipped", "parse_ics"]

MAX_IMPORT_EVENTS: Final = 500
DEFAULT_DURATION_MIN: Final = 60
MAX_DURATION_MIN: Final = 43_200
TITLE_MAX: Final = 128
DESCRIPTION_MAX: Final = 1024
MIN_YEAR: Final = 1970
MAX_YEAR: Final = 2200
_FREQS = {"DAILY": RepeatKind.DAILY, "WEEKLY": RepeatKind.WEEKLY, "MONTHLY": RepeatKind.MONTHLY}
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_IGNORED_RULE_PARTS = {"FREQ", "INTERVAL", "UNTIL", "COUNT", "WKST", "BYDAY", "BYMONTHDAY"}


class IcsError(ValueError):
    """The file cannot be imported at all; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class ImportedEvent:
    title: str
    description: str | None
    schedule: ScheduleDraft
    time_zone: str
    duration_min: int


@dataclass(frozen=True)
class Skipped:
    index: int
    summary: str | None
    reason: str


class _Skip(Exception):
    pass


def _clean(text: object, limit: int) -> str | None:
    if text is None:
        return None
    value = str(text).replace("\x00", "").encode("utf-8", "replace").decode("utf-8").strip()
    return value[:limit] or None


def _check_year(value: date) -> None:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise _Skip(f"date outside {MIN_YEAR}-{MAX_YEAR}")


def _start(value: object, default_zone: str) -> tuple[datetime, str]:
    """(start as naive wall time or aware instant, zone of the event)."""
    if isinstance(value, datetime):
        _check_year(value)
        if value.tzinfo is None:
            return value, default_zone
        key = getattr(value.tzinfo, "key", None)
        if isinstance(key, str):
            try:
                return value, validate_zone(key)
            except ValueError:
                pass
        if value.utcoffset() is None:
            raise _Skip("DTSTART has an unusable time zone")
        return value, default_zone
    if isinstance(value, date):
        _check_year(value)
        return datetime.combine(value, time()), default_zone
    raise _Skip("DTSTART is not a date or date-time")


def _duration_min(component: Any, start: object) -> int:
    end = component.decoded("dtend", None)
    length: timedelta | None = None
    if isinstance(end, datetime) and isinstance(start, datetime):
        if (end.tzinfo is None) == (start.tzinfo is None):
            length = end - start
    elif isinstance(end, date) and isinstance(start, date) and not isinstance(end, datetime):
        length = end - start
    elif isinstance(component.decoded("duration", None), timedelta):
        length = component.decoded("duration")
    if length is None or length <= timedelta(0):
        return DEFAULT_DURATION_MIN
    return min(int(length.total_seconds()) // 60, MAX_DURATION_MIN)


def _one(rule: Mapping[str, Sequence[Any]], part: str) -> Any:
    values = rule.get(part)
    if not values:
        return None
    if len(values) != 1:
        raise _Skip(f"RRULE {part} with several values is not supported")
    return values[0]


def _until(value: object, start: datetime) -> datetime:
    if isinstance(value, datetime):
        _check_year(value)
        if value.tzinfo is None and start.tzinfo is not None:
            return value.replace(tzinfo=start.tzinfo)
        return value
    if isinstance(value, date):
        _check_year(value)
        # A date UNTIL includes that whole day, in the event's zone.
        end = datetime.combine(value, time(23, 59, 59))
        return end.replace(tzinfo=start.tzinfo) if start.tzinfo is not None else end
    raise _Skip("RRULE UNTIL is not a date")


def _schedule(component: Any, start: datetime) -> ScheduleDraft:
    rules = component.get("rrule")
    if rules is None:
        return ScheduleDraft(start=start)
    if isinstance(rules, list):
        if len(rules) != 1:
            raise _Skip("several RRULEs are not supported")
        rules = rules[0]
    rule: Mapping[str, Sequence[Any]] = {str(k).upper(): v for k, v in rules.items()}
    unsupported = sorted(set(rule) - _IGNORED_RULE_PARTS)
    if unsupported:
        raise _Skip(f"RRULE {', '.join(unsupported)} is not supported")
    freq = str(_one(rule, "FREQ") or "").upper()
    if freq not in _FREQS:
        raise _Skip(f"RRULE FREQ={freq or '?'} is not supported (DAILY, WEEKLY, MONTHLY only)")
    repeat = _FREQS[freq]
    byday = _one(rule, "BYDAY")
    if byday is not None and (
        repeat is not RepeatKind.WEEKLY or str(byday).upper() != _WEEKDAYS[start.weekday()]
    ):
        raise _Skip("RRULE BYDAY other than the start's weekday is not supported")
    bymonthday = _one(rule, "BYMONTHDAY")
    if bymonthday is not None and (repeat is not RepeatKind.MONTHLY or bymonthday != start.day):
        raise _Skip("RRULE BYMONTHDAY other than the start's day is not supported")
    interval = _one(rule, "INTERVAL") or 1
    count = _one(rule, "COUNT")
    if not isinstance(interval, int) or not 1 <= interval <= 1000:
        raise _Skip("RRULE INTERVAL must be 1-1000")
    if count is not None and (not isinstance(count, int) or not 1 <= count <= 100_000):
        raise _Skip("RRULE COUNT must be 1-100000")
    until_value = _one(rule, "UNTIL")
    until = None if until_value is None else _until(until_value, start)
    return ScheduleDraft(start=start, repeat=repeat, interval=interval, until=until, count=count)


def _event(component: Any, default_zone: str) -> ImportedEvent:
    title = _clean(component.get("summary"), TITLE_MAX)
    if title is None:
        raise _Skip("no SUMMARY")
    raw_start = component.decoded("dtstart", None)
    if raw_start is None:
        raise _Skip("no DTSTART")
    start, zone = _start(raw_start, default_zone)
    return ImportedEvent(
        title=title,
        description=_clean(component.get("description"), DESCRIPTION_MAX),
        schedule=_schedule(component, start),
        time_zone=zone,
        duration_min=_duration_min(component, raw_start),
    )


def parse_ics(data: bytes, *, default_zone: str) -> tuple[list[ImportedEvent], list[Skipped]]:
    """Parse ``data``; return the importable events and the skipped ones (with reasons)."""
    try:
        calendar = Calendar.from_ical(data)
    except Exception as exc:  # icalendar raises ValueError, KeyError, IndexError, ...
        raise IcsError(f"the file is not a valid iCalendar file ({type(exc).__name__})") from exc
    if getattr(calendar, "name", None) != "VCALENDAR":
        raise IcsError("the file must contain exactly one VCALENDAR")
    components = list(calendar.walk("VEVENT"))
    if not components:
        raise IcsError("the file contains no VEVENT")
    if len(components) > MAX_IMPORT_EVENTS:
        raise IcsError(f"the file contains more than {MAX_IMPORT_EVENTS} events")
    events: list[ImportedEvent] = []
    skipped: list[Skipped] = []
    for index, component in enumerate(components):
        try:
            events.append(_event(component, default_zone))
        except _Skip as skip:
            skipped.append(Skipped(index, _clean(component.get("summary"), TITLE_MAX), str(skip)))
        except (ValueError, TypeError, KeyError, OverflowError) as exc:
            reason = f"unreadable event ({type(exc).__name__})"
            skipped.append(Skipped(index, _clean(component.get("summary"), TITLE_MAX), reason))
    return events, skipped
