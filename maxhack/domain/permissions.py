"""Who may do what in a group (product spec §2.2, the original's §5 with its bugs fixed).

Two layers:

* :func:`group_access` loads the group and the actor's alive membership in one statement —
  soft-deleted groups and memberships do not count, so a kicked member loses access at once;
* pure rule functions (``check_*``) decide on roles alone, so the whole matrix is testable
  without a database.

Rules: exactly one owner per group. Only the owner deletes the group, changes roles (member ⇄
admin) and transfers ownership; nobody gets the owner role through a role change. Admins manage
members (never the owner, never another admin), tags, invites and events. Anyone but the owner
may leave; the personal group is never left, joined, renamed or deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from maxhack.domain.errors import Conflict, Forbidden, NotFound
from maxhack.domain.hooks import Conn
from maxhack.domain.models import Group, NotifyMode, Role

__all__ = [
    "GROUP_NOT_FOUND",
    "NOT_A_MEMBER",
    "NO_RIGHTS",
    "PERSONAL_GROUP",
    "Access",
    "LockMode",
    "check_kick",
    "check_leave",
    "check_manage_member",
    "check_role_change",
    "check_transfer",
    "group_access",
    "require_manager",
    "require_not_personal",
    "require_owner",
]

GROUP_NOT_FOUND: Final = "Группа не найдена"
NOT_A_MEMBER: Final = "Вы не состоите в этой группе"
NO_RIGHTS: Final = "Недостаточно прав"
PERSONAL_GROUP: Final = "Это действие недоступно для личной группы"

LockMode = Literal["share", "update"] | None

_ACCESS_SQL = """
SELECT g.id, g.name, g.description, g.time_zone, g.personal_of, m.role_id, m.notify_mode
FROM groups g
LEFT JOIN memberships m
       ON m.group_id = g.id AND m.user_id = $2 AND m.deleted_at IS NULL
WHERE g.id = $1 AND g.deleted_at IS NULL
"""
_LOCKS = {None: "", "share": " FOR SHARE OF g", "update": " FOR UPDATE OF g"}


@dataclass(frozen=True)
class Access:
    """The actor's standing in one alive group."""

    group: Group
    role: Role
    notify_mode: NotifyMode


async def group_access(conn: Conn, group_id: int, user_id: int, *, lock: LockMode = None) -> Access:
    """Return the actor's access to ``group_id``.

    ``lock`` takes a row lock on the group for the rest of the transaction: ``"share"`` for
    writes inside the group (a concurrent delete waits), ``"update"`` for writes to the group
    row itself. Raises :class:`NotFound` for an unknown or deleted group and
    :class:`Forbidden` when the actor is not an alive member.
    """
    row = await conn.fetchrow(_ACCESS_SQL + _LOCKS[lock], group_id, user_id)
    if row is None:
        raise NotFound(GROUP_NOT_FOUND)
    if row["role_id"] is None:
        raise Forbidden(NOT_A_MEMBER)
    return Access(
        group=Group.from_row(row),
        role=Role(row["role_id"]),
        notify_mode=NotifyMode(row["notify_mode"]),
    )


def require_manager(access: Access) -> None:
    """Owner or admin, else :class:`Forbidden`."""
    if not access.role.manages:
        raise Forbidden(NO_RIGHTS)


def require_owner(access: Access) -> None:
    if access.role is not Role.OWNER:
        raise Forbidden(NO_RIGHTS)


def require_not_personal(group: Group) -> None:
    if group.is_personal:
        raise Conflict(PERSONAL_GROUP)


def check_role_change(actor: Role, target: Role, new: Role) -> None:
    """May ``actor`` change the role of a member holding ``target`` to ``new``?

    Only the owner changes roles, and only between admin and member: the owner role moves by
    transfer alone, so neither granting it nor changing the owner's own role is allowed.
    """
    if actor is not Role.OWNER:
        raise Forbidden(NO_RIGHTS)
    if new is Role.OWNER:
        raise Conflict("Роль владельца передаётся только передачей прав на группу")
    if target is Role.OWNER:
        raise Conflict("Роль владельца нельзя изменить: сначала передайте права на группу")


def check_manage_member(actor: Role, target: Role, *, is_self: bool) -> None:
    """May ``actor`` manage (e.g. set the tags of) a member holding ``target``?

    Managers may; an admin may not touch the owner. Managing oneself is allowed.
    """
    if not actor.manages:
        raise Forbidden(NO_RIGHTS)
    if not is_self and actor is Role.ADMIN and target is Role.OWNER:
        raise Forbidden(NO_RIGHTS)


def check_kick(actor: Role, target: Role) -> None:
    """May ``actor`` remove another member holding ``target`` from the group?

    The owner removes anyone else; an admin removes plain members only.
    """
    if not actor.manages:
        raise Forbidden(NO_RIGHTS)
    if target is Role.OWNER or (actor is Role.ADMIN and target is Role.ADMIN):
        raise Forbidden(NO_RIGHTS)


def check_leave(actor: Role, group: Group) -> None:
    """May a member holding ``actor`` leave ``group``? Not the owner, not the personal group."""
    require_not_personal(group)
    if actor is Role.OWNER:
        raise Conflict("Владелец не может покинуть группу: сначала передайте права на неё")


def check_transfer(actor: Role, group: Group, *, to_self: bool) -> None:
    """May ``actor`` hand ownership of ``group`` to another member?"""
    if actor is not Role.OWNER:
        raise Forbidden(NO_RIGHTS)
    require_not_personal(group)
    if to_self:
        raise Conflict("Вы уже владелец этой группы")
