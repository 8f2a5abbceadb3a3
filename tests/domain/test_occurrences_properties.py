"""Property tests of the occurrence math against an independent oracle.

The oracle expands the rule with ``dateutil.rrule`` on naive *local* wall-clock times and turns
each wall time into an instant by brute force: the candidate offsets are those the zone uses
within two days, a wall time exists if one of them round-trips, an ambiguous one takes the
earliest instant, and a missing one is found by walking forward minute by minute to the first
existing wall time and applying the offset that was in effect just before it (which moves the
time forward by the gap). It shares no code with the module under test.
"""

from __future__ import annotations

import calendar
import functools
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule  # type: ignore[import-untyped]
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maxhack.domain.occurrences import (
    RepeatKind,
    Schedule,
    next_occurrence,
    occurrence_at,
    occurrences_between,
)

ZONES = [
    "Europe/Moscow",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",  # 30-minute DST
    "America/St_Johns",  # -03:30 with DST
    "America/Havana",  # transitions at midnight
    "America/Santiago",  # fold across midnight
    "Pacific/Chatham",  # +12:45 / +13:45
    "Europe/Dublin",  # "negative DST" in tzdata
    "Asia/Tehran",  # DST until 2022
    "UTC",
]
FREQ = {
    RepeatKind.DAILY: rrule.DAILY,
    RepeatKind.WEEKLY: rrule.WEEKLY,
    RepeatKind.MONTHLY: rrule.MONTHLY,
}
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)

PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


# --- the oracle ----------------------------------------------------------------------------


def _instants_with_wall(wall: datetime, tz: ZoneInfo) -> list[datetime]:
    as_utc = wall.replace(tzinfo=UTC)
    offsets = {(as_utc + k * DAY).astimezone(tz).utcoffset() for k in (-2, -1, 0, 1, 2)}
    found = []
    for offset in offsets:
        assert offset is not None
        candidate = as_utc - offset
        if candidate.astimezone(tz).replace(tzinfo=None) == wall:
            found.append(candidate)
    return sorted(found)


def oracle_localise(wall: datetime, tz: ZoneInfo) -> datetime:
    existing = _instants_with_wall(wall, tz)
    if existing:
        return existing[0]
    k = 1
    while not (after_gap := _instants_with_wall(wall + k * MINUTE, tz)):
        k += 1
    before = (after_gap[0] - MINUTE).astimezone(tz).utcoffset()
    assert before is not None
    return wall.replace(tzinfo=UTC) - before


def in_gap(wall: datetime, tz: ZoneInfo) -> bool:
    return not _instants_with_wall(wall, tz)


@dataclass(frozen=True)
class OracleOccurrence:
    rule_wall: datetime  # the naive local wall time the rule asks for
    instant: datetime  # UTC


def oracle(schedule: Schedule) -> Iterator[OracleOccurrence]:
    tz = ZoneInfo(schedule.zone)
    wall0 = schedule.first_start.astimezone(tz).replace(tzinfo=None, fold=0)
    if schedule.repeat is RepeatKind.NONE:
        walls: Iterator[datetime] = iter([wall0])
    else:
        walls = iter(
            rrule.rrule(
                FREQ[schedule.repeat],
                dtstart=wall0,
                interval=schedule.interval,
                count=schedule.count,
            )
        )
    for n, wall in enumerate(walls):
        instant = schedule.first_start.astimezone(UTC) if n == 0 else oracle_localise(wall, tz)
        if schedule.until is not None and instant > schedule.until:
            return
        yield OracleOccurrence(wall, instant)


def oracle_until(schedule: Schedule, end: datetime) -> list[OracleOccurrence]:
    found = []
    for occ in oracle(schedule):
        if occ.instant >= end:
            break
        found.append(occ)
    return found


# --- strategies ----------------------------------------------------------------------------


@functools.cache
def transitions(zone: str, year: int) -> tuple[tuple[datetime, timedelta, timedelta], ...]:
    """(UTC instant, offset before, offset after) of each offset change of ``zone`` in ``year``."""
    tz = ZoneInfo(zone)

    def offset(t: datetime) -> timedelta:
        value = t.astimezone(tz).utcoffset()
        assert value is not None
        return value

    found = []
    t = datetime(year, 1, 1, tzinfo=UTC)
    while t.year == year:
        if offset(t) != offset(t + DAY):
            lo, hi = 0, 24 * 60  # minutes after t; bisect to the first minute of the new offset
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if offset(t + mid * MINUTE) == offset(t) else (lo, mid)
            found.append((t + hi * MINUTE, offset(t), offset(t + hi * MINUTE)))
        t += DAY
    return tuple(found)


def shift_back(wall: datetime, repeat: RepeatKind, steps: int) -> datetime | None:
    """The wall time ``steps`` rule periods earlier, or None if that month lacks the day."""
    if repeat is RepeatKind.MONTHLY:
        months = wall.year * 12 + wall.month - 1 - steps
        year, month = divmod(months, 12)
        if wall.day > calendar.monthrange(year, month + 1)[1]:
            return None
        return wall.replace(year=year, month=month + 1)
    return wall - steps * DAY * (7 if repeat is RepeatKind.WEEKLY else 1)


@st.composite
def plain_walls(draw: st.DrawFn, zone: str) -> datetime:
    year = draw(st.integers(1995, 2045))
    month = draw(st.integers(1, 12))
    # Favour month ends, where monthly rules skip.
    day = min(
        draw(st.one_of(st.integers(1, 31), st.integers(28, 31))),
        calendar.monthrange(year, month)[1],
    )
    hour = draw(st.one_of(st.sampled_from([0, 1, 2, 3, 23]), st.integers(0, 23)))
    minute = draw(st.one_of(st.sampled_from([0, 15, 30, 45]), st.integers(0, 59)))
    return datetime(year, month, day, hour, minute)


@st.composite
def transition_walls(draw: st.DrawFn, zone: str) -> datetime | None:
    """A wall time inside a gap or fold of ``zone`` (None if the zone has none that year)."""
    changes = transitions(zone, draw(st.integers(1995, 2045)))
    if not changes:
        return None
    instant, before, after = draw(st.sampled_from(changes))
    # Gap: walls [T+before, T+after) are missing; fold: walls [T+after, T+before) repeat.
    first_wall = (instant + min(before, after)).replace(tzinfo=None)
    width_min = abs(after - before) // MINUTE
    return first_wall + draw(st.integers(0, width_min - 1)) * MINUTE


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    zone = draw(st.sampled_from(ZONES))
    tz = ZoneInfo(zone)
    repeat = draw(st.sampled_from(list(RepeatKind)))
    interval = draw(st.one_of(st.just(1), st.integers(1, 14)))
    # Two draws in three aim at a DST transition.
    aim = draw(st.sampled_from([plain_walls(zone), transition_walls(zone), transition_walls(zone)]))
    wall = draw(aim)
    if wall is None:
        wall = draw(plain_walls(zone))
    else:
        # Start a few rule periods before the transition so the series runs into it.
        steps = draw(st.sampled_from([1, 2, 3, 10, 0])) * interval
        wall = shift_back(wall, repeat, steps) or wall
    # fold=1 exercises a first start at the second instance of an ambiguous time.
    first_start = wall.replace(tzinfo=tz, fold=draw(st.integers(0, 1))).astimezone(UTC)
    # An end in one draw of three each, so most series run long enough to reach transitions.
    until = None
    if draw(st.integers(0, 2)) == 0:
        until = first_start + draw(st.integers(0, 2000)) * DAY
    count = draw(st.integers(1, 60)) if draw(st.integers(0, 2)) == 0 else None
    return Schedule(first_start, zone, repeat, interval, until, count)


@st.composite
def windows(draw: st.DrawFn, schedule: Schedule) -> tuple[datetime, datetime]:
    # Mostly near the start (where drawn transitions are), sometimes up to ~3 years later (the
    # oracle iterates from the start); up to ~4 months long.
    day_min = 60 * 24
    offset_min = draw(
        st.one_of(st.integers(-40 * day_min, 400 * day_min), st.integers(0, 1100 * day_min))
    )
    start = schedule.first_start + timedelta(minutes=offset_min)
    end = start + timedelta(minutes=draw(st.integers(0, 130 * day_min)))
    return start, end


# --- properties ----------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(data=st.data(), schedule=schedules())
def test_occurrences_between_matches_oracle(data: st.DataObject, schedule: Schedule) -> None:
    start, end = data.draw(windows(schedule))
    expected = [o.instant for o in oracle_until(schedule, end) if o.instant >= start]
    found = occurrences_between(schedule, start, end)
    assert found == expected
    assert all(t.tzinfo is UTC for t in found)
    assert all(a < b for a, b in itertools.pairwise(found))


@PROPERTY_SETTINGS
@given(data=st.data(), schedule=schedules())
def test_next_occurrence_is_first_oracle_value_after(
    data: st.DataObject, schedule: Schedule
) -> None:
    start, end = data.draw(windows(schedule))
    horizon = end + 400 * DAY
    series: list[datetime] = []
    ended = True  # the series ends before the horizon
    for occ in oracle(schedule):
        if occ.instant >= horizon:
            ended = False
            break
        series.append(occ.instant)
    probes = [start, end]
    if series:
        # Exactly on an occurrence, to tell strict from inclusive.
        probes.append(data.draw(st.sampled_from(series)))
    for after in probes:
        strict = next((t for t in series if t > after), None)
        inclusive = next((t for t in series if t >= after), None)
        # Past the horizon of a series that goes on, the oracle knows nothing.
        if strict is not None or ended:
            assert next_occurrence(schedule, after) == strict
        if inclusive is not None or ended:
            assert next_occurrence(schedule, after, inclusive=True) == inclusive


@PROPERTY_SETTINGS
@given(schedule=schedules())
def test_series_keeps_wall_clock_and_day(schedule: Schedule) -> None:
    tz = ZoneInfo(schedule.zone)
    expected = oracle_until(schedule, schedule.first_start + 3 * 366 * DAY)[:40]
    found = occurrences_between(
        schedule, schedule.first_start, schedule.first_start + 3 * 366 * DAY, limit=40
    )
    assert found == [o.instant for o in expected]
    assert all(a < b for a, b in itertools.pairwise(found))
    start_wall = schedule.first_start.astimezone(tz)
    for n, (occ, instant) in enumerate(zip(expected, found, strict=True)):
        assert occurrence_at(schedule, n) == instant
        wall = instant.astimezone(tz).replace(tzinfo=None)
        if n == 0:
            continue
        if in_gap(occ.rule_wall, tz):
            shift = wall - occ.rule_wall
            assert timedelta(0) < shift <= timedelta(hours=2)
        else:
            assert wall.time() == start_wall.time()
            assert wall.date() == occ.rule_wall.date()
        if schedule.repeat is RepeatKind.MONTHLY:
            assert wall.day == start_wall.day
        if schedule.repeat is RepeatKind.WEEKLY:
            assert wall.weekday() == start_wall.weekday()
    if found:
        # The index-based and the instant-based views of the series agree past the window too.
        following = next_occurrence(schedule, found[-1])
        assert occurrence_at(schedule, len(found)) == following
        if len(found) < 40 and following is not None:
            assert following >= schedule.first_start + 3 * 366 * DAY
