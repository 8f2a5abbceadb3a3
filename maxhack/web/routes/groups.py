"""/groups: create, view, edit, delete a group; leave it; transfer it; own notify mode."""

from __future__ import annotations

from quart import Blueprint, Response

from maxhack.domain import groups, members
from maxhack.web.routes._common import absent_or, unset_if_missing
from maxhack.web.schemas.groups import (
    GetGroupResponse,
    GroupCreate,
    GroupMemberResponse,
    GroupPatch,
    NotifyPatch,
    TransferRequest,
)
from maxhack.web.services import actor, services
from maxhack.web.validation import json_body, json_response, no_content, responds

__all__ = ["blueprint"]

blueprint = Blueprint("groups", __name__)


@blueprint.post("/groups")
@responds(GetGroupResponse, 201)
@json_body(GroupCreate)
async def create_group(data: GroupCreate) -> Response:
    """Create a group; the caller becomes its owner («Босс»). No invite is created."""
    draft = groups.GroupDraft(
        name=data.name, description=data.description, time_zone=data.time_zone
    )
    access = await services().write(groups.create_group, actor().user_id, draft)
    return json_response(GetGroupResponse.of(access), 201)


@blueprint.get("/groups/<id:group_id>")
@responds(GetGroupResponse)
async def get_group(group_id: int) -> Response:
    """The group with the caller's role and notify mode (members only)."""
    access = await services().read(groups.get_group, actor().user_id, group_id)
    return json_response(GetGroupResponse.of(access))


@blueprint.patch("/groups/<id:group_id>")
@responds(GetGroupResponse)
@json_body(GroupPatch)
async def patch_group(group_id: int, data: GroupPatch) -> Response:
    """Edit name, description (null clears it) or time zone — owner and admins."""
    update = groups.GroupUpdate(
        name=absent_or(data.name),
        description=unset_if_missing(data, "description", data.description),
        time_zone=absent_or(data.time_zone),
    )
    access = await services().write(groups.update_group, actor().user_id, group_id, update)
    return json_response(GetGroupResponse.of(access))


@blueprint.delete("/groups/<id:group_id>")
@responds(None, 204)
async def delete_group(group_id: int) -> Response:
    """Delete the group with its events, tags, invites and memberships — owner only."""
    await services().write(groups.delete_group, actor().user_id, group_id)
    return no_content()


@blueprint.patch("/groups/<id:group_id>/notify")
@responds(GroupMemberResponse)
@json_body(NotifyPatch)
async def patch_group_notify(group_id: int, data: NotifyPatch) -> Response:
    """The caller's own notify mode in this group."""
    membership = await services().write(
        members.set_group_notify_mode, actor().user_id, group_id, data.notify_mode
    )
    return json_response(GroupMemberResponse.of(membership))


@blueprint.post("/groups/<id:group_id>/leave")
@responds(None, 204)
async def leave_group(group_id: int) -> Response:
    """Leave the group (the owner must transfer ownership first; not the personal group)."""
    await services().write(members.leave_group, actor().user_id, group_id)
    return no_content()


@blueprint.post("/groups/<id:group_id>/transfer")
@responds(GroupMemberResponse)
@json_body(TransferRequest)
async def transfer_group(group_id: int, data: TransferRequest) -> Response:
    """Make another member the owner; the caller (the owner) becomes an admin."""
    membership = await services().write(
        members.transfer_ownership, actor().user_id, group_id, data.user_id
    )
    return json_response(GroupMemberResponse.of(membership))
