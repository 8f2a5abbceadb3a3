"""Groups: create, view, edit, delete (with its cascade), and a user's list of groups.

Deleting a group soft-deletes, in one transaction and with one timestamp, everything that
hangs off it: its events with their participant and tag links, its tags with their
assignments, its invites and its memberships. Reminders stop because the planner hook sees
the group gone. The personal group can be neither renamed nor deleted.
"""

from __future__ import annotations

from dataclasses import dataclass

from maxhack.domain.errors import Conflict
from maxhack.domain.hooks import Conn, after_group_change
from maxhack.domain.models import UNSET, Group, Membership, NotifyMode, Role, Unset
from maxhack.domain.permissions import (
    Access,
    group_access,
    require_manager,
    require_not_personal,
    require_owner,
)

__all__ = [
    "GroupDraft",
    "GroupUpdate",
    "MyGroup",
    "create_group",
    "delete_group",
    "get_group",
    "list_my_groups",
    "update_group",
]

_GROUP_COLUMNS = "id, name, description, time_zone, personal_of"

# Soft-delete everything under a group at one instant (the transaction's now()).
_CASCADE_SQL = """
WITH gone_events AS (
    UPDATE events SET deleted_at = now() WHERE group_id = $1 AND deleted_at IS NULL RETURNING id
), gone_participants AS (
    UPDATE event_participants SET deleted_at = now()
    WHERE event_id IN (SELECT id FROM gone_events) AND deleted_at IS NULL
), gone_event_tags AS (
    UPDATE event_tags SET deleted_at = now()
    WHERE event_id IN (SELECT id FROM gone_events) AND deleted_at IS NULL
), gone_tags AS (
    UPDATE tags SET deleted_at = now() WHERE group_id = $1 AND deleted_at IS NULL RETURNING id
), gone_assignments AS (
    UPDATE tag_assignments SET deleted_at = now()
    WHERE tag_id IN (SELECT id FROM gone_tags) AND deleted_at IS NULL
), gone_invites AS (
    UPDATE invites SET deleted_at = now() WHERE group_id = $1 AND deleted_at IS NULL
), gone_memberships AS (
    UPDATE memberships SET deleted_at = now() WHERE group_id = $1 AND deleted_at IS NULL
)
UPDATE groups SET deleted_at = now(), updated_at = now() WHERE id = $1
"""


@dataclass(frozen=True)
class GroupDraft:
    name: str
    description: str | None
    time_zone: str | None = None  # None: the creator's zone


@dataclass(frozen=True)
class GroupUpdate:
    name: str | Unset = UNSET
    description: str | Unset | None = UNSET
    time_zone: str | Unset = UNSET


@dataclass(frozen=True)
class MyGroup:
    group: Group
    membership: Membership


async def create_group(conn: Conn, actor_id: int, draft: GroupDraft) -> Access:
    """Create a group owned by the actor (no invite yet)."""
    row = await conn.fetchrow(
        f"""
        WITH new_group AS (
            INSERT INTO groups (name, description, time_zone)
            VALUES ($2, $3, COALESCE($4, (SELECT time_zone FROM users WHERE id = $1)))
            RETURNING {_GROUP_COLUMNS}
        ), owner AS (
            INSERT INTO memberships (user_id, group_id, role_id)
            SELECT $1, id, 1 FROM new_group RETURNING notify_mode
        )
        SELECT new_group.*, owner.notify_mode FROM new_group, owner
        """,
        actor_id,
        draft.name,
        draft.description,
        draft.time_zone,
    )
    assert row is not None
    await after_group_change(conn, row["id"])
    return Access(
        group=Group.from_row(row), role=Role.OWNER, notify_mode=NotifyMode(row["notify_mode"])
    )


async def get_group(conn: Conn, actor_id: int, group_id: int) -> Access:
    """The group and the actor's role in it (members only)."""
    return await group_access(conn, group_id, actor_id)


async def update_group(conn: Conn, actor_id: int, group_id: int, update: GroupUpdate) -> Access:
    """Edit name, description or time zone (owner and admins). The personal group keeps its
    name; its description and zone may change."""
    access = await group_access(conn, group_id, actor_id, lock="update")
    require_manager(access)
    renamed = update.name is not UNSET and update.name != access.group.name
    if renamed and access.group.is_personal:
        raise Conflict("Личную группу нельзя переименовать")
    changes = {
        name: value
        for name, value in (
            ("name", update.name),
            ("description", update.description),
            ("time_zone", update.time_zone),
        )
        if value is not UNSET
    }
    if changes:
        assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(changes, start=2))
        await conn.execute(
            f"UPDATE groups SET {assignments}, updated_at = now() WHERE id = $1",
            group_id,
            *changes.values(),
        )
        if "time_zone" in changes:
            await after_group_change(conn, group_id)
    return await group_access(conn, group_id, actor_id)


async def delete_group(conn: Conn, actor_id: int, group_id: int) -> None:
    """Owner only; cascades (module docstring). The personal group cannot be deleted."""
    access = await group_access(conn, group_id, actor_id, lock="update")
    require_owner(access)
    require_not_personal(access.group)
    await conn.execute(_CASCADE_SQL, group_id)
    await after_group_change(conn, group_id)


async def list_my_groups(conn: Conn, user_id: int) -> list[MyGroup]:
    """The user's alive memberships in alive groups, in join order (personal group included)."""
    rows = await conn.fetch(
        """
        SELECT g.id, g.name, g.description, g.time_zone, g.personal_of,
               m.user_id, m.group_id, m.role_id, m.notify_mode
        FROM memberships m
        JOIN groups g ON g.id = m.group_id AND g.deleted_at IS NULL
        WHERE m.user_id = $1 AND m.deleted_at IS NULL
        ORDER BY m.created_at, m.id
        """,
        user_id,
    )
    return [MyGroup(group=Group.from_row(row), membership=Membership.from_row(row)) for row in rows]
