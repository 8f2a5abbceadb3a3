"""Event lists: a group's events, and every event concerning the caller."""

from __future__ import annotations

from quart import Blueprint, Response

from maxhack.domain import event_queries
from maxhack.web.routes._common import TagFilter, utc_now
from maxhack.web.schemas.event_views import EventResponse, EventsResponse
from maxhack.web.services import actor, services
from maxhack.web.validation import json_response, query, responds

__all__ = ["blueprint"]

blueprint = Blueprint("event_lists", __name__)


@blueprint.get("/events/groups/<id:group_id>")
@responds(EventsResponse)
@query(TagFilter)
async def list_group_events(group_id: int, args: TagFilter) -> Response:
    """A group's events, newest first: all for owner/admins, those concerning the caller
    (directly or through a tag) for members. Each carries the caller's current answer."""
    items = await services().read(
        event_queries.group_events, actor().user_id, group_id, args.tag_ids
    )
    now = utc_now()
    return json_response(EventsResponse(events=[EventResponse.of(item, now) for item in items]))


@blueprint.get("/events/")
@responds(EventsResponse)
@query(TagFilter)
async def list_my_events(args: TagFilter) -> Response:
    """Events concerning the caller in all their groups (as a recipient or the creator)."""
    items = await services().read(event_queries.my_events, actor().user_id, args.tag_ids)
    now = utc_now()
    return json_response(EventsResponse(events=[EventResponse.of(item, now) for item in items]))
