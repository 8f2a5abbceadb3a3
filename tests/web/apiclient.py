"""A small client for API tests: users with signed init data, and a group with every role."""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from typing import Any

import httpx

from maxhack.web.testing import signed_init_data

# Fresh MAX ids per test process, so tests sharing one database never share a user.
_max_ids = itertools.count(7_000_000_000 + os.getpid() * 100_000)


def next_max_id() -> int:
    return next(_max_ids)


@dataclass
class User:
    api: Api
    max_id: int
    name: str
    id: int = 0

    @property
    def headers(self) -> dict[str, str]:
        return {"WebAppData": signed_init_data(self.max_id, first_name=self.name)}

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = self.headers | kwargs.pop("headers", {})
        return await self.api.client.request(method, path, headers=headers, **kwargs)

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", path, **kwargs)

    async def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PUT", path, **kwargs)

    async def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PATCH", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", path, **kwargs)

    async def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        """Request and assert the status; return the JSON body (None for 204)."""
        response = await self.request(method, path, **kwargs)
        assert response.status_code == status, (method, path, response.status_code, response.text)
        return None if status == 204 else response.json()


@dataclass
class Api:
    client: httpx.AsyncClient

    async def user(self, name: str = "Тест") -> User:
        """A new MAX user, created in the API by their first request."""
        user = User(self, next_max_id(), name)
        user.id = (await user.ok("GET", "/users/me"))["id"]
        return user


@dataclass
class Team:
    """A group with one user per role: owner, admin, member, target (another plain member),
    kicked (joined, held the tag, was a participant, then was removed) and outsider."""

    owner: User
    admin: User
    member: User
    target: User
    kicked: User
    outsider: User
    group_id: int
    invite_key: str
    tag_id: int
    event_id: int

    def role(self, name: str) -> User:
        user: User = getattr(self, name)
        return user

    async def fresh_member(self, name: str = "Новичок") -> User:
        user = await self.owner.api.user(name)
        await user.ok("POST", f"/invites/{self.invite_key}/join")
        return user

    async def fresh_tag(self, name: str = "tag") -> int:
        body = await self.owner.ok(
            "POST", f"/groups/{self.group_id}/tags", 201, json={"name": name, "color": "red"}
        )
        return int(body["id"])

    async def fresh_event(self, **fields: Any) -> int:
        body = {
            "title": "Событие",
            "groupId": self.group_id,
            "cron": {"date": "2031-03-04T10:00:00", "everyWeek": True},
        } | fields
        created = await self.owner.ok("POST", "/events", 201, json=body)
        return int(created["id"])


async def make_team(api: Api) -> Team:
    owner = await api.user("Босс")
    group = await owner.ok("POST", "/groups", 201, json={"name": "Команда"})
    group_id = group["group"]["id"]
    invite = await owner.ok("POST", f"/groups/{group_id}/invite", 201)
    key = invite["inviteKey"]
    users = {}
    for role in ("admin", "member", "target", "kicked", "outsider"):
        users[role] = await api.user(role)
        if role != "outsider":
            await users[role].ok("POST", f"/invites/{key}/join")
    await owner.ok("PATCH", f"/groups/{group_id}/users/{users['admin'].id}", json={"roleId": 2})
    tag = await owner.ok(
        "POST", f"/groups/{group_id}/tags", 201, json={"name": "дежурный", "color": "blue"}
    )
    for role in ("member", "kicked"):
        await owner.ok(
            "POST",
            f"/groups/{group_id}/tags/users",
            204,
            json={"userId": users[role].id, "tagId": tag["id"]},
        )
    event = await owner.ok(
        "POST",
        "/events",
        201,
        json={
            "title": "Планёрка",
            "groupId": group_id,
            "cron": {"date": "2031-03-04T10:00:00", "everyWeek": True},
            "participantsIds": [
                owner.id,
                users["admin"].id,
                users["target"].id,
                users["kicked"].id,
            ],
            "tagsIds": [tag["id"]],
            "minutesBefore": [15],
        },
    )
    await owner.ok("DELETE", f"/groups/{group_id}/users/{users['kicked'].id}", 204)
    return Team(
        owner=owner,
        group_id=group_id,
        invite_key=key,
        tag_id=tag["id"],
        event_id=event["id"],
        **users,
    )
