"""The reminder message (product spec §2.4): what, when in the recipient's zone, how soon,
which group, and the description — HTML, since titles and names are user text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
MESSAGE_MAX_CHARS = 4000


@dataclass(frozen=True)
class ReminderFacts:
    title: str
    description: str | None
    group_name: str
    occurrence_at: datetime
    offset_min: int
    recipient_zone: str


def plural(n: int, one: str, few: str, many: str) -> str:
    """Russian noun form for n: 1 минута, 2 минуты, 5 минут, 11 минут, 21 минута."""
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def how_soon(offset_min: int) -> str:
    if offset_min <= 0:
        return "Начинается сейчас"
    days, rest = divmod(offset_min, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} {plural(days, 'день', 'дня', 'дней')}")
    if hours:
        parts.append(f"{hours} {plural(hours, 'час', 'часа', 'часов')}")
    if minutes:
        parts.append(f"{minutes} {plural(minutes, 'минуту', 'минуты', 'минут')}")
    return "Через " + " ".join(parts)


def format_when(instant: datetime, zone: str) -> str:
    local = instant.astimezone(ZoneInfo(zone))
    offset = local.utcoffset()
    assert offset is not None
    total_min = int(offset.total_seconds() // 60)
    sign = "+" if total_min >= 0 else "−"
    hours, minutes = divmod(abs(total_min), 60)
    return (
        f"{local:%d.%m.%Y} ({WEEKDAYS[local.weekday()]}) в {local:%H:%M} "
        f"(UTC{sign}{hours:02d}:{minutes:02d})"
    )


def reminder_text(facts: ReminderFacts) -> str:
    lines = [
        f"🔔 <b>{escape(facts.title)}</b>",
        f"⏳ {how_soon(facts.offset_min)}",
        f"🗓 {format_when(facts.occurrence_at, facts.recipient_zone)}",
        f"👥 Группа: {escape(facts.group_name)}",
    ]
    if facts.description:
        lines.append(f"📝 {escape(facts.description)}")
    return "\n".join(lines)[:MESSAGE_MAX_CHARS]
