"""ICS: import into the personal group, export in three scopes (+ a tag filter)."""

from __future__ import annotations

from typing import Final

from pydantic import BaseModel, ConfigDict, Field
from quart import Blueprint, Response, request
from quart_schema import document_request
from quart_schema.validation import DataSource

from maxhack.domain import event_queries, ics_export, users
from maxhack.domain.ics_import import IcsError, parse_ics
from maxhack.domain.personal import import_personal_events
from maxhack.web.errors import BadRequest
from maxhack.web.routes._common import TagFilter, utc_now
from maxhack.web.schemas.event_views import EventResponse, ImportResponse, SkippedItem
from maxhack.web.services import actor, services
from maxhack.web.validation import json_response, query, responds

__all__ = ["blueprint"]

blueprint = Blueprint("ics", __name__)

ICS_CONTENT_TYPE: Final = "text/calendar; charset=utf-8"


class IcsUpload(BaseModel):
    """multipart/form-data with the calendar in the ``file`` part."""

    model_config = ConfigDict(frozen=True)

    file: bytes = Field(description="An iCalendar (.ics) file.")


@blueprint.post("/events/import/ics")
@responds(ImportResponse, 201)
@document_request(IcsUpload, source=DataSource.FORM_MULTIPART)
async def import_ics(**_: object) -> Response:
    """Import the events of an .ics file into the caller's personal group.

    DAILY/WEEKLY/MONTHLY rules with INTERVAL, UNTIL and COUNT are kept; events the product
    cannot represent are listed in ``skipped`` with a reason. A file that is not iCalendar is
    a 400.
    """
    files = await request.files
    upload = files.get("file")
    if upload is None:
        raise BadRequest("file: a multipart part named 'file' is required")
    data = upload.read()
    if not data.strip():
        raise BadRequest("file: the file is empty")
    actor_id = actor().user_id
    user = await services().read(users.get_user, actor_id)
    try:
        imported, skipped = parse_ics(data, default_zone=user.time_zone)
    except IcsError as exc:
        raise BadRequest(f"file: {exc.reason}") from None
    created = await services().write(import_personal_events, actor_id, imported)
    now = utc_now()
    body = ImportResponse(
        events=[EventResponse.of(item, now) for item in created],
        skipped=[SkippedItem(index=s.index, summary=s.summary, reason=s.reason) for s in skipped],
    )
    return json_response(body, 201)


def _calendar(items: list[event_queries.EventItem], filename: str) -> Response:
    response = Response(ics_export.build_calendar(items), content_type=ICS_CONTENT_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@blueprint.get("/events/export/all-groups")
@responds(None, 200, media_type="text/calendar")
@query(TagFilter)
async def export_my_events(args: TagFilter) -> Response:
    """ICS of the events concerning the caller in all groups (directly or through tags)."""
    items = await services().read(
        event_queries.events_for_export,
        actor().user_id,
        group_id=None,
        everything=False,
        tag_ids=args.tag_ids,
    )
    return _calendar(items, "events_all_groups.ics")


@blueprint.get("/events/export/groups/<id:group_id>/user")
@responds(None, 200, media_type="text/calendar")
@query(TagFilter)
async def export_my_group_events(group_id: int, args: TagFilter) -> Response:
    """ICS of the events of one group concerning the caller (members)."""
    items = await services().read(
        event_queries.events_for_export,
        actor().user_id,
        group_id=group_id,
        everything=False,
        tag_ids=args.tag_ids,
    )
    return _calendar(items, f"events_group_{group_id}.ics")


@blueprint.get("/events/export/groups/<id:group_id>/all")
@responds(None, 200, media_type="text/calendar")
@query(TagFilter)
async def export_group_events(group_id: int, args: TagFilter) -> Response:
    """ICS of every event of the group — owner and admins."""
    items = await services().read(
        event_queries.events_for_export,
        actor().user_id,
        group_id=group_id,
        everything=True,
        tag_ids=args.tag_ids,
    )
    return _calendar(items, f"all_events_group_{group_id}.ics")
