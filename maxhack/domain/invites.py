"""Invites: one alive key per group, recreated or revoked by the owner and admins; joining.

A key is 8 URL-safe characters from a cryptographic RNG (48 bits). Recreating revokes the
previous key; a revoked key stops working at once (every lookup filters ``deleted_at``).
Joining through a key works for anyone who is not an alive member, including members who were
removed earlier. The personal group never has an invite and cannot be joined.
"""

from __future__ import annotations

import secrets
from typing import Final

from maxhack.domain.errors import Conflict, NotFound
from maxhack.domain.hooks import Conn, after_group_change
from maxhack.domain.models import Invite, Row
from maxhack.domain.permissions import (
    Access,
    group_access,
    require_manager,
    require_not_personal,
)

__all__ = [
    "INVITE_KEY_BYTES",
    "INVITE_NOT_FOUND",
    "get_invite",
    "join_by_invite",
    "recreate_invite",
    "revoke_invite",
]

INVITE_KEY_BYTES: Final = 6
"""Random bytes per key: 6 bytes are 8 URL-safe base64 characters."""
INVITE_NOT_FOUND: Final = "Приглашение не найдено"
INVITE_INVALID: Final = "Приглашение недействительно или отозвано"
ALREADY_MEMBER: Final = "Пользователь уже состоит в группе"
_KEY_ATTEMPTS = 5


def _invite(row: Row | None) -> Invite:
    if row is None:
        raise NotFound(INVITE_NOT_FOUND)
    return Invite(
        key=row["key"],
        group_id=row["group_id"],
        creator_id=row["creator_id"],
        created_at=row["created_at"],
    )


async def get_invite(conn: Conn, actor_id: int, group_id: int) -> Invite:
    """The group's alive invite (owner and admins); none → :class:`NotFound`."""
    require_manager(await group_access(conn, group_id, actor_id))
    row = await conn.fetchrow(
        "SELECT key, group_id, creator_id, created_at FROM invites "
        "WHERE group_id = $1 AND deleted_at IS NULL",
        group_id,
    )
    return _invite(row)


async def recreate_invite(conn: Conn, actor_id: int, group_id: int) -> Invite:
    """Revoke the current key (if any) and issue a new one."""
    access = await group_access(conn, group_id, actor_id, lock="update")
    require_manager(access)
    require_not_personal(access.group)
    await _revoke(conn, group_id)
    for _ in range(_KEY_ATTEMPTS):
        row = await conn.fetchrow(
            "INSERT INTO invites (key, group_id, creator_id) VALUES ($1, $2, $3) "
            "ON CONFLICT DO NOTHING RETURNING key, group_id, creator_id, created_at",
            secrets.token_urlsafe(INVITE_KEY_BYTES),
            group_id,
            actor_id,
        )
        if row is not None:
            return _invite(row)
    raise Conflict("Не удалось создать приглашение, попробуйте ещё раз")  # pragma: no cover


async def revoke_invite(conn: Conn, actor_id: int, group_id: int) -> None:
    """Revoke the group's key; nothing to revoke is not an error."""
    access = await group_access(conn, group_id, actor_id, lock="update")
    require_manager(access)
    await _revoke(conn, group_id)


async def _revoke(conn: Conn, group_id: int) -> None:
    await conn.execute(
        "UPDATE invites SET deleted_at = now() WHERE group_id = $1 AND deleted_at IS NULL",
        group_id,
    )


async def join_by_invite(conn: Conn, actor_id: int, key: str) -> Access:
    """Join the group of an alive key as a member. Unknown or revoked key →
    :class:`NotFound`; already an alive member → :class:`Conflict`."""
    row = await conn.fetchrow(
        """
        SELECT i.id, i.group_id, g.personal_of
        FROM invites i JOIN groups g ON g.id = i.group_id AND g.deleted_at IS NULL
        WHERE i.key = $1 AND i.deleted_at IS NULL
        FOR SHARE OF i
        """,
        key,
    )
    if row is None:
        raise NotFound(INVITE_INVALID)
    if row["personal_of"] is not None:
        raise Conflict("К личной группе нельзя присоединиться")
    inserted = await conn.fetchval(
        "INSERT INTO memberships (user_id, group_id, role_id, invite_id) VALUES ($1, $2, 3, $3) "
        "ON CONFLICT DO NOTHING RETURNING id",
        actor_id,
        row["group_id"],
        row["id"],
    )
    if inserted is None:
        raise Conflict(ALREADY_MEMBER)
    await after_group_change(conn, row["group_id"])
    return await group_access(conn, row["group_id"], actor_id)
