"""Users: created on first sight (bot update or WebApp request), profile edits, personal group.

A user is keyed by their MAX id. The first time a MAX user is seen, their row and their
personal group (flagged by ``groups.personal_of``, owner membership) are created in the same
statement, so a user never exists without a personal group. Names from MAX are stored then and
never refreshed (the profile edit owns them afterwards). The dialog chat id is only ever taken
from bot updates (``dialog_chat_id`` argument), never from WebApp init data.
"""

from __future__ import annotations

from dataclasses import dataclass

from maxhack.domain.errors import NotFound
from maxhack.domain.hooks import Conn, after_group_change
from maxhack.domain.models import (
    PERSONAL_GROUP_NAME,
    UNSET,
    Group,
    NotifyMode,
    Unset,
    User,
)

__all__ = [
    "USER_NOT_FOUND",
    "MaxProfile",
    "UserUpdate",
    "ensure_user",
    "get_user",
    "personal_group",
    "update_user",
]

USER_NOT_FOUND = "Пользователь не найден"

# Limits of the users table; MAX data is cut to fit rather than rejected.
FIRST_NAME_MAX = 64
LAST_NAME_MAX = 64
USERNAME_MAX = 64
PHOTO_URL_MAX = 512

_USER_COLUMNS = (
    "id, max_id, dialog_chat_id, first_name, last_name, username, photo_url, phone, "
    "time_zone, notify_mode, reachable"
)

# One round trip for the common cases: the user exists (the INSERT does nothing), or the user
# is new (user, personal group and owner membership are inserted together).
_ENSURE_SQL = """
WITH new_user AS (
    INSERT INTO users (max_id, first_name, last_name, username, photo_url, dialog_chat_id)
    VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (max_id) DO NOTHING
    RETURNING id, time_zone
), new_group AS (
    INSERT INTO groups (name, time_zone, personal_of)
    SELECT $7, time_zone, id FROM new_user
    RETURNING id, personal_of
), new_membership AS (
    INSERT INTO memberships (user_id, group_id, role_id)
    SELECT personal_of, id, 1 FROM new_group
)
SELECT id, true AS created FROM new_user
UNION ALL
SELECT id, false AS created FROM users WHERE max_id = $1
"""


@dataclass(frozen=True)
class MaxProfile:
    """What MAX tells about a user (WebApp init data ``user`` or a bot update's sender)."""

    max_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    photo_url: str | None = None


@dataclass(frozen=True)
class UserUpdate:
    """A profile edit: ``UNSET`` fields are left alone, ``None`` clears a nullable field."""

    first_name: str | Unset = UNSET
    last_name: str | Unset | None = UNSET
    phone: str | Unset | None = UNSET
    time_zone: str | Unset = UNSET
    notify_mode: NotifyMode | Unset = UNSET


def _clean(text: str | None, limit: int) -> str | None:
    """Fit MAX-supplied text into a column: no NULs or lone surrogates, at most ``limit``."""
    if text is None:
        return None
    text = text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return text[:limit]


async def ensure_user(conn: Conn, profile: MaxProfile, *, dialog_chat_id: int | None = None) -> int:
    """Return the id of the user with ``profile.max_id``, creating them on first sight.

    A new user gets the default time zone and notify mode, and a personal group. For an
    existing user nothing changes except the dialog chat id when one is given (bot updates).
    Safe against concurrent first requests for the same MAX id.
    """
    first_name = _clean(profile.first_name, FIRST_NAME_MAX) or str(profile.max_id)
    rows = await conn.fetch(
        _ENSURE_SQL,
        profile.max_id,
        first_name,
        _clean(profile.last_name, LAST_NAME_MAX),
        _clean(profile.username, USERNAME_MAX),
        _clean(profile.photo_url, PHOTO_URL_MAX),
        dialog_chat_id,
        PERSONAL_GROUP_NAME,
    )
    if not rows:
        # A concurrent transaction inserted the user after this statement's snapshot.
        user_id: int = await conn.fetchval("SELECT id FROM users WHERE max_id = $1", profile.max_id)
    else:
        user_id = rows[0]["id"]
        if rows[0]["created"]:
            return user_id
    if dialog_chat_id is not None:
        await conn.execute(
            "UPDATE users SET dialog_chat_id = $2, reachable = true, updated_at = now() "
            "WHERE id = $1 AND dialog_chat_id IS DISTINCT FROM $2",
            user_id,
            dialog_chat_id,
        )
    return user_id


async def get_user(conn: Conn, user_id: int) -> User:
    row = await conn.fetchrow(f"SELECT {_USER_COLUMNS} FROM users WHERE id = $1", user_id)
    if row is None:
        raise NotFound(USER_NOT_FOUND)
    return User.from_row(row)


async def update_user(conn: Conn, user_id: int, update: UserUpdate) -> User:
    """Apply a profile edit and return the user as stored. Values are validated by the caller
    (API models); the time zone must be a valid IANA name."""
    columns: dict[str, object] = {
        "first_name": update.first_name,
        "last_name": update.last_name,
        "phone": update.phone,
        "time_zone": update.time_zone,
        "notify_mode": update.notify_mode,
    }
    changes = {name: value for name, value in columns.items() if value is not UNSET}
    if not changes:
        return await get_user(conn, user_id)
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(changes, start=2))
    row = await conn.fetchrow(
        f"UPDATE users SET {assignments}, updated_at = now() WHERE id = $1 "
        f"RETURNING {_USER_COLUMNS}",
        user_id,
        *changes.values(),
    )
    if row is None:
        raise NotFound(USER_NOT_FOUND)
    if "time_zone" in changes:
        # The personal group follows its owner's zone (new personal events default to it).
        group_id = await conn.fetchval(
            "UPDATE groups SET time_zone = $2, updated_at = now() "
            "WHERE personal_of = $1 AND time_zone <> $2 RETURNING id",
            user_id,
            changes["time_zone"],
        )
        if group_id is not None:
            await after_group_change(conn, group_id)
    return User.from_row(row)


async def personal_group(conn: Conn, user_id: int) -> Group:
    row = await conn.fetchrow(
        "SELECT id, name, description, time_zone, personal_of FROM groups WHERE personal_of = $1",
        user_id,
    )
    if row is None:
        raise NotFound("Личная группа не найдена")
    return Group.from_row(row)
