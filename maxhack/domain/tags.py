"""Tags: group-scoped labels, their assignment to members, and the checks other modules share.

A tag always belongs to the group in the URL (a tag of another group is "not found", never
edited across groups). Deleting a tag soft-deletes its event bindings and assignments with it.
A removed assignment can be made again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from maxhack.domain.errors import Conflict, Invalid, NotFound
from maxhack.domain.hooks import Conn, after_group_change
from maxhack.domain.models import UNSET, Member, Role, Tag, Unset
from maxhack.domain.permissions import check_manage_member, group_access, require_manager

__all__ = [
    "TAG_NOT_FOUND",
    "TagDraft",
    "TagUpdate",
    "assign_tag",
    "create_tag",
    "delete_tag",
    "list_tags",
    "require_group_tags",
    "tag_holders",
    "unassign_tag",
    "update_tag",
    "user_tags",
]

TAG_NOT_FOUND = "Тег не найден"
_TAG_COLUMNS = "id, group_id, name, description, color"


@dataclass(frozen=True)
class TagDraft:
    name: str
    color: str
    description: str | None = None


@dataclass(frozen=True)
class TagUpdate:
    name: str | Unset = UNSET
    description: str | Unset | None = UNSET
    color: str | Unset = UNSET


async def require_group_tags(conn: Conn, group_id: int, tag_ids: Sequence[int]) -> None:
    """Raise :class:`Invalid` unless every id is an alive tag of ``group_id``."""
    if not tag_ids:
        return
    found = await conn.fetch(
        "SELECT id FROM tags WHERE id = ANY($2::bigint[]) AND group_id = $1 AND deleted_at IS NULL",
        group_id,
        list(tag_ids),
    )
    missing = sorted(set(tag_ids) - {row["id"] for row in found})
    if missing:
        raise Invalid(f"Теги не принадлежат группе: {missing}")


async def _tag(conn: Conn, group_id: int, tag_id: int) -> Tag:
    row = await conn.fetchrow(
        f"SELECT {_TAG_COLUMNS} FROM tags WHERE id = $1 AND group_id = $2 AND deleted_at IS NULL",
        tag_id,
        group_id,
    )
    if row is None:
        raise NotFound(TAG_NOT_FOUND)
    return Tag.from_row(row)


async def create_tag(conn: Conn, actor_id: int, group_id: int, draft: TagDraft) -> Tag:
    require_manager(await group_access(conn, group_id, actor_id, lock="share"))
    row = await conn.fetchrow(
        f"INSERT INTO tags (group_id, name, description, color) VALUES ($1, $2, $3, $4) "
        f"RETURNING {_TAG_COLUMNS}",
        group_id,
        draft.name,
        draft.description,
        draft.color,
    )
    assert row is not None
    return Tag.from_row(row)


async def list_tags(conn: Conn, actor_id: int, group_id: int) -> list[Tag]:
    """Alive tags of the group, oldest first (any member)."""
    await group_access(conn, group_id, actor_id)
    rows = await conn.fetch(
        f"SELECT {_TAG_COLUMNS} FROM tags WHERE group_id = $1 AND deleted_at IS NULL ORDER BY id",
        group_id,
    )
    return [Tag.from_row(row) for row in rows]


async def update_tag(
    conn: Conn, actor_id: int, group_id: int, tag_id: int, update: TagUpdate
) -> Tag:
    require_manager(await group_access(conn, group_id, actor_id, lock="share"))
    await _tag(conn, group_id, tag_id)
    changes = {
        name: value
        for name, value in (
            ("name", update.name),
            ("description", update.description),
            ("color", update.color),
        )
        if value is not UNSET
    }
    if changes:
        assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(changes, start=2))
        await conn.execute(
            f"UPDATE tags SET {assignments}, updated_at = now() WHERE id = $1",
            tag_id,
            *changes.values(),
        )
    return await _tag(conn, group_id, tag_id)


async def delete_tag(conn: Conn, actor_id: int, group_id: int, tag_id: int) -> None:
    """Soft-delete the tag, its event bindings and its assignments."""
    require_manager(await group_access(conn, group_id, actor_id, lock="share"))
    await _tag(conn, group_id, tag_id)
    await conn.execute(
        """
        WITH gone_bindings AS (
            UPDATE event_tags SET deleted_at = now() WHERE tag_id = $1 AND deleted_at IS NULL
        ), gone_assignments AS (
            UPDATE tag_assignments SET deleted_at = now() WHERE tag_id = $1 AND deleted_at IS NULL
        )
        UPDATE tags SET deleted_at = now(), updated_at = now() WHERE id = $1
        """,
        tag_id,
    )
    await after_group_change(conn, group_id)


async def _member_role(conn: Conn, group_id: int, user_id: int) -> int:
    role_id: int | None = await conn.fetchval(
        "SELECT role_id FROM memberships WHERE group_id = $1 AND user_id = $2 "
        "AND deleted_at IS NULL",
        group_id,
        user_id,
    )
    if role_id is None:
        raise NotFound("Пользователь не состоит в группе")
    return role_id


async def assign_tag(conn: Conn, actor_id: int, group_id: int, user_id: int, tag_id: int) -> None:
    """Give a member a tag of this group; already assigned → :class:`Conflict`."""
    access = await group_access(conn, group_id, actor_id, lock="share")
    require_manager(access)
    await _tag(conn, group_id, tag_id)
    target_role = Role(await _member_role(conn, group_id, user_id))
    check_manage_member(access.role, target_role, is_self=user_id == actor_id)
    inserted = await conn.fetchval(
        "INSERT INTO tag_assignments (tag_id, user_id) VALUES ($1, $2) "
        "ON CONFLICT DO NOTHING RETURNING id",
        tag_id,
        user_id,
    )
    if inserted is None:
        raise Conflict("Тег уже назначен пользователю")
    await after_group_change(conn, group_id)


async def unassign_tag(conn: Conn, actor_id: int, group_id: int, user_id: int, tag_id: int) -> None:
    """Take a tag of this group from a user; no such assignment → :class:`NotFound`."""
    access = await group_access(conn, group_id, actor_id, lock="share")
    require_manager(access)
    await _tag(conn, group_id, tag_id)
    role_id: int | None = await conn.fetchval(
        "SELECT role_id FROM memberships WHERE group_id = $1 AND user_id = $2 "
        "AND deleted_at IS NULL",
        group_id,
        user_id,
    )
    if role_id is not None:
        check_manage_member(access.role, Role(role_id), is_self=user_id == actor_id)
    removed = await conn.fetchval(
        "UPDATE tag_assignments SET deleted_at = now() "
        "WHERE tag_id = $1 AND user_id = $2 AND deleted_at IS NULL RETURNING id",
        tag_id,
        user_id,
    )
    if removed is None:
        raise NotFound("Назначение тега не найдено")
    await after_group_change(conn, group_id)


async def tag_holders(conn: Conn, actor_id: int, group_id: int, tag_id: int) -> list[Member]:
    """Current members holding the tag, with their role (any member)."""
    await group_access(conn, group_id, actor_id)
    await _tag(conn, group_id, tag_id)
    rows = await conn.fetch(
        """
        SELECT m.user_id, m.group_id, m.role_id, m.notify_mode,
               u.max_id, u.first_name, u.last_name, u.phone
        FROM tag_assignments ta
        JOIN memberships m ON m.user_id = ta.user_id AND m.group_id = $1 AND m.deleted_at IS NULL
        JOIN users u ON u.id = ta.user_id
        WHERE ta.tag_id = $2 AND ta.deleted_at IS NULL
        ORDER BY ta.created_at, ta.id
        """,
        group_id,
        tag_id,
    )
    return [Member.from_row(row) for row in rows]


async def user_tags(conn: Conn, actor_id: int, group_id: int, user_id: int) -> list[Tag]:
    """Alive tags of the group a member holds; both users must be members."""
    await group_access(conn, group_id, actor_id)
    await _member_role(conn, group_id, user_id)
    rows = await conn.fetch(
        """
        SELECT t.id, t.group_id, t.name, t.description, t.color
        FROM tag_assignments ta
        JOIN tags t ON t.id = ta.tag_id AND t.group_id = $1 AND t.deleted_at IS NULL
        WHERE ta.user_id = $2 AND ta.deleted_at IS NULL
        ORDER BY t.id
        """,
        group_id,
        user_id,
    )
    return [Tag.from_row(row) for row in rows]
