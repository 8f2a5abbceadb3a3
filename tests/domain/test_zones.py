"""Zone helpers: loading, offsets, the original product's offset mapping, naive parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from maxhack.domain.zones import (
    ORIGINAL_OFFSETS_MIN,
    load_zone,
    local_time,
    parse_naive_in_zone,
    utc_offset_minutes,
    validate_zone,
    zone_for_offset_minutes,
)

RUSSIAN_ZONES = {
    120: "Europe/Kaliningrad",
    180: "Europe/Moscow",
    240: "Europe/Samara",
    300: "Asia/Yekaterinburg",
    360: "Asia/Omsk",
    420: "Asia/Novosibirsk",
    480: "Asia/Irkutsk",
    540: "Asia/Yakutsk",
    600: "Asia/Vladivostok",
    660: "Asia/Magadan",
    720: "Asia/Kamchatka",
}
# Offsets with no zone that keeps them all year; mapped to a zone whose standard time has them.
DST_ONLY_OFFSETS = {-210: "America/St_Johns", 630: "Australia/Lord_Howe"}


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_original_offsets_are_the_37_documented_values() -> None:
    assert ORIGINAL_OFFSETS_MIN == (
        -720, -660, -600, -570, -540, -480, -420, -360, -300, -240, -210, -180, -120, -60, 0,
        60, 120, 180, 210, 240, 270, 300, 330, 345, 360, 390, 420, 480, 525, 540, 570, 600,
        630, 660, 720, 780, 840,
    )  # fmt: skip


@pytest.mark.parametrize(("offset", "zone"), sorted(RUSSIAN_ZONES.items()))
def test_offset_maps_to_russian_city(offset: int, zone: str) -> None:
    assert zone_for_offset_minutes(offset) == zone


@pytest.mark.parametrize("offset", ORIGINAL_OFFSETS_MIN)
def test_mapped_zone_has_the_offset_all_year(offset: int) -> None:
    zone = zone_for_offset_minutes(offset)
    seen = {
        utc_offset_minutes(zone, utc(year, month, 15, 12))
        for year in (2026, 2035)
        for month in (1, 4, 7, 10)
    }
    if offset in DST_ONLY_OFFSETS:
        assert zone == DST_ONLY_OFFSETS[offset]
        # Standard time has the offset; summer time is 60 (St John's) or 30 (Lord Howe) later.
        assert min(seen) == offset
        assert len(seen) == 2
    else:
        assert seen == {offset}


def test_zone_0_is_a_fixed_offset_city_and_minus_720_is_etc() -> None:
    assert zone_for_offset_minutes(0) == "Atlantic/Reykjavik"
    assert zone_for_offset_minutes(-720) == "Etc/GMT+12"
    assert utc_offset_minutes("Etc/GMT+12", utc(2026, 1, 1)) == -720


@pytest.mark.parametrize("offset", [1, -1, 5, 90, 900, -780])
def test_unknown_offset_is_rejected(offset: int) -> None:
    with pytest.raises(ValueError, match=str(offset)):
        zone_for_offset_minutes(offset)


@pytest.mark.parametrize(
    "name",
    ["Nope/Zone", "europe/moscow", "", " Europe/Moscow", "../etc/passwd", "localtime", "Factory"],
)
def test_unknown_zone_is_a_value_error_naming_it(name: str) -> None:
    with pytest.raises(ValueError, match="unknown time zone") as info:
        load_zone(name)
    assert repr(name) in str(info.value)


def test_validate_zone_returns_the_name() -> None:
    assert validate_zone("Asia/Kolkata") == "Asia/Kolkata"


@pytest.mark.parametrize(
    ("zone", "at", "minutes"),
    [
        ("Europe/Moscow", utc(2026, 7, 1), 180),
        ("Europe/Berlin", utc(2026, 1, 1), 60),
        ("Europe/Berlin", utc(2026, 7, 1), 120),
        ("Europe/Berlin", utc(2026, 3, 29, 0, 59), 60),
        ("Europe/Berlin", utc(2026, 3, 29, 1, 0), 120),
        ("America/New_York", utc(2026, 1, 1), -300),
        ("America/New_York", utc(2026, 7, 1), -240),
        ("Asia/Kolkata", utc(2026, 1, 1), 330),
        ("Asia/Kathmandu", utc(2026, 1, 1), 345),
        ("Australia/Lord_Howe", utc(2026, 7, 1), 630),
        ("Australia/Lord_Howe", utc(2026, 1, 1), 660),
        ("America/St_Johns", utc(2026, 1, 1), -210),
    ],
)
def test_utc_offset_minutes(zone: str, at: datetime, minutes: int) -> None:
    assert utc_offset_minutes(zone, at) == minutes


def test_utc_offset_minutes_accepts_any_aware_instant() -> None:
    moscow_noon = datetime(2026, 7, 1, 12, tzinfo=timezone(timedelta(hours=3)))
    assert utc_offset_minutes("Europe/Berlin", moscow_noon) == 120


def test_local_time_converts_and_rejects_naive() -> None:
    local = local_time(utc(2026, 1, 4, 22, 0), "Europe/Moscow")
    assert (local.date().isoformat(), local.hour, local.weekday()) == ("2026-01-05", 1, 0)
    assert local.utcoffset() == timedelta(hours=3)
    with pytest.raises(ValueError, match="aware"):
        local_time(datetime(2026, 1, 1), "Europe/Moscow")


@pytest.mark.parametrize(
    ("naive", "zone", "expected"),
    [
        # Ordinary times.
        (datetime(2026, 7, 1, 10, 0), "Europe/Moscow", utc(2026, 7, 1, 7, 0)),
        (datetime(2026, 1, 1, 9, 0), "Asia/Kolkata", utc(2026, 1, 1, 3, 30)),
        # Spring-forward gaps move forward by the gap.
        (datetime(2026, 3, 29, 2, 30), "Europe/Berlin", utc(2026, 3, 29, 1, 30)),  # 03:30 CEST
        (datetime(2026, 3, 29, 2, 0), "Europe/Berlin", utc(2026, 3, 29, 1, 0)),  # 03:00 CEST
        (datetime(2026, 3, 29, 1, 59), "Europe/Berlin", utc(2026, 3, 29, 0, 59)),  # before the gap
        (datetime(2026, 3, 8, 2, 30), "America/New_York", utc(2026, 3, 8, 7, 30)),  # 03:30 EDT
        (datetime(2026, 10, 4, 2, 15), "Australia/Lord_Howe", utc(2026, 10, 3, 15, 45)),  # 02:45
        (datetime(2026, 9, 6, 0, 30), "America/Santiago", utc(2026, 9, 6, 4, 30)),  # 01:30 -03
        # Fall-back folds take the first instance.
        (datetime(2026, 10, 25, 2, 30), "Europe/Berlin", utc(2026, 10, 25, 0, 30)),  # CEST
        (datetime(2026, 11, 1, 1, 30), "America/New_York", utc(2026, 11, 1, 5, 30)),  # EDT
        (datetime(2026, 4, 5, 1, 45), "Australia/Lord_Howe", utc(2026, 4, 4, 14, 45)),  # +11
        (datetime(2026, 4, 4, 23, 30), "America/Santiago", utc(2026, 4, 5, 2, 30)),  # -03
    ],
)
def test_parse_naive_in_zone(naive: datetime, zone: str, expected: datetime) -> None:
    parsed = parse_naive_in_zone(naive, zone)
    assert parsed == expected
    assert parsed.tzinfo is UTC


def test_parse_naive_ignores_fold_attribute() -> None:
    second = datetime(2026, 10, 25, 2, 30, fold=1)
    assert parse_naive_in_zone(second, "Europe/Berlin") == utc(2026, 10, 25, 0, 30)


def test_parse_naive_rejects_aware_and_unknown_zone() -> None:
    with pytest.raises(ValueError, match="naive"):
        parse_naive_in_zone(utc(2026, 1, 1), "Europe/Moscow")
    with pytest.raises(ValueError, match="Mars/Olympus"):
        parse_naive_in_zone(datetime(2026, 1, 1), "Mars/Olympus")
