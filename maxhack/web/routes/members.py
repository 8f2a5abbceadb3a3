"""/groups/{id}/users: the member list, one member, role and tag changes, removal."""

from __future__ import annotations

from quart import Blueprint, Response

from maxhack.domain import members
from maxhack.domain.models import Role
from maxhack.web.schemas.groups import (
    GroupMemberResponse,
    GroupUserItem,
    GroupUsersResponse,
    MemberPatch,
)
from maxhack.web.services import actor, services
from maxhack.web.validation import json_body, json_response, no_content, responds

__all__ = ["blueprint"]

blueprint = Blueprint("members", __name__)


@blueprint.get("/groups/<id:group_id>/users")
@responds(GroupUsersResponse)
async def list_group_users(group_id: int) -> Response:
    """Members in join order (members only)."""
    found = await services().read(members.list_members, actor().user_id, group_id)
    return json_response(GroupUsersResponse([GroupUserItem.of(member) for member in found]))


@blueprint.get("/groups/<id:group_id>/users/<id:member_id>")
@responds(GroupUserItem)
async def get_group_user(group_id: int, member_id: int) -> Response:
    """One member (404 if not a member)."""
    member = await services().read(members.get_member, actor().user_id, group_id, member_id)
    return json_response(GroupUserItem.of(member))


@blueprint.patch("/groups/<id:group_id>/users/<id:member_id>")
@responds(GroupMemberResponse)
@json_body(MemberPatch)
async def patch_group_user(group_id: int, member_id: int, data: MemberPatch) -> Response:
    """Change a member's role (owner only: member ⇄ admin) and/or replace their tags."""
    membership = await services().write(
        members.update_member,
        actor().user_id,
        group_id,
        member_id,
        role=None if data.role_id is None else Role(data.role_id),
        tag_ids=None if data.tags is None else tuple(data.tags),
    )
    return json_response(GroupMemberResponse.of(membership))


@blueprint.delete("/groups/<id:group_id>/users/<id:member_id>")
@responds(None, 204)
async def delete_group_user(group_id: int, member_id: int) -> Response:
    """Remove a member (owner: anyone else; admin: plain members). Oneself: leave."""
    await services().write(members.kick_member, actor().user_id, group_id, member_id)
    return no_content()
