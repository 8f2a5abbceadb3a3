"""Table tests of the occurrence math: DST gaps and folds, repeat kinds, interval, until, count."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from maxhack.domain import occurrences
from maxhack.domain.occurrences import (
    RepeatKind,
    Schedule,
    next_occurrence,
    occurrence_at,
    occurrence_end,
    occurrences_between,
)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def local(
    zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, fold: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone), fold=fold)


def first_n(schedule: Schedule, n: int) -> list[datetime]:
    found = occurrences_between(schedule, schedule.first_start, utc(9000, 1, 1), limit=n)
    assert len(found) == n
    return found


def walls(instants: list[datetime], zone: str) -> list[str]:
    return [i.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %z") for i in instants]


# --- schedule validation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"zone": "Europe/Atlantis"}, "Europe/Atlantis"),
        ({"first_start": datetime(2026, 1, 1)}, "first_start"),
        ({"until": datetime(2026, 2, 1)}, "until"),
        ({"interval": 0}, "interval"),
        ({"count": 0}, "count"),
        ({"duration_min": -1}, "duration_min"),
    ],
)
def test_schedule_rejects_invalid_values(kwargs: dict[str, object], message: str) -> None:
    base: dict[str, object] = {
        "first_start": utc(2026, 1, 1, 7),
        "zone": "Europe/Moscow",
        "repeat": RepeatKind.DAILY,
    }
    with pytest.raises(ValueError, match=message):
        Schedule(**(base | kwargs))  # type: ignore[arg-type]


def test_schedule_local_start_is_in_zone() -> None:
    s = Schedule(utc(2026, 1, 4, 22), "Europe/Moscow", RepeatKind.WEEKLY)
    assert s.local_start == local("Europe/Moscow", 2026, 1, 5, 1)
    assert s.local_start.tzinfo == ZoneInfo("Europe/Moscow")
    assert s == Schedule(utc(2026, 1, 4, 22), "Europe/Moscow", RepeatKind.WEEKLY)
    assert hash(s) == hash(Schedule(utc(2026, 1, 4, 22), "Europe/Moscow", RepeatKind.WEEKLY))


# --- daily across DST ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "first", "expected"),
    [
        pytest.param(
            "Europe/Berlin",
            local("Europe/Berlin", 2026, 3, 27, 10),
            ["2026-03-27 10:00 +0100", "2026-03-28 10:00 +0100", "2026-03-29 10:00 +0200",
             "2026-03-30 10:00 +0200"],
            id="berlin-10:00-spring",
        ),
        pytest.param(
            "Europe/Berlin",
            local("Europe/Berlin", 2026, 10, 23, 10),
            ["2026-10-23 10:00 +0200", "2026-10-24 10:00 +0200", "2026-10-25 10:00 +0100",
             "2026-10-26 10:00 +0100"],
            id="berlin-10:00-autumn",
        ),
        pytest.param(
            "Europe/Berlin",
            local("Europe/Berlin", 2026, 3, 27, 2, 30),
            ["2026-03-27 02:30 +0100", "2026-03-28 02:30 +0100", "2026-03-29 03:30 +0200",
             "2026-03-30 02:30 +0200"],
            id="berlin-02:30-gap-moves-forward",
        ),
        pytest.param(
            "Europe/Berlin",
            local("Europe/Berlin", 2026, 10, 23, 2, 30),
            ["2026-10-23 02:30 +0200", "2026-10-24 02:30 +0200", "2026-10-25 02:30 +0200",
             "2026-10-26 02:30 +0100"],
            id="berlin-02:30-fold-first-instance",
        ),
        pytest.param(
            "America/New_York",
            local("America/New_York", 2026, 3, 7, 2, 30),
            ["2026-03-07 02:30 -0500", "2026-03-08 03:30 -0400", "2026-03-09 02:30 -0400"],
            id="new-york-gap",
        ),
        pytest.param(
            "America/New_York",
            local("America/New_York", 2026, 10, 31, 1, 30),
            ["2026-10-31 01:30 -0400", "2026-11-01 01:30 -0400", "2026-11-02 01:30 -0500"],
            id="new-york-fold",
        ),
        pytest.param(
            "Australia/Lord_Howe",
            local("Australia/Lord_Howe", 2026, 10, 2, 2, 15),
            ["2026-10-02 02:15 +1030", "2026-10-03 02:15 +1030", "2026-10-04 02:45 +1100",
             "2026-10-05 02:15 +1100"],
            id="lord-howe-30-minute-gap",
        ),
        pytest.param(
            "Australia/Lord_Howe",
            local("Australia/Lord_Howe", 2026, 4, 4, 1, 45),
            ["2026-04-04 01:45 +1100", "2026-04-05 01:45 +1100", "2026-04-06 01:45 +1030"],
            id="lord-howe-30-minute-fold",
        ),
        pytest.param(
            "Asia/Kolkata",
            local("Asia/Kolkata", 2026, 3, 28, 9),
            ["2026-03-28 09:00 +0530", "2026-03-29 09:00 +0530", "2026-03-30 09:00 +0530"],
            id="kolkata-no-dst",
        ),
    ],
)  # fmt: skip
def test_daily_keeps_local_wall_clock(zone: str, first: datetime, expected: list[str]) -> None:
    s = Schedule(first, zone, RepeatKind.DAILY)
    assert walls(first_n(s, len(expected)), zone) == expected


def test_daily_in_utc_instants_across_berlin_spring_forward() -> None:
    s = Schedule(local("Europe/Berlin", 2026, 3, 28, 10), "Europe/Berlin", RepeatKind.DAILY)
    assert first_n(s, 3) == [utc(2026, 3, 28, 9), utc(2026, 3, 29, 8), utc(2026, 3, 30, 8)]
    assert all(o.tzinfo is UTC for o in first_n(s, 3))


def test_first_start_in_second_instance_of_fold_is_kept() -> None:
    # 02:30 CET on the fall-back day: the second 02:30 in Berlin. Occurrence 0 is that instant;
    # the next day's 02:30 is unambiguous.
    second = local("Europe/Berlin", 2026, 10, 25, 2, 30, fold=1)
    # (Compare in UTC: PEP 495 makes inter-zone == false for fold=1 times.)
    assert second.astimezone(UTC) == utc(2026, 10, 25, 1, 30)
    s = Schedule(second, "Europe/Berlin", RepeatKind.DAILY)
    assert first_n(s, 2) == [utc(2026, 10, 25, 1, 30), utc(2026, 10, 26, 1, 30)]
    assert occurrence_at(s, 0) == utc(2026, 10, 25, 1, 30)


def test_daily_interval_counts_local_days() -> None:
    s = Schedule(local("Europe/Berlin", 2026, 3, 26, 10), "Europe/Berlin", RepeatKind.DAILY, 3)
    assert walls(first_n(s, 3), "Europe/Berlin") == [
        "2026-03-26 10:00 +0100",
        "2026-03-29 10:00 +0200",
        "2026-04-01 10:00 +0200",
    ]


def test_first_start_in_other_zone_uses_wall_clock_of_event_zone() -> None:
    # Created by a client as 07:00 UTC; the event recurs at 10:00 Moscow time.
    s = Schedule(utc(2026, 1, 1, 7), "Europe/Moscow", RepeatKind.DAILY)
    assert walls(first_n(s, 2), "Europe/Moscow") == [
        "2026-01-01 10:00 +0300",
        "2026-01-02 10:00 +0300",
    ]


# --- weekly ----------------------------------------------------------------------------------


def test_weekly_uses_weekday_in_event_zone() -> None:
    # Monday 01:00 in Moscow is Sunday 22:00 UTC: it must recur on Mondays, Moscow time.
    start = local("Europe/Moscow", 2026, 1, 5, 1)
    assert start.astimezone(UTC).weekday() == 6
    s = Schedule(start.astimezone(UTC), "Europe/Moscow", RepeatKind.WEEKLY)
    found = first_n(s, 5)
    assert found[1] == utc(2026, 1, 11, 22)
    assert {o.astimezone(ZoneInfo("Europe/Moscow")).weekday() for o in found} == {0}
    assert {o.weekday() for o in found} == {6}
    assert {(o.hour, o.minute) for o in found} == {(22, 0)}


def test_weekly_interval_across_new_york_fall_back() -> None:
    s = Schedule(
        local("America/New_York", 2026, 10, 18, 9), "America/New_York", RepeatKind.WEEKLY, 2
    )
    assert walls(first_n(s, 3), "America/New_York") == [
        "2026-10-18 09:00 -0400",
        "2026-11-01 09:00 -0500",
        "2026-11-15 09:00 -0500",
    ]


# --- monthly ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "interval", "expected_dates"),
    [
        pytest.param(
            (2026, 1, 31), 1,
            ["2026-01-31", "2026-03-31", "2026-05-31", "2026-07-31", "2026-08-31", "2026-10-31",
             "2026-12-31", "2027-01-31"],
            id="31st-skips-short-months",
        ),
        pytest.param(
            (2026, 1, 31), 2,
            ["2026-01-31", "2026-03-31", "2026-05-31", "2026-07-31", "2027-01-31", "2027-03-31"],
            id="31st-every-2-months-skips-sep-nov",
        ),
        pytest.param(
            (2026, 1, 30), 1, ["2026-01-30", "2026-03-30", "2026-04-30"], id="30th-skips-feb"
        ),
        pytest.param(
            (2027, 12, 29), 1, ["2027-12-29", "2028-01-29", "2028-02-29", "2028-03-29"],
            id="29th-leap-february",
        ),
        pytest.param(
            (2026, 1, 29), 1, ["2026-01-29", "2026-03-29", "2026-04-29"], id="29th-common-year"
        ),
        pytest.param(
            (2024, 2, 29), 12, ["2024-02-29", "2028-02-29", "2032-02-29"], id="feb-29-yearly"
        ),
        pytest.param(
            (2026, 1, 15), 1, ["2026-01-15", "2026-02-15", "2026-03-15"], id="15th-every-month"
        ),
        pytest.param(
            (2026, 11, 28), 3, ["2026-11-28", "2027-02-28", "2027-05-28"], id="28th-quarterly"
        ),
    ],
)  # fmt: skip
def test_monthly_day_of_month(
    first: tuple[int, int, int], interval: int, expected_dates: list[str]
) -> None:
    s = Schedule(local("Europe/Moscow", *first, 10), "Europe/Moscow", RepeatKind.MONTHLY, interval)
    found = first_n(s, len(expected_dates))
    assert [o.astimezone(s.tz).date().isoformat() for o in found] == expected_dates
    assert {o.astimezone(s.tz).hour for o in found} == {10}
    for n, instant in enumerate(found):
        assert occurrence_at(s, n) == instant


def test_monthly_keeps_wall_clock_across_dst() -> None:
    s = Schedule(local("Europe/Berlin", 2026, 1, 30, 9), "Europe/Berlin", RepeatKind.MONTHLY)
    assert first_n(s, 3) == [utc(2026, 1, 30, 8), utc(2026, 3, 30, 7), utc(2026, 4, 30, 7)]


# --- until, count, one-off --------------------------------------------------------------------


def test_until_is_inclusive() -> None:
    start = utc(2026, 1, 1, 7)
    s = Schedule(start, "Europe/Moscow", RepeatKind.DAILY, until=utc(2026, 1, 3, 7))
    assert occurrences_between(s, start, utc(2027, 1, 1)) == [
        utc(2026, 1, 1, 7),
        utc(2026, 1, 2, 7),
        utc(2026, 1, 3, 7),
    ]
    assert next_occurrence(s, utc(2026, 1, 3, 7)) is None
    assert occurrence_at(s, 2) == utc(2026, 1, 3, 7)
    assert occurrence_at(s, 3) is None


def test_until_before_first_start_is_an_empty_series() -> None:
    s = Schedule(utc(2026, 1, 2), "UTC", RepeatKind.DAILY, until=utc(2026, 1, 1))
    assert occurrences_between(s, utc(2025, 1, 1), utc(2027, 1, 1)) == []
    assert next_occurrence(s, utc(2025, 1, 1)) is None
    assert occurrence_at(s, 0) is None


def test_count_limits_occurrences() -> None:
    start = local("Europe/Moscow", 2026, 1, 31, 10)
    s = Schedule(start, "Europe/Moscow", RepeatKind.MONTHLY, count=3)
    expected = [
        start,
        local("Europe/Moscow", 2026, 3, 31, 10),
        local("Europe/Moscow", 2026, 5, 31, 10),
    ]
    assert occurrences_between(s, start, utc(2030, 1, 1)) == expected
    assert next_occurrence(s, expected[1]) == expected[2]
    assert next_occurrence(s, expected[2]) is None
    assert next_occurrence(s, expected[2], inclusive=True) == expected[2]
    assert [occurrence_at(s, n) for n in range(4)] == [*expected, None]


def test_count_with_monthly_skips_counts_only_real_occurrences() -> None:
    # Jan, Mar, May, Jul, Aug 31: five occurrences, looked up from months after the start.
    start = local("Europe/Moscow", 2026, 1, 31, 10)
    s = Schedule(start, "Europe/Moscow", RepeatKind.MONTHLY, count=5)
    jul, aug = local("Europe/Moscow", 2026, 7, 31, 10), local("Europe/Moscow", 2026, 8, 31, 10)
    assert occurrences_between(s, utc(2026, 6, 1), utc(2030, 1, 1)) == [jul, aug]
    assert next_occurrence(s, utc(2026, 8, 1)) == aug
    assert next_occurrence(s, aug) is None
    assert occurrence_at(s, 4) == aug
    assert occurrence_at(s, 5) is None


def test_count_and_until_whichever_first() -> None:
    start = utc(2026, 1, 1, 7)
    by_count = Schedule(start, "UTC", RepeatKind.WEEKLY, count=2, until=utc(2027, 1, 1))
    by_until = Schedule(start, "UTC", RepeatKind.WEEKLY, count=10, until=utc(2026, 1, 10))
    assert occurrences_between(by_count, start, utc(2028, 1, 1)) == [start, utc(2026, 1, 8, 7)]
    assert occurrences_between(by_until, start, utc(2028, 1, 1)) == [start, utc(2026, 1, 8, 7)]


def test_one_off_has_a_single_occurrence() -> None:
    start = utc(2026, 5, 1, 12)
    s = Schedule(start, "Europe/Moscow", RepeatKind.NONE, interval=5)
    assert next_occurrence(s, utc(2020, 1, 1)) == start
    assert next_occurrence(s, start) is None
    assert next_occurrence(s, start, inclusive=True) == start
    assert occurrences_between(s, utc(2020, 1, 1), utc(2030, 1, 1)) == [start]
    assert occurrence_at(s, 0) == start
    assert occurrence_at(s, 1) is None


# --- next_occurrence / occurrences_between semantics -----------------------------------------


def test_next_occurrence_strict_and_inclusive() -> None:
    s = Schedule(utc(2026, 1, 1, 7), "Europe/Moscow", RepeatKind.DAILY)
    assert next_occurrence(s, utc(2026, 1, 2, 7)) == utc(2026, 1, 3, 7)
    assert next_occurrence(s, utc(2026, 1, 2, 7), inclusive=True) == utc(2026, 1, 2, 7)
    assert next_occurrence(s, utc(2026, 1, 2, 6, 59, 59)) == utc(2026, 1, 2, 7)
    assert next_occurrence(s, utc(2025, 6, 1)) == utc(2026, 1, 1, 7)


def test_next_occurrence_accepts_other_tz_and_rejects_naive() -> None:
    s = Schedule(utc(2026, 1, 1, 7), "Europe/Moscow", RepeatKind.DAILY)
    assert next_occurrence(s, local("Asia/Kolkata", 2026, 1, 2, 13)) == utc(2026, 1, 3, 7)
    with pytest.raises(ValueError, match="after"):
        next_occurrence(s, datetime(2026, 1, 2))


def test_occurrences_between_is_half_open_and_limited() -> None:
    s = Schedule(utc(2026, 1, 1, 7), "Europe/Moscow", RepeatKind.DAILY)
    assert occurrences_between(s, utc(2026, 1, 2, 7), utc(2026, 1, 4, 7)) == [
        utc(2026, 1, 2, 7),
        utc(2026, 1, 3, 7),
    ]
    assert occurrences_between(s, utc(2026, 1, 1), utc(2027, 1, 1), limit=2) == [
        utc(2026, 1, 1, 7),
        utc(2026, 1, 2, 7),
    ]
    assert len(occurrences_between(s, utc(2026, 1, 1), utc(2036, 1, 1))) == 1000
    assert occurrences_between(s, utc(2026, 1, 1), utc(2027, 1, 1), limit=0) == []
    assert occurrences_between(s, utc(2026, 1, 5), utc(2026, 1, 1)) == []
    with pytest.raises(ValueError, match="limit"):
        occurrences_between(s, utc(2026, 1, 1), utc(2027, 1, 1), limit=-1)


def test_occurrence_at_rejects_negative_index() -> None:
    s = Schedule(utc(2026, 1, 1, 7), "UTC", RepeatKind.DAILY)
    with pytest.raises(ValueError, match="index"):
        occurrence_at(s, -1)


def test_series_ends_at_the_end_of_the_calendar() -> None:
    s = Schedule(utc(9999, 12, 1, 7), "Pacific/Kiritimati", RepeatKind.DAILY)
    last = occurrences_between(s, utc(9999, 1, 1), datetime.max.replace(tzinfo=UTC))
    assert last[-1] == utc(9999, 12, 31, 7)  # 21:00 on Dec 31 local; Jan 1 10000 does not exist.
    assert next_occurrence(s, last[-1]) is None
    assert next_occurrence(s, datetime.max.replace(tzinfo=UTC)) is None
    assert occurrence_at(s, 10**6) is None
    monthly = Schedule(utc(9999, 1, 31, 7), "UTC", RepeatKind.MONTHLY)
    assert occurrence_at(monthly, 6) == utc(9999, 12, 31, 7)
    assert occurrence_at(monthly, 7) is None
    assert occurrence_at(monthly, 10**7) is None


# --- cost does not grow with the age of the series -------------------------------------------


@pytest.fixture
def period_computations(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """Count how many periods the occurrence module localises."""
    calls = 0
    real = occurrences._period_instant

    def counting(schedule: Schedule, period: int) -> datetime | None:
        nonlocal calls
        calls += 1
        return real(schedule, period)

    monkeypatch.setattr(occurrences, "_period_instant", counting)
    return lambda: calls


@pytest.mark.parametrize(
    ("repeat", "day"),
    [
        (RepeatKind.DAILY, 1),
        (RepeatKind.WEEKLY, 1),
        (RepeatKind.MONTHLY, 1),
        (RepeatKind.MONTHLY, 31),
    ],
)
def test_next_occurrence_far_from_start_jumps_to_the_period(
    period_computations: Callable[[], int], repeat: RepeatKind, day: int
) -> None:
    s = Schedule(local("Europe/Moscow", 2023, 1, day, 10), "Europe/Moscow", repeat)
    found = next_occurrence(s, utc(2026, 3, 2))
    assert found is not None
    assert found > utc(2026, 3, 2)
    assert period_computations() <= 6


# --- duration ----------------------------------------------------------------------------------


def test_occurrence_end_adds_elapsed_minutes() -> None:
    s = Schedule(local("Europe/Berlin", 2026, 10, 25, 1, 30), "Europe/Berlin", RepeatKind.DAILY,
                 duration_min=90)  # fmt: skip
    start = first_n(s, 1)[0]
    # 01:30 CEST + 90 real minutes = 02:00 CET (the clock went back in between).
    assert occurrence_end(s, start) == start + timedelta(minutes=90)
    assert walls([occurrence_end(s, start)], "Europe/Berlin") == ["2026-10-25 02:00 +0100"]
    zero = Schedule(start, "Europe/Berlin", RepeatKind.NONE)
    assert occurrence_end(zero, start) == start
    assert occurrence_end(zero, start).tzinfo is UTC


def test_public_api() -> None:
    assert sorted(occurrences.__all__) == [
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
    assert all(hasattr(occurrences, name) for name in occurrences.__all__)
