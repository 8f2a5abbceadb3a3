"""The control API under ``/_emulator`` (no token): drive and inspect the emulator over
HTTP, for tests in another process, benchmarks and crash tests. Mirrors the Python handle.

    GET    /_emulator/state                        bot, url, users, subscription, pending count
    POST   /_emulator/users                        {user_id, first_name?, last_name?,
                                                    username?, locale?}
    POST   /_emulator/users/<id>/start             {payload?}
    POST   /_emulator/users/<id>/stop
    POST   /_emulator/users/<id>/text              {text, chat_id?}
    POST   /_emulator/users/<id>/contact           {phone?, name?, foreign?, owner_user_id?}
    POST   /_emulator/users/<id>/location          {latitude?, longitude?, chat_id?}
    POST   /_emulator/users/<id>/press             {mid, payload? | text?}
    PUT    /_emulator/users/<id>/denied            {denied: bool}
    POST   /_emulator/chats/<chat_id>/bot          {user_id, title?}    (bot added to a group)
    GET    /_emulator/users/<id>/messages          bot messages in the user's dialog
    GET    /_emulator/chats/<chat_id>/messages     ?include_deleted=1
    POST   /_emulator/updates                      any update object
    GET    /_emulator/answers
    POST   /_emulator/faults                       {kind: status|latency|drop, count?, status?, ...}
    DELETE /_emulator/faults
    PUT    /_emulator/rate-limit                   {per_s: number | null}
    GET    /_emulator/requests                     ?method=&path=
    DELETE /_emulator/requests
    GET    /_emulator/webhook-deliveries

User actions answer with the published update (``press`` may answer ``null``).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from quart import Quart, request
from quart.typing import ResponseReturnValue

from .errors import EmulatorUsageError
from .faults import FaultRule
from .middleware import CONTROL_PREFIX
from .records import JsonDict, StoredMessage

if TYPE_CHECKING:
    from .emulator import Emulator

P = CONTROL_PREFIX
FAULT_FIELDS = frozenset(
    {
        "kind",
        "count",
        "method",
        "path",
        "status",
        "code",
        "message",
        "retry_after",
        "latency_s",
        "after_handling",
    }
)


async def _body() -> JsonDict:
    data = await request.get_json(force=True, silent=True)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise EmulatorUsageError("body must be a JSON object")
    return data


def _need(body: JsonDict, key: str) -> Any:
    if key not in body:
        raise EmulatorUsageError(f"missing field {key!r}")
    return body[key]


def message_json(message: StoredMessage) -> JsonDict:
    data = dataclasses.asdict(message)
    data["keyboard"] = message.keyboard
    return data


def _as_json(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return value


def register_control_routes(app: Quart, emulator: Emulator) -> None:
    """Attach the control API to ``app``."""

    @app.get(f"{P}/state")
    async def state() -> ResponseReturnValue:
        subscription = emulator.subscription
        return {
            "url": emulator.url,
            "bot": emulator.world.bot_json(),
            "users": [
                {**dataclasses.asdict(user), "chat_id": user.chat_id}
                for user in emulator.world.users.values()
            ],
            "subscription": subscription.to_json() if subscription else None,
            "pending_updates": len(emulator.pending_updates()),
            "rate_limit_per_s": emulator.rate_limiter.per_s,
        }

    @app.post(f"{P}/users")
    async def add_user() -> ResponseReturnValue:
        body = await _body()
        user = emulator.add_user(
            int(_need(body, "user_id")),
            first_name=body.get("first_name"),
            last_name=body.get("last_name"),
            username=body.get("username"),
            locale=body.get("locale"),
        )
        return {**dataclasses.asdict(user), "chat_id": user.chat_id}

    @app.post(f"{P}/users/<int(signed=True):user_id>/start")
    async def start(user_id: int) -> ResponseReturnValue:
        body = await _body()
        return emulator.user_starts_bot(
            user_id, body.get("payload"), first_name=body.get("first_name")
        )

    @app.post(f"{P}/users/<int(signed=True):user_id>/stop")
    async def stop(user_id: int) -> ResponseReturnValue:
        return emulator.user_stops_bot(user_id)

    @app.post(f"{P}/users/<int(signed=True):user_id>/text")
    async def text(user_id: int) -> ResponseReturnValue:
        body = await _body()
        return emulator.user_sends_text(
            user_id, str(_need(body, "text")), chat_id=body.get("chat_id")
        )

    @app.post(f"{P}/users/<int(signed=True):user_id>/contact")
    async def contact(user_id: int) -> ResponseReturnValue:
        body = await _body()
        kwargs: dict[str, Any] = {
            key: body[key] for key in ("name", "owner_user_id", "foreign") if key in body
        }
        if "phone" in body:
            kwargs["phone"] = str(body["phone"])
        return emulator.user_sends_contact(user_id, **kwargs)

    @app.post(f"{P}/users/<int(signed=True):user_id>/location")
    async def location(user_id: int) -> ResponseReturnValue:
        body = await _body()
        kwargs = {key: float(body[key]) for key in ("latitude", "longitude") if key in body}
        return emulator.user_sends_location(user_id, chat_id=body.get("chat_id"), **kwargs)

    @app.post(f"{P}/users/<int(signed=True):user_id>/press")
    async def press(user_id: int) -> ResponseReturnValue:
        body = await _body()
        update = emulator.user_presses_button(
            user_id, str(_need(body, "mid")), payload=body.get("payload"), text=body.get("text")
        )
        return {"update": update}

    @app.put(f"{P}/users/<int(signed=True):user_id>/denied")
    async def denied(user_id: int) -> ResponseReturnValue:
        body = await _body()
        emulator.deny_user(user_id, bool(body.get("denied", True)))
        return {"success": True}

    @app.post(f"{P}/chats/<int(signed=True):chat_id>/bot")
    async def bot_added(chat_id: int) -> ResponseReturnValue:
        body = await _body()
        return emulator.user_adds_bot_to_chat(
            int(_need(body, "user_id")), chat_id, str(body.get("title", "Команда"))
        )

    @app.get(f"{P}/users/<int(signed=True):user_id>/messages")
    async def user_messages(user_id: int) -> ResponseReturnValue:
        include_deleted = request.args.get("include_deleted") in ("1", "true")
        messages = emulator.bot_messages_to(user_id, include_deleted=include_deleted)
        return {"messages": [message_json(m) for m in messages]}

    @app.get(f"{P}/chats/<int(signed=True):chat_id>/messages")
    async def chat_messages(chat_id: int) -> ResponseReturnValue:
        include_deleted = request.args.get("include_deleted") in ("1", "true")
        messages = emulator.messages_in_chat(chat_id, include_deleted=include_deleted)
        return {"messages": [message_json(m) for m in messages]}

    @app.post(f"{P}/updates")
    async def inject() -> ResponseReturnValue:
        return {"seq": emulator.inject_update(await _body())}

    @app.get(f"{P}/answers")
    async def answers() -> ResponseReturnValue:
        return {"answers": [_as_json(a) for a in emulator.answers]}

    @app.post(f"{P}/faults")
    async def add_fault() -> ResponseReturnValue:
        body = await _body()
        unknown = set(body) - FAULT_FIELDS
        if unknown:
            raise EmulatorUsageError(f"unknown fault fields: {sorted(unknown)}")
        if "retry_after" in body and body["retry_after"] is not None:
            body["retry_after"] = str(body["retry_after"])
        try:
            rule = FaultRule(**body)
        except TypeError as exc:
            raise EmulatorUsageError(str(exc)) from None
        if rule.kind not in ("status", "latency", "drop"):
            raise EmulatorUsageError(f"unknown fault kind {rule.kind!r}")
        emulator.faults.add(rule)
        return {"faults": [_as_json(r) for r in emulator.faults.rules]}

    @app.delete(f"{P}/faults")
    async def clear_faults() -> ResponseReturnValue:
        emulator.clear_faults()
        return {"success": True}

    @app.put(f"{P}/rate-limit")
    async def rate_limit() -> ResponseReturnValue:
        body = await _body()
        per_s = body.get("per_s")
        emulator.set_rate_limit(None if per_s is None else float(per_s))
        return {"per_s": emulator.rate_limiter.per_s}

    @app.get(f"{P}/requests")
    async def requests_log() -> ResponseReturnValue:
        records = emulator.requests(
            method=request.args.get("method") or None, path=request.args.get("path") or None
        )
        return {
            "requests": [{**dataclasses.asdict(r), "duration_s": r.duration_s} for r in records]
        }

    @app.delete(f"{P}/requests")
    async def clear_requests() -> ResponseReturnValue:
        emulator.clear_requests()
        return {"success": True}

    @app.get(f"{P}/webhook-deliveries")
    async def deliveries() -> ResponseReturnValue:
        return {"deliveries": [_as_json(d) for d in emulator.webhook_deliveries]}
