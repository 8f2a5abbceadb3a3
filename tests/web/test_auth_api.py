"""Authentication through the real server: the WebAppData header, /auth, user creation."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import trio

from maxhack.bridge import run_aio
from maxhack.web.app import create_app
from maxhack.web.testing import (
    api_context,
    api_settings,
    open_stores,
    serve_api,
    serve_app,
    signed_init_data,
)
from tests.web.apiclient import Api, next_max_id


def header(value: str) -> dict[str, str]:
    return {"WebAppData": value}


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        pytest.param(lambda m: None, "WebApp init data is missing", id="missing"),
        pytest.param(lambda m: "", "WebApp init data is missing", id="empty"),
        pytest.param(
            lambda m: signed_init_data(m).replace("first_name", "first_namx"),
            "signature is invalid",
            id="tampered",
        ),
        pytest.param(
            lambda m: signed_init_data(m, bot_token="999:other"),
            "signature is invalid",
            id="wrong-token",
        ),
        pytest.param(
            lambda m: signed_init_data(m, auth_date=int(time.time()) - 86_401),
            "has expired",
            id="expired",
        ),
        pytest.param(
            lambda m: signed_init_data(m, auth_date=int(time.time()) + 120),
            "dated in the future",
            id="future",
        ),
        pytest.param(
            lambda m: signed_init_data(m) + "&auth_date=1", "more than once", id="duplicate-key"
        ),
        pytest.param(
            lambda m: signed_init_data(m).rsplit("&hash=", 1)[0], "has no hash", id="missing-hash"
        ),
        pytest.param(
            lambda m: signed_init_data(2**63), "user id is out of range", id="id-beyond-int64"
        ),
    ],
)
async def test_rejected_init_data_is_401_with_a_reason(api: Api, make: object, reason: str) -> None:
    raw = make(next_max_id())  # type: ignore[operator]
    headers = {} if raw is None else header(raw)
    for path in ("/users/me", "/api/users/me", "/groups/1", "/events/"):
        response = await api.client.get(path, headers=headers)
        assert response.status_code == 401, response.text
        assert reason in response.json()["reason"]


async def test_first_request_creates_user_and_personal_group(api: Api) -> None:
    max_id = next_max_id()
    raw = signed_init_data(
        max_id,
        first_name="Иван",
        last_name="Петров",
        chat=json.dumps({"id": 555, "type": "chat"}),
    )
    me = (await api.client.get("/users/me", headers=header(raw))).json()
    assert me["maxId"] == max_id
    assert (me["firstName"], me["lastName"]) == ("Иван", "Петров")
    assert me["maxChatId"] is None  # never taken from init data
    assert me["timeZone"] == "Europe/Moscow"
    assert me["utcOffsetMinutes"] == me["timezone"] == 180
    assert me["notifyMode"] == "DEFAULT"
    groups = (await api.client.get("/users/me/groups", headers=header(raw))).json()["groups"]
    assert [(g["name"], g["isPersonal"], g["roleId"]) for g in groups] == [("Личная", True, 1)]
    personal = (await api.client.get("/users/me/groups/personal", headers=header(raw))).json()
    assert personal["id"] == groups[0]["groupId"]
    # The same MAX user later: same row, names not overwritten by init data.
    again = signed_init_data(max_id, first_name="Другое")
    assert (await api.client.get("/users/me", headers=header(again))).json() == me


async def test_auth_route_validates_without_creating(api: Api) -> None:
    max_id = next_max_id()
    raw = signed_init_data(max_id, first_name="Анна", start_param="invite_abc")
    response = await api.client.get("/auth", params={"WebAppData": raw})
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["id"] == max_id
    assert body["user"]["first_name"] == "Анна"
    assert body["start_param"] == "invite_abc"
    assert len(body["hash"]) == 64
    assert "WebAppData=" in response.headers["set-cookie"]
    bad = await api.client.get("/api/auth", params={"WebAppData": raw + "x"})
    assert bad.status_code == 401
    missing = await api.client.get("/auth")
    assert missing.status_code == 400
    assert "WebAppData" in missing.json()["reason"]


async def test_public_routes_need_no_header(api: Api) -> None:
    assert (await api.client.get("/health")).status_code == 200
    assert (await api.client.get("/api/health")).status_code == 200
    schema = (await api.client.get("/openapi.json")).json()
    assert schema["components"]["securitySchemes"]["WebAppData"]["in"] == "header"
    assert "/users/me" in schema["paths"] and "/api/users/me" not in schema["paths"]
    docs = await api.client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


async def test_cors_preflight_and_headers(api: Api) -> None:
    origin = "https://webapp.example"
    preflight = await api.client.options(
        "/users/me",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "webappdata",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == origin
    assert preflight.headers["access-control-allow-headers"] == "webappdata"
    assert preflight.headers["access-control-allow-credentials"] == "true"
    denied = await api.client.get("/users/me", headers={"Origin": origin})
    assert denied.status_code == 401
    assert denied.headers["access-control-allow-origin"] == origin


@pytest.fixture
async def stores(aio: None, database_url: str, redis_url: str) -> AsyncIterator[object]:
    async with open_stores(database_url, redis_url) as opened:
        yield opened


async def test_without_bot_token_every_authenticated_route_is_401(stores: object) -> None:
    context = api_context(stores, api_settings(MAX_TOKEN=None))  # type: ignore[arg-type]
    async with serve_api(context) as base_url, httpx.AsyncClient(base_url=base_url) as client:
        raw = signed_init_data(next_max_id())
        for path in ("/users/me", "/groups/1"):
            response = await client.get(path, headers=header(raw))
            assert response.status_code == 401
            assert "unavailable" in response.json()["reason"]
        assert (await client.get("/auth", params={"WebAppData": raw})).status_code == 401
        assert (await client.get("/health")).status_code == 200


async def test_max_age_setting_is_applied(stores: object) -> None:
    context = api_context(stores, api_settings(WEBAPP_AUTH_MAX_AGE=60))  # type: ignore[arg-type]
    async with serve_api(context) as base_url, httpx.AsyncClient(base_url=base_url) as client:
        max_id = next_max_id()
        fresh = signed_init_data(max_id, auth_date=int(time.time()) - 30)
        stale = signed_init_data(max_id, auth_date=int(time.time()) - 90)
        assert (await client.get("/users/me", headers=header(fresh))).status_code == 200
        response = await client.get("/users/me", headers=header(stale))
        assert response.status_code == 401
        assert "expired" in response.json()["reason"]


async def test_concurrent_first_requests_create_one_user(stores: object, database_url: str) -> None:
    """N concurrent first requests of a new MAX user: one upsert, one user, one personal group;
    later requests do not touch the upsert path at all (cached id)."""
    app = create_app(api_context(stores, api_settings()))  # type: ignore[arg-type]
    services = app.extensions["maxhack"]
    async with serve_app(app) as base_url, httpx.AsyncClient(base_url=base_url) as client:
        max_id = next_max_id()
        raw = signed_init_data(max_id)
        statuses: list[int] = []

        async def one() -> None:
            statuses.append((await client.get("/users/me", headers=header(raw))).status_code)

        async with trio.open_nursery() as nursery:
            for _ in range(20):
                nursery.start_soon(one)
        assert statuses == [200] * 20
        assert services.auth.upserts.stats.loads <= 2
        loads = services.auth.upserts.stats.loads
        for _ in range(5):
            await one()
        assert services.auth.upserts.stats.loads == loads
    pool = stores.pg  # type: ignore[attr-defined]
    users = await run_aio(pool.fetchval, "SELECT count(*) FROM users WHERE max_id = $1", max_id)
    groups = await run_aio(
        pool.fetchval,
        "SELECT count(*) FROM groups g JOIN users u ON u.id = g.personal_of WHERE u.max_id = $1",
        max_id,
    )
    assert (users, groups) == (1, 1)
