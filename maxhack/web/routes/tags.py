"""/groups/{id}/tags: tags of a group, their holders, assignment to members."""

from __future__ import annotations

from quart import Blueprint, Response

from maxhack.domain import tags
from maxhack.web.routes._common import absent_or, unset_if_missing
from maxhack.web.schemas.tags import (
    TagAssign,
    TagCreate,
    TagPatch,
    TagResponse,
    TagsResponse,
    TagUserItem,
    TagUsersResponse,
)
from maxhack.web.services import actor, services
from maxhack.web.validation import json_body, json_response, no_content, responds

__all__ = ["blueprint"]

blueprint = Blueprint("tags", __name__)


@blueprint.post("/groups/<id:group_id>/tags")
@responds(TagResponse, 201)
@json_body(TagCreate)
async def create_tag(group_id: int, data: TagCreate) -> Response:
    """Create a tag — owner and admins."""
    draft = tags.TagDraft(name=data.name, color=data.color, description=data.description)
    tag = await services().write(tags.create_tag, actor().user_id, group_id, draft)
    return json_response(TagResponse.of(tag), 201)


@blueprint.get("/groups/<id:group_id>/tags")
@responds(TagsResponse)
async def list_group_tags(group_id: int) -> Response:
    """The group's tags (members)."""
    found = await services().read(tags.list_tags, actor().user_id, group_id)
    return json_response(TagsResponse([TagResponse.of(tag) for tag in found]))


@blueprint.patch("/groups/<id:group_id>/tags/<id:tag_id>")
@responds(TagResponse)
@json_body(TagPatch)
async def patch_tag(group_id: int, tag_id: int, data: TagPatch) -> Response:
    """Edit a tag of this group — owner and admins."""
    update = tags.TagUpdate(
        name=absent_or(data.name),
        description=unset_if_missing(data, "description", data.description),
        color=absent_or(data.color),
    )
    tag = await services().write(tags.update_tag, actor().user_id, group_id, tag_id, update)
    return json_response(TagResponse.of(tag))


@blueprint.delete("/groups/<id:group_id>/tags/<id:tag_id>")
@responds(None, 204)
async def delete_tag(group_id: int, tag_id: int) -> Response:
    """Delete a tag with its assignments and event bindings — owner and admins."""
    await services().write(tags.delete_tag, actor().user_id, group_id, tag_id)
    return no_content()


@blueprint.post("/groups/<id:group_id>/tags/users")
@responds(None, 204)
@json_body(TagAssign)
async def assign_tag(group_id: int, data: TagAssign) -> Response:
    """Give a member a tag of this group — owner and admins (409 if already assigned)."""
    await services().write(tags.assign_tag, actor().user_id, group_id, data.user_id, data.tag_id)
    return no_content()


@blueprint.delete("/groups/<id:group_id>/tags/users/<id:user_id>/<id:tag_id>")
@responds(None, 204)
async def unassign_tag(group_id: int, user_id: int, tag_id: int) -> Response:
    """Take a tag from a user — owner and admins (404 if not assigned)."""
    await services().write(tags.unassign_tag, actor().user_id, group_id, user_id, tag_id)
    return no_content()


@blueprint.get("/groups/<id:group_id>/tags/<id:tag_id>/users")
@responds(TagUsersResponse)
async def list_tag_users(group_id: int, tag_id: int) -> Response:
    """Members holding the tag, with their role (members)."""
    found = await services().read(tags.tag_holders, actor().user_id, group_id, tag_id)
    return json_response(TagUsersResponse([TagUserItem.of(member) for member in found]))
