"""Time-zone helpers shared by the bot and the HTTP API.

Every zone is an IANA name resolved with the standard library :mod:`zoneinfo` (the ``tzdata``
package backs it where the host has no zone database). A local wall-clock time is turned into an
instant with two rules (product spec §2.3):

* a time that does not exist (spring-forward gap) moves forward by the length of the gap, so
  02:30 on the Berlin spring-forward day becomes 03:30 CEST;
* an ambiguous time (fall-back fold) uses its first instance (``fold=0``).

Both rules are exactly PEP 495's reading of ``fold=0``: the wall time is interpreted with the UTC
offset in effect *before* the transition. :func:`localize` relies on that.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "ORIGINAL_OFFSETS_MIN",
    "ensure_aware",
    "load_zone",
    "local_time",
    "localize",
    "parse_naive_in_zone",
    "utc_offset_minutes",
    "validate_zone",
    "zone_for_offset_minutes",
]

# Keys zoneinfo accepts that are not real zones: "localtime" is whatever the host is set to,
# "Factory" is a placeholder whose abbreviation is "-00", "posixrules" is an internal default.
_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})

# The original product stored a user's zone as one of these fixed UTC offsets (minutes east of
# UTC). Each maps to a representative IANA zone whose offset is that value. Where Russia has a
# city with the offset it is used; elsewhere a zone without DST is preferred, so the mapping keeps
# meaning "this offset" all year (0 → Atlantic/Reykjavik rather than the label's London, 60 →
# Africa/Lagos rather than Berlin, -300 → America/Bogota rather than New York). Two offsets exist
# only as the standard time of a zone with DST, and no fixed-offset zone (not even Etc/GMT±N,
# which has whole hours only) has them: -210 → America/St_Johns (−02:30 in its summer) and
# 630 → Australia/Lord_Howe (+11:00 in its summer). -720 has no inhabited zone: Etc/GMT+12 (the
# POSIX sign is inverted: Etc/GMT+12 is UTC−12).
_ZONE_FOR_OFFSET_MIN: dict[int, str] = {
    -720: "Etc/GMT+12",
    -660: "Pacific/Pago_Pago",
    -600: "Pacific/Honolulu",
    -570: "Pacific/Marquesas",
    -540: "Pacific/Gambier",
    -480: "Pacific/Pitcairn",
    -420: "America/Phoenix",
    -360: "America/Regina",
    -300: "America/Bogota",
    -240: "America/Caracas",
    -210: "America/St_Johns",
    -180: "America/Sao_Paulo",
    -120: "America/Noronha",
    -60: "Atlantic/Cape_Verde",
    0: "Atlantic/Reykjavik",
    60: "Africa/Lagos",
    120: "Europe/Kaliningrad",
    180: "Europe/Moscow",
    210: "Asia/Tehran",
    240: "Europe/Samara",
    270: "Asia/Kabul",
    300: "Asia/Yekaterinburg",
    330: "Asia/Kolkata",
    345: "Asia/Kathmandu",
    360: "Asia/Omsk",
    390: "Asia/Yangon",
    420: "Asia/Novosibirsk",
    480: "Asia/Irkutsk",
    525: "Australia/Eucla",
    540: "Asia/Yakutsk",
    570: "Australia/Darwin",
    600: "Asia/Vladivostok",
    630: "Australia/Lord_Howe",
    660: "Asia/Magadan",
    720: "Asia/Kamchatka",
    780: "Pacific/Tongatapu",
    840: "Pacific/Kiritimati",
}

ORIGINAL_OFFSETS_MIN: tuple[int, ...] = tuple(sorted(_ZONE_FOR_OFFSET_MIN))
"""The 37 UTC offsets (minutes east of UTC) the original product accepted, ascending."""

SECONDS_PER_MINUTE = 60


@lru_cache(maxsize=512)
def load_zone(name: str) -> ZoneInfo:
    """Return the zone called ``name`` (an exact, case-sensitive IANA name).

    Raises :class:`ValueError` naming the zone when it is unknown, is not a valid key, or is
    one of the pseudo-zones ``localtime``/``Factory``/``posixrules``.
    """
    if name in _NOT_ZONES:
        raise ValueError(f"unknown time zone: {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        # ZoneInfoNotFoundError is a KeyError; normalise both to ValueError for callers.
        raise ValueError(f"unknown time zone: {name!r}") from exc


def validate_zone(name: str) -> str:
    """Return ``name`` unchanged if it is a known IANA zone, else raise :class:`ValueError`."""
    load_zone(name)
    return name


def ensure_aware(value: datetime, what: str) -> datetime:
    """Return ``value`` if it is timezone-aware, else raise :class:`ValueError` naming ``what``."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, got naive {value!r}")
    return value


def localize(wall: datetime, zone: ZoneInfo) -> datetime:
    """Return the UTC instant of the naive local wall-clock time ``wall`` in ``zone``.

    Gaps move forward by the gap, folds take the first instance (see the module docstring).
    Any ``fold`` attribute already on ``wall`` is ignored.
    """
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def parse_naive_in_zone(naive: datetime, zone: str) -> datetime:
    """Interpret a naive client date-time as wall-clock time in ``zone``; return it in UTC.

    Raises :class:`ValueError` if ``naive`` carries a tzinfo or ``zone`` is unknown.
    """
    if naive.tzinfo is not None:
        raise ValueError(f"expected a naive datetime, got {naive!r}")
    return localize(naive, load_zone(zone))


def local_time(instant: datetime, zone: str) -> datetime:
    """Return the aware instant ``instant`` as wall-clock time in ``zone`` (tzinfo = the zone)."""
    return ensure_aware(instant, "instant").astimezone(load_zone(zone))


def utc_offset_minutes(zone: str, at: datetime) -> int:
    """Return the UTC offset of ``zone`` at the aware instant ``at``, in minutes east of UTC.

    Offsets with a seconds part (local mean time before ~1900) are floored to whole minutes.
    """
    offset = local_time(at, zone).utcoffset()
    assert offset is not None  # a ZoneInfo always yields an offset for an aware datetime
    return int(offset.total_seconds()) // SECONDS_PER_MINUTE


def zone_for_offset_minutes(offset: int) -> str:
    """Map one of the original product's fixed offsets to a representative IANA zone.

    The zone's standard offset equals ``offset``; every zone except America/St_Johns (-210) and
    Australia/Lord_Howe (630) keeps it all year. Raises :class:`ValueError` for any other offset.
    """
    try:
        return _ZONE_FOR_OFFSET_MIN[offset]
    except KeyError:
        raise ValueError(
            f"unsupported UTC offset {offset} minutes; expected one of {list(ORIGINAL_OFFSETS_MIN)}"
        ) from None
