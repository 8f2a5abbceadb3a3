"""Models of the /groups routes: groups, members, roles, invites."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, RootModel

from maxhack.domain.groups import MyGroup
from maxhack.domain.models import Group, Member, Membership, NotifyMode, Role
from maxhack.domain.permissions import Access
from maxhack.web.schemas.common import ApiModel, Id, Printable, Strip, TimeZoneInput, offset_now

__all__ = [
    "GetGroupResponse",
    "GroupCreate",
    "GroupMemberResponse",
    "GroupPatch",
    "GroupResponse",
    "GroupUserItem",
    "GroupUsersResponse",
    "InviteResponse",
    "MemberPatch",
    "NotifyPatch",
    "RoleResponse",
    "TransferRequest",
    "UserGroupItem",
    "UserGroupsResponse",
]

MAX_TAGS_PER_REQUEST = 100

GroupName = Annotated[str, Field(min_length=1, max_length=128), Strip, Printable]
GroupDescription = Annotated[str, Field(max_length=1024), Strip, Printable]


class GroupCreate(ApiModel):
    name: GroupName
    description: GroupDescription | None = None
    time_zone: TimeZoneInput | None = Field(
        default=None, description="Default: the creator's time zone."
    )


class GroupPatch(ApiModel):
    """Missing fields stay unchanged; ``description: null`` clears the description."""

    name: GroupName | None = None
    description: GroupDescription | None = None
    time_zone: TimeZoneInput | None = None


class RoleResponse(ApiModel):
    id: Literal[1, 2, 3]
    name: str

    @classmethod
    def of(cls, role: Role) -> RoleResponse:
        return cls(id=int(role), name=role.label)  # type: ignore[arg-type]


class GroupResponse(ApiModel):
    id: Id
    name: str
    description: str | None
    time_zone: str
    utc_offset_minutes: int
    is_personal: bool

    @classmethod
    def of(cls, group: Group) -> GroupResponse:
        return cls(
            id=group.id,
            name=group.name,
            description=group.description,
            time_zone=group.time_zone,
            utc_offset_minutes=offset_now(group.time_zone),
            is_personal=group.is_personal,
        )


class GetGroupResponse(ApiModel):
    group: GroupResponse
    role: RoleResponse
    notify_mode: NotifyMode = Field(description="The caller's notify mode in this group.")

    @classmethod
    def of(cls, access: Access) -> GetGroupResponse:
        return cls(
            group=GroupResponse.of(access.group),
            role=RoleResponse.of(access.role),
            notify_mode=access.notify_mode,
        )


class UserGroupItem(ApiModel):
    group_id: Id
    name: str
    description: str | None
    role_id: Literal[1, 2, 3]
    notify_mode: NotifyMode
    is_personal: bool
    time_zone: str

    @classmethod
    def of(cls, item: MyGroup) -> UserGroupItem:
        return cls(
            group_id=item.group.id,
            name=item.group.name,
            description=item.group.description,
            role_id=int(item.membership.role),  # type: ignore[arg-type]
            notify_mode=item.membership.notify_mode,
            is_personal=item.group.is_personal,
            time_zone=item.group.time_zone,
        )


class UserGroupsResponse(ApiModel):
    groups: list[UserGroupItem]


class GroupMemberResponse(ApiModel):
    user_id: Id
    group_id: Id
    role_id: Literal[1, 2, 3]
    notify_mode: NotifyMode

    @classmethod
    def of(cls, membership: Membership) -> GroupMemberResponse:
        return cls(
            user_id=membership.user_id,
            group_id=membership.group_id,
            role_id=int(membership.role),  # type: ignore[arg-type]
            notify_mode=membership.notify_mode,
        )


class GroupUserItem(ApiModel):
    user_id: Id
    group_id: Id
    role: RoleResponse
    max_id: int
    first_name: str | None
    last_name: str | None
    phone: str | None

    @classmethod
    def of(cls, member: Member) -> GroupUserItem:
        return cls(
            user_id=member.membership.user_id,
            group_id=member.membership.group_id,
            role=RoleResponse.of(member.membership.role),
            max_id=member.max_id,
            first_name=member.first_name,
            last_name=member.last_name,
            phone=member.phone,
        )


class GroupUsersResponse(RootModel[list[GroupUserItem]]):
    """The original's shape: a plain JSON array."""


class MemberPatch(ApiModel):
    """``roleId``: 2 (admin) or 3 (member); owner only, and 1 only by transfer. ``tags``
    replaces the member's tag set in the group."""

    role_id: Literal[1, 2, 3] | None = None
    tags: list[Id] | None = Field(default=None, max_length=MAX_TAGS_PER_REQUEST)


class NotifyPatch(ApiModel):
    notify_mode: NotifyMode


class TransferRequest(ApiModel):
    user_id: Id = Field(description="The member who becomes the owner.")


class InviteResponse(ApiModel):
    invite_key: str
    invite_link: str | None = Field(
        description="https://max.ru/<bot>?start=invite_<key>; null while the bot's username "
        "is unknown."
    )
