"""Occurrence math: when the instances of a repeating event start.

Occurrences are computed on the local calendar of the schedule's zone, never by adding deltas to
instants (product spec §2.3):

* the wall-clock time of every occurrence is the wall-clock time of ``first_start`` in the zone,
  so 10:00 stays 10:00 local across DST changes;
* a wall time that does not exist on a given day moves forward by the gap, an ambiguous one takes
  its first instance (see :mod:`maxhack.domain.zones`);
* daily: every ``interval`` local days; weekly: every ``interval`` weeks on the weekday of the
  start in the zone; monthly: every ``interval`` months (counted from the start month) on the
  start's day of month, skipping the months that lack that day (Jan 31 → Mar 31 → May 31 …);
* occurrence 0 is ``first_start`` itself, even when it is the second instance of an ambiguous
  wall time;
* ``until`` (inclusive) and ``count`` end the series; a series also ends where the Gregorian
  calendar of :mod:`datetime` does (year 9999).

Internally a schedule is a sequence of *periods* (the n-th day/week/month slot of the rule); for
daily and weekly rules and monthly rules on days 1–28 period n is occurrence n, for monthly rules
on days 29–31 some periods are empty. Finding the occurrence after an instant jumps straight to
the right period, so its cost does not grow with the age of the series. The only linear walk is
the index of a period of a monthly rule on day 29–31 (needed for ``count`` and
:func:`occurrence_at`): an integer loop over elapsed months.

Instants passed in may use any tzinfo but must be aware; every instant returned is in UTC.
The series is non-decreasing; it is strictly increasing except in a zone that skipped a whole
calendar day (Pacific/Apia on 2011-12-30), where the skipped day's occurrence lands on the next.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import MAXYEAR, UTC, date, datetime, timedelta

from maxhack.domain.schedule import RepeatKind, Schedule
from maxhack.domain.zones import (
    ORIGINAL_OFFSETS_MIN,
    ensure_aware,
    local_time,
    localize,
    parse_naive_in_zone,
    utc_offset_minutes,
    zone_for_offset_minutes,
)

__all__ = [
    "DEFAULT_OCCURRENCES_LIMIT",
    "ORIGINAL_OFFSETS_MIN",
    "RepeatKind",
    "Schedule",
    "local_time",
    "next_occurrence",
    "occurrence_at",
    "occurrence_end",
    "occurrences_between",
    "parse_naive_in_zone",
    "utc_offset_minutes",
    "zone_for_offset_minutes",
]

DEFAULT_OCCURRENCES_LIMIT = 1000
DAYS_PER_WEEK = 7
MONTHS_PER_YEAR = 12
# Every month has at least this many days; monthly rules on later days skip short months.
SHORTEST_MONTH_DAYS = 28
# How many periods the estimate of the first period at or after an instant stays below it. The
# local wall time of an occurrence can differ from its period's date by a gap (≤ one day), and
# wall clocks can run backwards by a fold, so two periods (≥ two days) of margin keep the
# estimate a strict lower bound.
_ESTIMATE_MARGIN_PERIODS = 2

_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class _BeyondCalendar(Exception):
    """A period falls outside the years :mod:`datetime` can represent."""


def _days_in_month(year: int, month: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS_IN_MONTH[month - 1]


def _month_of_period(schedule: Schedule, period: int) -> tuple[int, int]:
    """(year, month) of a monthly period, counted ``interval`` months at a time."""
    start = schedule.local_start
    months = start.month - 1 + period * schedule.interval
    return start.year + months // MONTHS_PER_YEAR, months % MONTHS_PER_YEAR + 1


def _monthly_period_exists(schedule: Schedule, period: int) -> bool:
    year, month = _month_of_period(schedule, period)
    return schedule.local_start.day <= _days_in_month(year, month)


def _skips_months(schedule: Schedule) -> bool:
    return schedule.repeat is RepeatKind.MONTHLY and schedule.local_start.day > SHORTEST_MONTH_DAYS


def _period_date(schedule: Schedule, period: int) -> date | None:
    """Local calendar date of ``period``, or None for a month lacking the start's day.

    Raises :class:`_BeyondCalendar` past year 9999.
    """
    start = schedule.local_start.date()
    try:
        match schedule.repeat:
            case RepeatKind.NONE:
                return start if period == 0 else None
            case RepeatKind.DAILY:
                return start + timedelta(days=period * schedule.interval)
            case RepeatKind.WEEKLY:
                return start + timedelta(days=period * schedule.interval * DAYS_PER_WEEK)
            case RepeatKind.MONTHLY:
                if not _monthly_period_exists(schedule, period):
                    return None
                year, month = _month_of_period(schedule, period)
                return date(year, month, start.day)
    except (OverflowError, ValueError) as exc:
        raise _BeyondCalendar from exc


def _period_instant(schedule: Schedule, period: int) -> datetime | None:
    """UTC start of the occurrence in ``period``, or None if the period is empty.

    Raises :class:`_BeyondCalendar` past year 9999.
    """
    if period == 0:
        # The start instant itself, even if it is the second instance of an ambiguous time.
        return schedule.first_start.astimezone(UTC)
    day = _period_date(schedule, period)
    if day is None:
        return None
    wall = datetime.combine(day, schedule.local_start.time())
    try:
        return localize(wall, schedule.tz)
    except OverflowError as exc:
        raise _BeyondCalendar from exc


def _index_of_period(schedule: Schedule, period: int) -> int:
    """How many occurrences the periods before ``period`` hold (the index of the next one)."""
    if not _skips_months(schedule):
        return period
    return sum(1 for p in range(period) if _monthly_period_exists(schedule, p))


def _period_lower_bound(schedule: Schedule, instant: datetime) -> int:
    """A period no later than the first one whose occurrence is at or after ``instant``."""
    start = schedule.local_start
    try:
        wall = instant.astimezone(schedule.tz)
    except OverflowError:
        wall = datetime.max if instant > schedule.first_start else datetime.min
    match schedule.repeat:
        case RepeatKind.NONE:
            return 0
        case RepeatKind.DAILY | RepeatKind.WEEKLY:
            step_days = schedule.interval * (
                DAYS_PER_WEEK if schedule.repeat is RepeatKind.WEEKLY else 1
            )
            periods = (wall.date() - start.date()).days // step_days
        case RepeatKind.MONTHLY:
            months = (wall.year - start.year) * MONTHS_PER_YEAR + wall.month - start.month
            periods = months // schedule.interval
    return max(0, periods - _ESTIMATE_MARGIN_PERIODS)


def _occurrences_from(schedule: Schedule, period: int) -> Iterator[datetime]:
    """Occurrences of the periods ``period``, ``period + 1``, … in order, until the series ends."""
    if schedule.repeat is RepeatKind.NONE and period > 0:
        return
    # The index only matters against a count; skip its (possibly linear) computation otherwise.
    index = 0 if schedule.count is None else _index_of_period(schedule, period)
    while schedule.count is None or index < schedule.count:
        try:
            instant = _period_instant(schedule, period)
        except _BeyondCalendar:
            return
        if instant is not None:
            if schedule.until is not None and instant > schedule.until:
                return
            yield instant
            index += 1
        if schedule.repeat is RepeatKind.NONE:
            return
        period += 1


def occurrence_at(schedule: Schedule, index: int) -> datetime | None:
    """The ``index``-th occurrence (0-based) in UTC, or None if the series ends before it.

    Constant time except for monthly rules on day 29–31 (a loop over the elapsed months).
    Raises :class:`ValueError` for a negative index.
    """
    if index < 0:
        raise ValueError(f"index must be >= 0, got {index}")
    if schedule.count is not None and index >= schedule.count:
        return None
    if schedule.repeat is RepeatKind.NONE and index > 0:
        return None
    period = index
    if _skips_months(schedule):
        period, seen = 0, 0
        while True:
            if _month_of_period(schedule, period)[0] > MAXYEAR:
                return None
            if _monthly_period_exists(schedule, period):
                if seen == index:
                    break
                seen += 1
            period += 1
    try:
        instant = _period_instant(schedule, period)
    except _BeyondCalendar:
        return None
    if instant is None or (schedule.until is not None and instant > schedule.until):
        return None
    return instant


def next_occurrence(
    schedule: Schedule, after: datetime, *, inclusive: bool = False
) -> datetime | None:
    """The first occurrence strictly later than ``after`` (or equal, with ``inclusive``).

    Returns None when the series has ended. The search starts at the period of ``after``, so
    its cost does not depend on how old the series is.
    """
    ensure_aware(after, "after")
    for instant in _occurrences_from(schedule, _period_lower_bound(schedule, after)):
        if instant > after or (inclusive and instant == after):
            return instant
    return None


def occurrences_between(
    schedule: Schedule,
    start: datetime,
    end: datetime,
    *,
    limit: int = DEFAULT_OCCURRENCES_LIMIT,
) -> list[datetime]:
    """Occurrences ``t`` with ``start <= t < end``, ascending, at most ``limit`` of them.

    Raises :class:`ValueError` for a negative ``limit``.
    """
    ensure_aware(start, "start")
    ensure_aware(end, "end")
    if limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    found: list[datetime] = []
    if limit == 0 or end <= start:
        return found
    for instant in _occurrences_from(schedule, _period_lower_bound(schedule, start)):
        if instant >= end:
            break
        if instant >= start:
            found.append(instant)
            if len(found) >= limit:
                break
    return found


def occurrence_end(schedule: Schedule, occurrence: datetime) -> datetime:
    """When ``occurrence`` is over: its start plus ``duration_min`` elapsed minutes, in UTC.

    With a zero duration the end equals the start. The duration is real time, so a 60-minute
    meeting that spans a DST change still lasts 60 minutes.
    """
    ensure_aware(occurrence, "occurrence")
    return occurrence.astimezone(UTC) + timedelta(minutes=schedule.duration_min)
