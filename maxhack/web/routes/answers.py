"""Answers per occurrence and the upcoming occurrences of an event ("who is coming")."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from pydantic import BaseModel, ConfigDict, Field
from quart import Blueprint, Response

from maxhack.domain import answers
from maxhack.domain.events import load_event
from maxhack.domain.hooks import Conn
from maxhack.domain.zones import parse_naive_in_zone
from maxhack.web.errors import BadRequest
from maxhack.web.routes._common import utc_now
from maxhack.web.schemas.common import Instant
from maxhack.web.schemas.event_views import AnswerResponse, OccurrencesResponse
from maxhack.web.schemas.events import AnswerRequest
from maxhack.web.services import actor, services
from maxhack.web.validation import json_body, json_response, query, responds

__all__ = ["blueprint"]

blueprint = Blueprint("answers", __name__)

DEFAULT_WINDOW: Final = timedelta(days=30)
MAX_WINDOW: Final = timedelta(days=366)
DEFAULT_LIMIT: Final = 100
MAX_LIMIT: Final = 500


class OccurrencesQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    start: Instant | None = Field(
        default=None, alias="from", description="Window start (default: now)."
    )
    end: Instant | None = Field(
        default=None, alias="to", description="Window end, exclusive (default: from + 30 days)."
    )
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


@blueprint.put("/events/<id:event_id>/answer")
@responds(AnswerResponse)
@json_body(AnswerRequest)
async def put_answer(event_id: int, data: AnswerRequest) -> Response:
    """Record or change the caller's answer to one occurrence (recipients only)."""
    answer = await services().write(
        answers.record_answer, actor().user_id, event_id, data.occurrence_at, data.status
    )
    return json_response(AnswerResponse.of(answer))


async def _occurrences(
    conn: Conn,
    actor_id: int,
    event_id: int,
    start: datetime | None,
    end: datetime | None,
    limit: int,
) -> answers.OccurrencesView:
    """Resolve naive window bounds in the event's zone, then list (one crossing)."""
    event = await load_event(conn, event_id)
    zone = event.schedule.zone
    begin = utc_now() if start is None else _aware(start, zone)
    stop = begin + DEFAULT_WINDOW if end is None else _aware(end, zone)
    if stop < begin:
        raise BadRequest("query to: must not be earlier than from")
    if stop - begin > MAX_WINDOW:
        raise BadRequest(f"query to: the window may span at most {MAX_WINDOW.days} days")
    return await answers.list_occurrences(conn, actor_id, event_id, begin, stop, limit=limit)


def _aware(value: datetime, zone: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        return parse_naive_in_zone(value.replace(tzinfo=None), zone)
    return value


@blueprint.get("/events/<id:event_id>/occurrences")
@responds(OccurrencesResponse)
@query(OccurrencesQuery)
async def list_occurrences(event_id: int, args: OccurrencesQuery) -> Response:
    """Occurrences starting in [from, to): the caller's answer to each, and for owner/admins
    every recipient's answer with a summary. Naive bounds are in the event's zone."""
    view = await services().read(
        _occurrences, actor().user_id, event_id, args.start, args.end, args.limit
    )
    return json_response(OccurrencesResponse.of(view))
