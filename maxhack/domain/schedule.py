"""The repeat rule of an event: when its first occurrence is and how it recurs.

A :class:`Schedule` is a validated value; the arithmetic over it lives in
:mod:`maxhack.domain.occurrences`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from maxhack.domain.zones import ensure_aware, load_zone

__all__ = ["RepeatKind", "Schedule"]


class RepeatKind(enum.Enum):
    """How an event recurs. ``NONE`` is a one-off."""

    NONE = "none"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


@dataclass(frozen=True)
class Schedule:
    """The recurrence of an event.

    * ``first_start`` — aware instant (any tzinfo) of the first occurrence. Its wall-clock time
      in ``zone`` (hour, minute, second, microsecond) is the wall-clock time of every occurrence;
      its date in ``zone`` anchors the weekday (weekly) and the day of month (monthly).
    * ``zone`` — IANA zone the event recurs in.
    * ``repeat``/``interval`` — every ``interval`` local days, weeks or months (``interval`` is
      ignored for ``NONE``).
    * ``until`` — aware instant; occurrences later than it are not part of the series (inclusive).
    * ``count`` — at most this many occurrences (ICS ``COUNT``).
    * ``duration_min`` — length of each occurrence in real (elapsed) minutes.

    A series whose ``until`` precedes ``first_start`` is valid and empty.
    Raises :class:`ValueError` on an unknown zone, naive datetimes or out-of-range numbers.
    """

    first_start: datetime
    zone: str
    repeat: RepeatKind
    interval: int = 1
    until: datetime | None = None
    count: int | None = None
    duration_min: int = 0

    def __post_init__(self) -> None:
        load_zone(self.zone)
        ensure_aware(self.first_start, "first_start")
        if self.until is not None:
            ensure_aware(self.until, "until")
        if self.interval < 1:
            raise ValueError(f"interval must be >= 1, got {self.interval}")
        if self.count is not None and self.count < 1:
            raise ValueError(f"count must be >= 1, got {self.count}")
        if self.duration_min < 0:
            raise ValueError(f"duration_min must be >= 0, got {self.duration_min}")

    @cached_property
    def tz(self) -> ZoneInfo:
        """The :class:`~zoneinfo.ZoneInfo` for :attr:`zone`."""
        return load_zone(self.zone)

    @cached_property
    def local_start(self) -> datetime:
        """:attr:`first_start` as wall-clock time in :attr:`zone` (aware, tzinfo = the zone)."""
        return self.first_start.astimezone(self.tz)
