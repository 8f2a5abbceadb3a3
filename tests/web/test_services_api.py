"""What sits between routes and the domain: read coalescing, store outages, invite links."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import trio

from maxhack.health import HealthReport
from maxhack.resources.stores import Stores, StoresUnavailable
from maxhack.web.app import WebContext, create_app
from maxhack.web.routes.invites import invite_link
from maxhack.web.testing import (
    api_context,
    api_settings,
    open_stores,
    serve_app,
    signed_init_data,
)
from tests.web.apiclient import next_max_id


@pytest.fixture
async def stores(aio: None, database_url: str, redis_url: str) -> AsyncIterator[Stores]:
    async with open_stores(database_url, redis_url) as opened:
        yield opened


async def test_concurrent_identical_reads_share_crossings(stores: Stores) -> None:
    app = create_app(api_context(stores))
    services = app.extensions["maxhack"]
    headers = {"WebAppData": signed_init_data(next_max_id())}
    async with serve_app(app) as base_url, httpx.AsyncClient(base_url=base_url) as client:
        assert (await client.get("/users/me", headers=headers)).status_code == 200
        before = services.reads.stats.loads
        bodies: list[dict[str, object]] = []

        async def read() -> None:
            response = await client.get("/users/me", headers=headers)
            bodies.append(response.json())

        async with trio.open_nursery() as nursery:
            for _ in range(30):
                nursery.start_soon(read)
    assert len(bodies) == 30 and all(body == bodies[0] for body in bodies)
    assert services.reads.stats.loads - before < 30
    assert len(services.reads) == 0  # nothing left in flight


async def test_writes_are_seen_by_the_next_read(stores: Stores) -> None:
    app = create_app(api_context(stores))
    headers = {"WebAppData": signed_init_data(next_max_id())}
    async with serve_app(app) as base_url, httpx.AsyncClient(base_url=base_url) as client:
        for name in ("Анна", "Борис", "Вера"):
            response = await client.patch("/users/", json={"firstName": name}, headers=headers)
            assert response.status_code == 200
            me = (await client.get("/users/me", headers=headers)).json()
            assert me["firstName"] == name


async def test_store_outage_is_503(aio: None) -> None:
    def unavailable() -> Stores:
        raise StoresUnavailable("the stores are not open")

    context = WebContext(
        settings=api_settings(),
        health=lambda: HealthReport(status_code=200, body={"status": "ok"}),
        stores=unavailable,
        bot_username=lambda: None,
    )
    headers = {"WebAppData": signed_init_data(next_max_id())}
    async with (
        serve_app(create_app(context)) as base_url,
        httpx.AsyncClient(base_url=base_url) as client,
    ):
        response = await client.get("/users/me", headers=headers)
        assert response.status_code == 503
        assert "not available" in response.json()["reason"]
        assert (await client.get("/health")).status_code == 200


def test_invite_links() -> None:
    assert invite_link("AbC-_123", "team_bot") == "https://max.ru/team_bot?start=invite_AbC-_123"
    assert invite_link("AbC-_123", None) is None
