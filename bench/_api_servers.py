"""The two servers `bench.api` compares, each run as its own process.

* ``ours``: maxhack's real API — quart-trio on hypercorn's trio worker, asyncpg through the
  trio-asyncio bridge, pydantic models, auth cache and read coalescing.
* ``baseline``: the same two routes written the way a user would on plain asyncio: Quart on
  hypercorn's asyncio worker, asyncpg directly, the same init-data validation per request,
  hand-built JSON. It skips the occurrence math (``nextOccurrence``, ``eventHappened``) and
  the answer lookup ours does per event — it does strictly less work per request.

Usage (by bench.api): ``python -m bench._api_servers ours|baseline DATABASE_URL PORT``;
prints ``READY`` once listening.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import asyncpg

from maxhack.domain.hooks import Conn
from maxhack.web.initdata import InitDataError, validate_init_data
from maxhack.web.testing import TEST_BOT_TOKEN

NO_REDIS = "redis://127.0.0.1:1/0"  # never connected: the API does not use Redis
POOL_SIZE = 10  # both servers: the default DB_POOL_MAX_SIZE


def run_ours(database_url: str, port: int) -> None:
    import trio
    import trio_asyncio
    from hypercorn.config import Config
    from hypercorn.trio import serve

    from maxhack.web.app import create_app
    from maxhack.web.testing import api_context, open_stores

    async def main() -> None:
        async with (
            trio_asyncio.open_loop(),
            open_stores(database_url, NO_REDIS, pool_max_size=POOL_SIZE) as stores,
        ):
            config = Config()
            config.bind = [f"127.0.0.1:{port}"]
            config.accesslog = None
            async with trio.open_nursery() as nursery:
                await nursery.start(serve, create_app(api_context(stores)), config)
                print("READY", flush=True)

    trio.run(main)


def run_baseline(database_url: str, port: int) -> None:
    from hypercorn.asyncio import serve
    from hypercorn.config import Config
    from quart import Quart, Response, request

    app = Quart("baseline")
    pool: asyncpg.Pool | None = None

    def json_response(body: Any, status: int = 200) -> Response:
        return Response(json.dumps(body, default=str), status, content_type="application/json")

    async def current_user(conn: Conn) -> asyncpg.Record | None:
        try:
            data = validate_init_data(request.headers.get("WebAppData"), bot_token=TEST_BOT_TOKEN)
        except InitDataError:
            return None
        return await conn.fetchrow("SELECT * FROM users WHERE max_id = $1", data.user.id)

    @app.get("/users/me")
    async def me() -> Response:
        assert pool is not None
        async with pool.acquire() as conn:
            user = await current_user(conn)
        if user is None:
            return json_response({"reason": "unauthorized"}, 401)
        return json_response(
            {
                "id": user["id"],
                "maxId": user["max_id"],
                "maxChatId": user["dialog_chat_id"],
                "maxPhoto": user["photo_url"],
                "firstName": user["first_name"],
                "lastName": user["last_name"],
                "username": user["username"],
                "phone": user["phone"],
                "timeZone": user["time_zone"],
                "notifyMode": user["notify_mode"],
            }
        )

    @app.get("/events/groups/<int:group_id>")
    async def group_events(group_id: int) -> Response:
        assert pool is not None
        async with pool.acquire() as conn:
            user = await current_user(conn)
            if user is None:
                return json_response({"reason": "unauthorized"}, 401)
            role = await conn.fetchval(
                "SELECT role_id FROM memberships WHERE group_id = $1 AND user_id = $2 "
                "AND deleted_at IS NULL",
                group_id,
                user["id"],
            )
            if role is None:
                return json_response({"reason": "forbidden"}, 403)
            rows = await conn.fetch(
                "SELECT * FROM events WHERE group_id = $1 AND deleted_at IS NULL "
                "ORDER BY created_at DESC",
                group_id,
            )
        events = [
            {
                "id": row["id"],
                "title": row["title"],
                "description": row["description"],
                "groupId": row["group_id"],
                "creatorId": row["creator_id"],
                "startsAt": row["starts_at"].isoformat(),
                "timeZone": row["time_zone"],
                "repeat": row["repeat"],
                "interval": row["repeat_interval"],
                "duration": row["duration_min"],
                "notifies": list(row["reminder_offsets"]),
            }
            for row in rows
        ]
        return json_response({"events": events})

    async def main() -> None:
        nonlocal pool
        pool = await asyncpg.create_pool(database_url, min_size=1, max_size=POOL_SIZE)
        config = Config()
        config.bind = [f"127.0.0.1:{port}"]
        config.accesslog = None
        task = asyncio.ensure_future(serve(app, config))
        await asyncio.sleep(0.3)
        print("READY", flush=True)
        await task

    asyncio.run(main())


if __name__ == "__main__":
    kind, url, port_text = sys.argv[1:4]
    (run_ours if kind == "ours" else run_baseline)(url, int(port_text))
