"""Values of the domain: roles, modes, and the plain records the services return.

Records are frozen dataclasses built from database rows (``from_row``); the API turns them into
its pydantic response models, the bot into texts. Nothing here touches the database.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Protocol

from maxhack.domain.schedule import RepeatKind, Schedule

__all__ = [
    "DEFAULT_TIME_ZONE",
    "PERSONAL_GROUP_NAME",
    "UNSET",
    "AnswerStatus",
    "Event",
    "Group",
    "Invite",
    "Member",
    "Membership",
    "NotifyMode",
    "Role",
    "Row",
    "Tag",
    "Unset",
    "User",
]

DEFAULT_TIME_ZONE: Final = "Europe/Moscow"
PERSONAL_GROUP_NAME: Final = "Личная"


class Unset(enum.Enum):
    """Marks a field a partial update leaves unchanged (``None`` means "clear it")."""

    UNSET = "UNSET"


UNSET: Final = Unset.UNSET


class Row(Protocol):
    """A database row (an asyncpg ``Record``) or any mapping of column names to values."""

    def __getitem__(self, key: str, /) -> Any: ...


class Role(enum.IntEnum):
    """Roles in a group; the ids are fixed (seeded by the migration)."""

    OWNER = 1
    ADMIN = 2
    MEMBER = 3

    @property
    def label(self) -> str:
        """The stored, user-visible name («Босс», «Начальник», «Участник»)."""
        return _ROLE_TITLES[self]

    @property
    def manages(self) -> bool:
        """Owner and admins manage members, tags, invites and events."""
        return self is not Role.MEMBER


_ROLE_TITLES = {Role.OWNER: "Босс", Role.ADMIN: "Начальник", Role.MEMBER: "Участник"}


class NotifyMode(enum.StrEnum):
    """Reminder delivery mode, globally per user and per membership."""

    DEFAULT = "DEFAULT"
    SILENT = "SILENT"
    DISABLE = "DISABLE"


class AnswerStatus(enum.StrEnum):
    """A recipient's answer to one occurrence (the three reminder buttons)."""

    OK = "OK"
    MAYBE = "MAYBE"
    NO = "NO"


@dataclass(frozen=True)
class User:
    id: int
    max_id: int
    dialog_chat_id: int | None
    first_name: str
    last_name: str | None
    username: str | None
    photo_url: str | None
    phone: str | None
    time_zone: str
    notify_mode: NotifyMode
    reachable: bool

    @classmethod
    def from_row(cls, row: Row) -> User:
        return cls(
            id=row["id"],
            max_id=row["max_id"],
            dialog_chat_id=row["dialog_chat_id"],
            first_name=row["first_name"],
            last_name=row["last_name"],
            username=row["username"],
            photo_url=row["photo_url"],
            phone=row["phone"],
            time_zone=row["time_zone"],
            notify_mode=NotifyMode(row["notify_mode"]),
            reachable=row["reachable"],
        )


@dataclass(frozen=True)
class Group:
    id: int
    name: str
    description: str | None
    time_zone: str
    is_personal: bool

    @classmethod
    def from_row(cls, row: Row) -> Group:
        return cls(
            id=row["id"],
            name=row["name"],
            description=row["description"],
            time_zone=row["time_zone"],
            is_personal=row["personal_of"] is not None,
        )


@dataclass(frozen=True)
class Membership:
    """One alive membership: the user's role and per-group notify mode."""

    user_id: int
    group_id: int
    role: Role
    notify_mode: NotifyMode

    @classmethod
    def from_row(cls, row: Row) -> Membership:
        return cls(
            user_id=row["user_id"],
            group_id=row["group_id"],
            role=Role(row["role_id"]),
            notify_mode=NotifyMode(row["notify_mode"]),
        )


@dataclass(frozen=True)
class Member:
    """A membership together with the member's public profile (member lists, tag holders)."""

    membership: Membership
    max_id: int
    first_name: str
    last_name: str | None
    phone: str | None

    @classmethod
    def from_row(cls, row: Row) -> Member:
        return cls(
            membership=Membership.from_row(row),
            max_id=row["max_id"],
            first_name=row["first_name"],
            last_name=row["last_name"],
            phone=row["phone"],
        )


@dataclass(frozen=True)
class Invite:
    key: str
    group_id: int
    creator_id: int
    created_at: datetime


@dataclass(frozen=True)
class Tag:
    id: int
    group_id: int
    name: str
    description: str | None
    color: str

    @classmethod
    def from_row(cls, row: Row) -> Tag:
        return cls(
            id=row["id"],
            group_id=row["group_id"],
            name=row["name"],
            description=row["description"],
            color=row["color"],
        )


def schedule_from_row(row: Row) -> Schedule:
    """The schedule stored in an `events` row (its starts_at … duration_min columns)."""
    return Schedule(
        first_start=row["starts_at"],
        zone=row["time_zone"],
        repeat=RepeatKind(row["repeat"]),
        interval=row["repeat_interval"],
        until=row["repeat_until"],
        count=row["repeat_count"],
        duration_min=row["duration_min"],
    )


@dataclass(frozen=True)
class Event:
    """An alive event with its schedule and reminder offsets (descending, distinct)."""

    id: int
    group_id: int
    creator_id: int
    title: str
    description: str | None
    type: str
    schedule: Schedule
    reminder_offsets: tuple[int, ...]
    created_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> Event:
        return cls(
            id=row["id"],
            group_id=row["group_id"],
            creator_id=row["creator_id"],
            title=row["title"],
            description=row["description"],
            type=row["type"],
            schedule=schedule_from_row(row),
            reminder_offsets=tuple(row["reminder_offsets"]),
            created_at=row["created_at"],
        )
