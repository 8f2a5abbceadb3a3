"""HTTP routes of the fake Bot API (reference Appendix A) and of the upload URLs."""

from __future__ import annotations

import json
from typing import Any

from quart import Quart, request
from quart.typing import ResponseReturnValue

from .bot_ops import BotApi
from .errors import bad_request
from .middleware import UPLOAD_PREFIX
from .records import JsonDict

UPLOAD_PART_NAME = "data"


async def _json_body() -> Any:
    raw = await request.get_data()
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("Invalid JSON") from None


def _query() -> dict[str, str]:
    return {key: request.args.get(key, "") for key in request.args}


def register_bot_routes(app: Quart, api: BotApi) -> None:
    """Attach the Bot API routes of ``api`` to ``app``."""

    @app.get("/me")
    async def get_me() -> ResponseReturnValue:
        return api.get_me()

    @app.get("/updates")
    async def get_updates() -> ResponseReturnValue:
        return await api.get_updates(_query())

    @app.post("/messages")
    async def send_message() -> ResponseReturnValue:
        return api.send_message(_query(), await _json_body())

    @app.put("/messages")
    async def edit_message() -> ResponseReturnValue:
        return api.edit_message(_query(), await _json_body())

    @app.delete("/messages")
    async def delete_message() -> ResponseReturnValue:
        return api.delete_message(_query())

    @app.get("/messages/<mid>")
    async def get_message(mid: str) -> ResponseReturnValue:
        return api.get_message(mid)

    @app.post("/answers")
    async def answer() -> ResponseReturnValue:
        return api.answer(_query(), await _json_body())

    @app.post("/uploads")
    async def create_upload() -> ResponseReturnValue:
        return api.create_upload(_query())

    @app.post(f"{UPLOAD_PREFIX}<upload_id>")
    async def receive_upload(upload_id: str) -> ResponseReturnValue:
        files = await request.files
        part = files.get(UPLOAD_PART_NAME)
        if part is None or not part.filename:
            raise bad_request(f"multipart part '{UPLOAD_PART_NAME}' with a filename is required")
        answer: JsonDict = api.receive_upload(upload_id, part.filename, part.read())
        return answer

    @app.get("/subscriptions")
    async def get_subscriptions() -> ResponseReturnValue:
        return api.get_subscriptions()

    @app.post("/subscriptions")
    async def subscribe() -> ResponseReturnValue:
        return api.subscribe(await _json_body())

    @app.delete("/subscriptions")
    async def unsubscribe() -> ResponseReturnValue:
        return api.unsubscribe(_query())
