"""GET /auth: validate init data passed as a query parameter (the original WebApp's check)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field
from quart import Blueprint, Response

from maxhack.web.routes._common import public
from maxhack.web.services import services
from maxhack.web.validation import json_response, query, responds

__all__ = ["blueprint"]

blueprint = Blueprint("auth", __name__)

MAX_INIT_DATA_CHARS = 8192
COOKIE_MAX_AGE_S = 86_400


class AuthQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    WebAppData: Annotated[str, Field(min_length=1, max_length=MAX_INIT_DATA_CHARS)]


class AuthChat(BaseModel):
    id: int
    type: str


class AuthUser(BaseModel):
    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None
    photo_url: str | None


class AuthResponse(BaseModel):
    """The validated init data, in snake_case (as the original returned it)."""

    ip: str | None
    query_id: str | None
    chat: AuthChat | None
    user: AuthUser
    auth_date: int
    hash: str | None
    start_param: str | None


@blueprint.get("/auth")
@public
@responds(AuthResponse)
@query(AuthQuery)
async def check_auth(args: AuthQuery) -> Response:
    """Validate WebApp init data given as the ``WebAppData`` query parameter.

    Sets a ``WebAppData`` cookie with the raw value. Does not create the user.
    """
    data = services().auth.validate(args.WebAppData)
    signed_hash = dict(parse_qsl(args.WebAppData, keep_blank_values=True)).get("hash")
    body = AuthResponse(
        ip=data.pairs.get("ip"),
        query_id=data.query_id,
        chat=None if data.chat is None else AuthChat(id=data.chat.id, type=data.chat.type),
        user=AuthUser(**data.user.model_dump()),
        auth_date=data.auth_date,
        hash=signed_hash,
        start_param=data.start_param,
    )
    response = json_response(body)
    response.set_cookie(
        "WebAppData",
        args.WebAppData,
        max_age=COOKIE_MAX_AGE_S,
        httponly=True,
        samesite="None",
        secure=True,
    )
    return response
