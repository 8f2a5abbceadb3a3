"""Memberships: list and view members, change roles and tags, kick, leave, transfer ownership,
per-group notify mode.

Removing a member (kick or leave) soft-deletes, together with the membership, their tag
assignments in that group and their direct participation in the group's events, so they stop
getting its reminders at once; answers they gave stay as history. A removed member can join
again through a valid invite.
"""

from __future__ import annotations

from collections.abc import Sequence

from maxhack.domain.errors import NotFound
from maxhack.domain.hooks import Conn, after_group_change
from maxhack.domain.models import Member, Membership, NotifyMode, Role
from maxhack.domain.permissions import (
    check_kick,
    check_leave,
    check_manage_member,
    check_role_change,
    check_transfer,
    group_access,
)
from maxhack.domain.tags import require_group_tags

__all__ = [
    "MEMBER_NOT_FOUND",
    "get_member",
    "kick_member",
    "leave_group",
    "list_members",
    "remove_member",
    "set_group_notify_mode",
    "transfer_ownership",
    "update_member",
]

MEMBER_NOT_FOUND = "Пользователь не состоит в группе"

_MEMBER_SQL = """
SELECT m.user_id, m.group_id, m.role_id, m.notify_mode,
       u.max_id, u.first_name, u.last_name, u.phone
FROM memberships m
JOIN users u ON u.id = m.user_id
WHERE m.group_id = $1 AND m.deleted_at IS NULL
"""

_REMOVE_SQL = """
WITH gone_tags AS (
    UPDATE tag_assignments ta SET deleted_at = now()
    FROM tags t
    WHERE ta.tag_id = t.id AND t.group_id = $1 AND ta.user_id = $2 AND ta.deleted_at IS NULL
), gone_participation AS (
    UPDATE event_participants p SET deleted_at = now()
    FROM events e
    WHERE p.event_id = e.id AND e.group_id = $1 AND p.user_id = $2 AND p.deleted_at IS NULL
)
UPDATE memberships SET deleted_at = now(), updated_at = now()
WHERE group_id = $1 AND user_id = $2 AND deleted_at IS NULL
"""


async def _target(conn: Conn, group_id: int, user_id: int, *, lock: bool = False) -> Membership:
    row = await conn.fetchrow(
        "SELECT user_id, group_id, role_id, notify_mode FROM memberships "
        "WHERE group_id = $1 AND user_id = $2 AND deleted_at IS NULL"
        + (" FOR UPDATE" if lock else ""),
        group_id,
        user_id,
    )
    if row is None:
        raise NotFound(MEMBER_NOT_FOUND)
    return Membership.from_row(row)


async def list_members(conn: Conn, actor_id: int, group_id: int) -> list[Member]:
    """Alive members in join order, then role (members of the group only)."""
    await group_access(conn, group_id, actor_id)
    rows = await conn.fetch(_MEMBER_SQL + " ORDER BY m.created_at, m.role_id, m.id", group_id)
    return [Member.from_row(row) for row in rows]


async def get_member(conn: Conn, actor_id: int, group_id: int, user_id: int) -> Member:
    await group_access(conn, group_id, actor_id)
    row = await conn.fetchrow(_MEMBER_SQL + " AND m.user_id = $2", group_id, user_id)
    if row is None:
        raise NotFound(MEMBER_NOT_FOUND)
    return Member.from_row(row)


async def update_member(
    conn: Conn,
    actor_id: int,
    group_id: int,
    user_id: int,
    *,
    role: Role | None = None,
    tag_ids: Sequence[int] | None = None,
) -> Membership:
    """Change a member's role and/or replace their tag set in the group.

    A role equal to the current one is no change (the WebApp always sends it). Role changes:
    :func:`~maxhack.domain.permissions.check_role_change`; tags:
    :func:`~maxhack.domain.permissions.check_manage_member`, tags of this group only.
    """
    access = await group_access(conn, group_id, actor_id, lock="share")
    target = await _target(conn, group_id, user_id, lock=True)
    changed = False
    if role is not None and role is not target.role:
        check_role_change(access.role, target.role, role)
        await conn.execute(
            "UPDATE memberships SET role_id = $3, updated_at = now() "
            "WHERE group_id = $1 AND user_id = $2 AND deleted_at IS NULL",
            group_id,
            user_id,
            int(role),
        )
        changed = True
    if tag_ids is not None:
        check_manage_member(access.role, target.role, is_self=user_id == actor_id)
        wanted = sorted(set(tag_ids))
        await require_group_tags(conn, group_id, wanted)
        status = await conn.fetchrow(
            """
            WITH removed AS (
                UPDATE tag_assignments ta SET deleted_at = now()
                FROM tags t
                WHERE ta.tag_id = t.id AND t.group_id = $1 AND ta.user_id = $2
                  AND ta.deleted_at IS NULL AND NOT (ta.tag_id = ANY($3::bigint[]))
                RETURNING ta.id
            ), added AS (
                INSERT INTO tag_assignments (tag_id, user_id)
                SELECT tag_id, $2 FROM unnest($3::bigint[]) AS tag_id
                ON CONFLICT DO NOTHING
                RETURNING id
            )
            SELECT (SELECT count(*) FROM removed) + (SELECT count(*) FROM added) AS n
            """,
            group_id,
            user_id,
            wanted,
        )
        changed = changed or bool(status and status["n"])
    if changed:
        await after_group_change(conn, group_id)
    return await _target(conn, group_id, user_id)


async def remove_member(conn: Conn, group_id: int, user_id: int) -> None:
    """Soft-delete a membership with its tag assignments and participation (no checks)."""
    await conn.execute(_REMOVE_SQL, group_id, user_id)
    await after_group_change(conn, group_id)


async def kick_member(conn: Conn, actor_id: int, group_id: int, user_id: int) -> None:
    """Remove another member (owner: anyone else; admin: plain members). Removing oneself is
    leaving the group."""
    if user_id == actor_id:
        await leave_group(conn, actor_id, group_id)
        return
    access = await group_access(conn, group_id, actor_id, lock="share")
    target = await _target(conn, group_id, user_id, lock=True)
    check_kick(access.role, target.role)
    await remove_member(conn, group_id, user_id)


async def leave_group(conn: Conn, actor_id: int, group_id: int) -> None:
    """Leave a group; the owner must transfer ownership first, the personal group stays."""
    access = await group_access(conn, group_id, actor_id, lock="share")
    await _target(conn, group_id, actor_id, lock=True)
    check_leave(access.role, access.group)
    await remove_member(conn, group_id, actor_id)


async def transfer_ownership(conn: Conn, actor_id: int, group_id: int, user_id: int) -> Membership:
    """Make another member the owner; the previous owner becomes an admin. Returns the new
    owner's membership."""
    access = await group_access(conn, group_id, actor_id, lock="update")
    check_transfer(access.role, access.group, to_self=user_id == actor_id)
    await _target(conn, group_id, user_id, lock=True)
    # Demote first: the partial unique index allows one alive owner per group.
    await conn.execute(
        "UPDATE memberships SET role_id = 2, updated_at = now() "
        "WHERE group_id = $1 AND user_id = $2 AND deleted_at IS NULL",
        group_id,
        actor_id,
    )
    await conn.execute(
        "UPDATE memberships SET role_id = 1, updated_at = now() "
        "WHERE group_id = $1 AND user_id = $2 AND deleted_at IS NULL",
        group_id,
        user_id,
    )
    await after_group_change(conn, group_id)
    return await _target(conn, group_id, user_id)


async def set_group_notify_mode(
    conn: Conn, actor_id: int, group_id: int, mode: NotifyMode
) -> Membership:
    """The actor's own notify mode for one group."""
    await group_access(conn, group_id, actor_id)
    row = await conn.fetchrow(
        "UPDATE memberships SET notify_mode = $3, updated_at = now() "
        "WHERE group_id = $1 AND user_id = $2 AND deleted_at IS NULL "
        "RETURNING user_id, group_id, role_id, notify_mode",
        group_id,
        actor_id,
        str(mode),
    )
    if row is None:
        raise NotFound(MEMBER_NOT_FOUND)
    return Membership.from_row(row)
