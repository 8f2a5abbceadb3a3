"""/events/{id}: create, view, edit, delete an event; bind tags and users."""

from __future__ import annotations

from quart import Blueprint, Response

from maxhack.domain import event_queries, events
from maxhack.domain.event_queries import EventItem
from maxhack.web.routes._common import absent_or, unset_if_missing, utc_now
from maxhack.web.schemas.event_views import EventDetailsResponse, EventResponse
from maxhack.web.schemas.events import EventCreate, EventPatch, EventTagsAdd, EventUsersAdd
from maxhack.web.services import actor, services
from maxhack.web.validation import json_body, json_response, no_content, responds

__all__ = ["blueprint"]

blueprint = Blueprint("events", __name__)


@blueprint.post("/events")
@responds(EventResponse, 201)
@json_body(EventCreate)
async def create_event(data: EventCreate) -> Response:
    """Create an event — owner and admins of the group. ``cron.date`` without an offset is
    wall-clock time in the event's zone (``timeZone``, default: the group's)."""
    draft = events.EventDraft(
        group_id=data.group_id,
        title=data.title,
        description=data.description,
        type=data.type,
        schedule=data.cron.to_draft(),
        time_zone=data.time_zone,
        duration_min=data.duration,
        participant_ids=tuple(data.participants_ids),
        tag_ids=tuple(data.tags_ids),
        reminder_offsets=None if data.minutes_before is None else tuple(data.minutes_before),
    )
    event = await services().write(events.create_event, actor().user_id, draft)
    return json_response(EventResponse.of(EventItem(event=event, answer=None), utc_now()), 201)


@blueprint.get("/events/<id:event_id>")
@responds(EventDetailsResponse)
async def get_event(event_id: int) -> Response:
    """One event with its group, tags, offsets and participants (members of its group)."""
    details = await services().read(event_queries.event_details, actor().user_id, event_id)
    return json_response(EventDetailsResponse.of(details, utc_now()))


@blueprint.patch("/events/<id:event_id>")
@responds(EventResponse)
@json_body(EventPatch)
async def patch_event(event_id: int, data: EventPatch) -> Response:
    """Edit an event — owner and admins. Missing fields stay; lists replace; offsets and the
    schedule may change (reminders are re-planned)."""
    update = events.EventUpdate(
        title=absent_or(data.title),
        description=unset_if_missing(data, "description", data.description),
        type=absent_or(data.type),
        schedule=absent_or(None if data.cron is None else data.cron.to_draft()),
        time_zone=absent_or(data.time_zone),
        duration_min=absent_or(data.duration),
        participant_ids=absent_or(
            None if data.participants_ids is None else tuple(data.participants_ids)
        ),
        tag_ids=absent_or(None if data.tags_ids is None else tuple(data.tags_ids)),
        reminder_offsets=absent_or(
            None if data.minutes_before is None else tuple(data.minutes_before)
        ),
    )
    event = await services().write(events.update_event, actor().user_id, event_id, update)
    return json_response(EventResponse.of(EventItem(event=event, answer=None), utc_now()))


@blueprint.delete("/events/<id:event_id>")
@responds(None, 204)
async def delete_event(event_id: int) -> Response:
    """Delete an event — owner and admins."""
    await services().write(events.delete_event, actor().user_id, event_id)
    return no_content()


@blueprint.post("/events/<id:event_id>/tags")
@responds(None, 204)
@json_body(EventTagsAdd)
async def add_event_tags(event_id: int, data: EventTagsAdd) -> Response:
    """Bind tags of the event's group (their holders become recipients)."""
    await services().write(events.add_event_tags, actor().user_id, event_id, tuple(data.tag_ids))
    return no_content()


@blueprint.post("/events/<id:event_id>/users")
@responds(None, 204)
@json_body(EventUsersAdd)
async def add_event_users(event_id: int, data: EventUsersAdd) -> Response:
    """Add direct participants (members of the event's group)."""
    await services().write(events.add_event_users, actor().user_id, event_id, tuple(data.user_ids))
    return no_content()
