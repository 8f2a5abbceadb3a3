"""/users: the caller's profile, groups and events; another member's tags and events."""

from __future__ import annotations

from quart import Blueprint, Response

from maxhack.domain import event_queries, groups, tags, users
from maxhack.domain.models import UNSET
from maxhack.web.routes._common import TagFilter, utc_now
from maxhack.web.schemas.event_views import EventListResponse, EventResponse
from maxhack.web.schemas.groups import GroupResponse, UserGroupItem, UserGroupsResponse
from maxhack.web.schemas.tags import TagResponse, TagsResponse
from maxhack.web.schemas.users import UserPatch, UserResponse
from maxhack.web.services import actor, services
from maxhack.web.validation import json_body, json_response, query, responds

__all__ = ["blueprint"]

blueprint = Blueprint("users", __name__)


@blueprint.get("/users/me")
@responds(UserResponse)
async def get_me() -> Response:
    """The caller's profile."""
    user = await services().read(users.get_user, actor().user_id)
    return json_response(UserResponse.of(user))


@blueprint.patch("/users/")
@responds(UserResponse)
@json_body(UserPatch)
async def patch_me(data: UserPatch) -> Response:
    """Edit the caller's profile: names, phone, time zone, global notify mode."""
    zone = data.time_zone or data.timezone
    update = users.UserUpdate(
        first_name=UNSET if data.first_name is None else data.first_name,
        last_name=UNSET if data.last_name is None else (data.last_name or None),
        phone=UNSET if data.phone is None else (data.phone or None),
        time_zone=UNSET if zone is None else zone,
        notify_mode=UNSET if data.notify_mode is None else data.notify_mode,
    )
    user = await services().write(users.update_user, actor().user_id, update)
    return json_response(UserResponse.of(user))


@blueprint.get("/users/me/groups")
@responds(UserGroupsResponse)
async def get_my_groups() -> Response:
    """The caller's groups in join order, personal group included, with role and notify mode."""
    found = await services().read(groups.list_my_groups, actor().user_id)
    return json_response(UserGroupsResponse(groups=[UserGroupItem.of(item) for item in found]))


@blueprint.get("/users/me/groups/personal")
@responds(GroupResponse)
async def get_my_personal_group() -> Response:
    """The caller's personal group."""
    group = await services().read(users.personal_group, actor().user_id)
    return json_response(GroupResponse.of(group))


@blueprint.get("/users/me/events")
@responds(EventListResponse)
@query(TagFilter)
async def get_my_personal_events(args: TagFilter) -> Response:
    """Events of the caller's personal group, newest first."""
    items = await services().read(event_queries.personal_events, actor().user_id, args.tag_ids)
    now = utc_now()
    return json_response(EventListResponse([EventResponse.of(item, now) for item in items]))


@blueprint.get("/users/<id:user_id>/groups/<id:group_id>/tags")
@responds(TagsResponse)
async def get_user_tags(user_id: int, group_id: int) -> Response:
    """A member's tags in a group (both users must be members)."""
    found = await services().read(tags.user_tags, actor().user_id, group_id, user_id)
    return json_response(TagsResponse([TagResponse.of(tag) for tag in found]))


@blueprint.get("/users/<id:user_id>/groups/<id:group_id>/events")
@responds(EventListResponse)
@query(TagFilter)
async def get_user_events(user_id: int, group_id: int, args: TagFilter) -> Response:
    """Events of a group that concern a member (directly or through a tag)."""
    items = await services().read(
        event_queries.user_events, actor().user_id, user_id, group_id, args.tag_ids
    )
    now = utc_now()
    return json_response(EventListResponse([EventResponse.of(item, now) for item in items]))
