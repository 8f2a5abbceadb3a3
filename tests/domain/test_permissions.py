"""The role rules of maxhack.domain.permissions as a table (no database)."""

from __future__ import annotations

import itertools

import pytest

from maxhack.domain.errors import Conflict, DomainError, Forbidden
from maxhack.domain.models import Group, Role
from maxhack.domain.permissions import (
    check_kick,
    check_leave,
    check_manage_member,
    check_role_change,
    check_transfer,
)

# The original's notation: B = Boss (owner), E = Editor (admin), M = Member.
B, E, M = Role.OWNER, Role.ADMIN, Role.MEMBER
TEAM = Group(id=1, name="Команда", description=None, time_zone="Europe/Moscow", is_personal=False)
PERSONAL = Group(id=2, name="Личная", description=None, time_zone="Europe/Moscow", is_personal=True)


def outcome(check: object, *args: object, **kwargs: object) -> type[DomainError] | None:
    try:
        check(*args, **kwargs)  # type: ignore[operator]
    except DomainError as exc:
        return type(exc)
    return None


# (actor, target, new role) -> outcome; every combination is listed.
ROLE_CHANGES = {
    (B, B, B): Conflict,
    (B, B, E): Conflict,
    (B, B, M): Conflict,
    (B, E, B): Conflict,
    (B, E, E): None,
    (B, E, M): None,
    (B, M, B): Conflict,
    (B, M, E): None,
    (B, M, M): None,
    **{(actor, target, new): Forbidden for actor in (E, M) for target in Role for new in Role},
}


@pytest.mark.parametrize(("actor", "target", "new"), list(ROLE_CHANGES))
def test_role_change(actor: Role, target: Role, new: Role) -> None:
    assert outcome(check_role_change, actor, target, new) is ROLE_CHANGES[(actor, target, new)]


def test_role_change_table_is_complete() -> None:
    assert set(ROLE_CHANGES) == set(itertools.product(Role, Role, Role))


@pytest.mark.parametrize(
    ("actor", "target", "expected"),
    [
        (B, B, Forbidden),
        (B, E, None),
        (B, M, None),
        (E, B, Forbidden),
        (E, E, Forbidden),
        (E, M, None),
        (M, B, Forbidden),
        (M, E, Forbidden),
        (M, M, Forbidden),
    ],
)
def test_kick(actor: Role, target: Role, expected: type[DomainError] | None) -> None:
    assert outcome(check_kick, actor, target) is expected


@pytest.mark.parametrize(
    ("actor", "target", "is_self", "expected"),
    [
        (B, B, True, None),
        (B, E, False, None),
        (B, M, False, None),
        (E, B, False, Forbidden),
        (E, E, False, None),
        (E, E, True, None),
        (E, M, False, None),
        (M, M, True, Forbidden),
        (M, M, False, Forbidden),
        (M, B, False, Forbidden),
    ],
)
def test_manage_member(
    actor: Role, target: Role, is_self: bool, expected: type[DomainError] | None
) -> None:
    assert outcome(check_manage_member, actor, target, is_self=is_self) is expected


@pytest.mark.parametrize(
    ("actor", "group", "expected"),
    [
        (B, TEAM, Conflict),
        (E, TEAM, None),
        (M, TEAM, None),
        (B, PERSONAL, Conflict),
        (E, PERSONAL, Conflict),
        (M, PERSONAL, Conflict),
    ],
)
def test_leave(actor: Role, group: Group, expected: type[DomainError] | None) -> None:
    assert outcome(check_leave, actor, group) is expected


@pytest.mark.parametrize(
    ("actor", "group", "to_self", "expected"),
    [
        (B, TEAM, False, None),
        (B, TEAM, True, Conflict),
        (B, PERSONAL, False, Conflict),
        (E, TEAM, False, Forbidden),
        (M, TEAM, False, Forbidden),
    ],
)
def test_transfer(
    actor: Role, group: Group, to_self: bool, expected: type[DomainError] | None
) -> None:
    assert outcome(check_transfer, actor, group, to_self=to_self) is expected


def test_errors_carry_russian_reasons() -> None:
    with pytest.raises(Forbidden) as info:
        check_kick(M, M)
    assert info.value.reason == "Недостаточно прав"
    with pytest.raises(Conflict) as conflict:
        check_leave(B, TEAM)
    assert "передайте права" in conflict.value.reason
