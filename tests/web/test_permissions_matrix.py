"""The permission matrix through the real HTTP API: every role × every action.

Roles: the group's owner, an admin, a plain member, an outsider, and a kicked member (who held
a tag and was a participant before removal). Each action prepares what it consumes (a fresh
member to kick, a fresh tag to delete, ...) so roles are tried one after another on the same
group; outsiders and the kicked go first, the owner last, so a successful destructive call
(delete group, transfer) happens after everyone else's attempt.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest

from tests.web.apiclient import Api, Team, User, make_team

ROLES = ("outsider", "kicked", "member", "admin", "owner")
Call = Callable[[Team, User], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class Action:
    name: str
    call: Call
    expected: tuple[int, int, int, int, int]  # owner, admin, member, outsider, kicked

    def status_for(self, role: str) -> int:
        owner, admin, member, outsider, kicked = self.expected
        return {
            "owner": owner,
            "admin": admin,
            "member": member,
            "outsider": outsider,
            "kicked": kicked,
        }[role]


EVERY_MEMBER = (200, 200, 200, 403, 403)
MANAGERS = (200, 200, 403, 403, 403)
MANAGERS_201 = (201, 201, 403, 403, 403)
MANAGERS_204 = (204, 204, 403, 403, 403)
OWNER_ONLY = (200, 403, 403, 403, 403)
OWNER_ONLY_204 = (204, 403, 403, 403, 403)


def g(team: Team, suffix: str = "") -> str:
    return f"/groups/{team.group_id}{suffix}"


async def kick_fresh_member(team: Team, who: User) -> httpx.Response:
    fresh = await team.fresh_member()
    return await who.delete(g(team, f"/users/{fresh.id}"))


async def kick_fresh_admin(team: Team, who: User) -> httpx.Response:
    fresh = await team.fresh_member()
    await team.owner.ok("PATCH", g(team, f"/users/{fresh.id}"), json={"roleId": 2})
    return await who.delete(g(team, f"/users/{fresh.id}"))


async def demote_fresh_admin(team: Team, who: User) -> httpx.Response:
    fresh = await team.fresh_member()
    await team.owner.ok("PATCH", g(team, f"/users/{fresh.id}"), json={"roleId": 2})
    return await who.patch(g(team, f"/users/{fresh.id}"), json={"roleId": 3})


async def promote_fresh_member(team: Team, who: User) -> httpx.Response:
    fresh = await team.fresh_member()
    return await who.patch(g(team, f"/users/{fresh.id}"), json={"roleId": 2})


async def leave(team: Team, who: User) -> httpx.Response:
    return await who.post(g(team, "/leave"))


async def delete_fresh_tag(team: Team, who: User) -> httpx.Response:
    return await who.delete(g(team, f"/tags/{await team.fresh_tag()}"))


async def assign_fresh_tag(team: Team, who: User) -> httpx.Response:
    tag_id = await team.fresh_tag()
    return await who.post(g(team, "/tags/users"), json={"userId": team.target.id, "tagId": tag_id})


async def assign_tag_to_owner(team: Team, who: User) -> httpx.Response:
    tag_id = await team.fresh_tag()
    return await who.post(g(team, "/tags/users"), json={"userId": team.owner.id, "tagId": tag_id})


async def unassign_fresh_assignment(team: Team, who: User) -> httpx.Response:
    tag_id = await team.fresh_tag()
    await team.owner.ok(
        "POST", g(team, "/tags/users"), 204, json={"userId": team.target.id, "tagId": tag_id}
    )
    return await who.delete(g(team, f"/tags/users/{team.target.id}/{tag_id}"))


async def delete_fresh_event(team: Team, who: User) -> httpx.Response:
    return await who.delete(f"/events/{await team.fresh_event()}")


async def add_tag_to_fresh_event(team: Team, who: User) -> httpx.Response:
    event_id = await team.fresh_event()
    return await who.post(f"/events/{event_id}/tags", json={"tagIds": [team.tag_id]})


async def add_user_to_fresh_event(team: Team, who: User) -> httpx.Response:
    event_id = await team.fresh_event()
    return await who.post(f"/events/{event_id}/users", json={"userIds": [team.target.id]})


async def answer(team: Team, who: User) -> httpx.Response:
    return await who.put(
        f"/events/{team.event_id}/answer",
        json={"occurrenceAt": "2031-03-11T10:00:00", "status": "OK"},
    )


def simple(method: str, path: Callable[[Team], str], json: object = None) -> Call:
    """``json`` may be a function of the team (for bodies that name its ids)."""

    async def call(team: Team, who: User) -> httpx.Response:
        body = json(team) if callable(json) else json
        return await who.request(method, path(team), json=body)

    return call


ACTIONS = [
    # groups
    Action("view group", simple("GET", g), EVERY_MEMBER),
    Action("edit group", simple("PATCH", g, {"description": "new"}), MANAGERS),
    Action("delete group", simple("DELETE", g), OWNER_ONLY_204),
    Action(
        "own notify mode",
        simple("PATCH", lambda t: g(t, "/notify"), {"notifyMode": "SILENT"}),
        EVERY_MEMBER,
    ),
    Action("leave group", leave, (409, 204, 204, 403, 403)),
    Action(
        "transfer ownership",
        simple("POST", lambda t: g(t, "/transfer"), lambda t: {"userId": t.target.id}),
        OWNER_ONLY,
    ),
    # members
    Action("list members", simple("GET", lambda t: g(t, "/users")), EVERY_MEMBER),
    Action("view a member", simple("GET", lambda t: g(t, f"/users/{t.target.id}")), EVERY_MEMBER),
    Action("promote member to admin", promote_fresh_member, OWNER_ONLY),
    Action("demote admin", demote_fresh_admin, OWNER_ONLY),
    Action(
        "grant owner role",
        simple("PATCH", lambda t: g(t, f"/users/{t.target.id}"), {"roleId": 1}),
        (409, 403, 403, 403, 403),
    ),
    Action(
        "change the owner's role",
        simple("PATCH", lambda t: g(t, f"/users/{t.owner.id}"), {"roleId": 3}),
        (409, 403, 403, 403, 403),
    ),
    Action(
        "set a member's tags",
        simple("PATCH", lambda t: g(t, f"/users/{t.target.id}"), {"tags": []}),
        MANAGERS,
    ),
    Action(
        "set the owner's tags",
        simple("PATCH", lambda t: g(t, f"/users/{t.owner.id}"), {"tags": []}),
        OWNER_ONLY,
    ),
    Action("kick a member", kick_fresh_member, MANAGERS_204),
    Action("kick an admin", kick_fresh_admin, OWNER_ONLY_204),
    Action(
        "kick the owner",
        simple("DELETE", lambda t: g(t, f"/users/{t.owner.id}")),
        (409, 403, 403, 403, 403),
    ),
    # invites
    Action("get invite", simple("GET", lambda t: g(t, "/invite")), MANAGERS),
    Action("recreate invite", simple("POST", lambda t: g(t, "/invite")), MANAGERS_201),
    Action("revoke invite", simple("DELETE", lambda t: g(t, "/invite")), MANAGERS_204),
    Action(
        "join by invite",
        simple("POST", lambda t: f"/invites/{t.invite_key}/join"),
        (409, 409, 409, 200, 200),
    ),
    # tags
    Action(
        "create tag",
        simple("POST", lambda t: g(t, "/tags"), {"name": "x", "color": "red"}),
        MANAGERS_201,
    ),
    Action("list tags", simple("GET", lambda t: g(t, "/tags")), EVERY_MEMBER),
    Action(
        "edit tag",
        simple("PATCH", lambda t: g(t, f"/tags/{t.tag_id}"), {"color": "green"}),
        MANAGERS,
    ),
    Action("delete tag", delete_fresh_tag, MANAGERS_204),
    Action("assign tag to a member", assign_fresh_tag, MANAGERS_204),
    Action("assign tag to the owner", assign_tag_to_owner, OWNER_ONLY_204),
    Action("unassign tag", unassign_fresh_assignment, MANAGERS_204),
    Action("tag holders", simple("GET", lambda t: g(t, f"/tags/{t.tag_id}/users")), EVERY_MEMBER),
    Action(
        "a member's tags",
        simple("GET", lambda t: f"/users/{t.target.id}/groups/{t.group_id}/tags"),
        EVERY_MEMBER,
    ),
    # events
    Action(
        "create event",
        simple(
            "POST",
            lambda t: "/events",
            lambda t: {
                "title": "x",
                "groupId": t.group_id,
                "cron": {"date": "2031-01-01T09:00:00"},
            },
        ),
        MANAGERS_201,
    ),
    Action("view event", simple("GET", lambda t: f"/events/{t.event_id}"), EVERY_MEMBER),
    Action(
        "edit event",
        simple("PATCH", lambda t: f"/events/{t.event_id}", {"title": "Новое"}),
        MANAGERS,
    ),
    Action("delete event", delete_fresh_event, MANAGERS_204),
    Action("bind tags to event", add_tag_to_fresh_event, MANAGERS_204),
    Action("add users to event", add_user_to_fresh_event, MANAGERS_204),
    Action(
        "list group events", simple("GET", lambda t: f"/events/groups/{t.group_id}"), EVERY_MEMBER
    ),
    Action(
        "a member's events",
        simple("GET", lambda t: f"/users/{t.target.id}/groups/{t.group_id}/events"),
        EVERY_MEMBER,
    ),
    Action(
        "occurrences", simple("GET", lambda t: f"/events/{t.event_id}/occurrences"), EVERY_MEMBER
    ),
    Action("answer an occurrence", answer, EVERY_MEMBER),
    Action(
        "export group, all",
        simple("GET", lambda t: f"/events/export/groups/{t.group_id}/all"),
        MANAGERS,
    ),
    Action(
        "export group, mine",
        simple("GET", lambda t: f"/events/export/groups/{t.group_id}/user"),
        EVERY_MEMBER,
    ),
]


@pytest.mark.parametrize("action", ACTIONS, ids=[a.name for a in ACTIONS])
async def test_role_matrix(api: Api, action: Action) -> None:
    team = await make_team(api)
    got = {}
    for role in ROLES:
        response = await action.call(team, team.role(role))
        got[role] = response.status_code
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            assert response.json()["reason"], response.text
    expected = {role: action.status_for(role) for role in ROLES}
    assert got == expected
