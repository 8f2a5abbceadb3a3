"""Invites: the group's key (get, recreate, revoke) and joining by a key."""

from __future__ import annotations

from quart import Blueprint, Response, current_app

from maxhack.domain import invites
from maxhack.domain.models import Invite
from maxhack.web.schemas.groups import GetGroupResponse, InviteResponse
from maxhack.web.services import actor, services
from maxhack.web.validation import json_response, no_content, responds

__all__ = ["blueprint", "invite_link"]

blueprint = Blueprint("invites", __name__)


def invite_link(key: str, bot_username: str | None) -> str | None:
    """``https://max.ru/<bot>?start=invite_<key>``, or None while the username is unknown."""
    if not bot_username:
        return None
    return f"https://max.ru/{bot_username}?start=invite_{key}"


def _response(invite: Invite) -> InviteResponse:
    bot_username = current_app.config["MAXHACK_CONTEXT"].bot_username()
    return InviteResponse(invite_key=invite.key, invite_link=invite_link(invite.key, bot_username))


@blueprint.get("/groups/<id:group_id>/invite")
@responds(InviteResponse)
async def get_invite(group_id: int) -> Response:
    """The group's current invite — owner and admins (404 when there is none)."""
    invite = await services().read(invites.get_invite, actor().user_id, group_id)
    return json_response(_response(invite))


@blueprint.post("/groups/<id:group_id>/invite")
@responds(InviteResponse, 201)
async def create_invite(group_id: int) -> Response:
    """Revoke the current invite and issue a new one — owner and admins."""
    invite = await services().write(invites.recreate_invite, actor().user_id, group_id)
    return json_response(_response(invite), 201)


@blueprint.delete("/groups/<id:group_id>/invite")
@responds(None, 204)
async def delete_invite(group_id: int) -> Response:
    """Revoke the invite (also 204 when there is none) — owner and admins."""
    await services().write(invites.revoke_invite, actor().user_id, group_id)
    return no_content()


@blueprint.post("/invites/<invite_key:key>/join")
@responds(GetGroupResponse)
async def join_group(key: str) -> Response:
    """Join a group by its invite key (the ``invite_<key>`` deep link's key)."""
    access = await services().write(invites.join_by_invite, actor().user_id, key)
    return json_response(GetGroupResponse.of(access))
