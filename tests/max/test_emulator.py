"""The emulator as a product: validation, user actions, faults, rate limit, control API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import trio

from maxhack.max import MaxChatDenied, MaxClient, MaxRateLimited
from maxhack.max import models as m
from maxhack.max.emulator import (
    DIALOG_CHAT_ID_OFFSET,
    Emulator,
    EmulatorConfig,
    EmulatorUsageError,
    serve_emulator,
)
from maxhack.max.emulator.cli import config_from_args

from .conftest import TOKEN, MakeClient, StartEmulator

AUTH = {"Authorization": TOKEN}


async def _raw(emulator: Emulator, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async with httpx.AsyncClient(base_url=emulator.url or "") as raw:
        return await raw.request(method, path, **kwargs)


def _keyboard_json(rows: int, per_row: int, kind: str = "callback", text: str = "x") -> Any:
    button: dict[str, Any] = {"type": kind, "text": text}
    if kind == "callback":
        button["payload"] = "p"
    if kind == "link":
        button["url"] = "https://max.ru"
    return {"type": "inline_keyboard", "payload": {"buttons": [[button] * per_row] * rows}}


@pytest.mark.parametrize(
    ("params", "body", "fragment"),
    [
        ({"user_id": 42}, {"text": "x" * 4001}, "4000"),
        ({}, {"text": "x"}, "exactly one"),
        ({"user_id": 42, "chat_id": 1}, {"text": "x"}, "exactly one"),
        ({"user_id": 42}, {}, "text or attachments"),
        ({"user_id": 42}, {"text": "k", "attachments": [_keyboard_json(1, 8)]}, "more than 7"),
        ({"user_id": 42}, {"text": "k", "attachments": [_keyboard_json(31, 1)]}, "30 rows"),
        ({"user_id": 42}, {"text": "k", "attachments": [_keyboard_json(1, 4, "link")]}, "3"),
        (
            {"user_id": 42},
            {"text": "k", "attachments": [_keyboard_json(1, 1, text="y" * 129)]},
            "128",
        ),
        ({"user_id": "abc"}, {"text": "x"}, "integer"),
    ],
)
async def test_send_validation_errors(
    emulator: Emulator, params: dict[str, Any], body: Any, fragment: str
) -> None:
    emulator.user_starts_bot(42)
    response = await _raw(emulator, "POST", "/messages", params=params, json=body, headers=AUTH)
    assert response.status_code == 400
    error = response.json()
    assert set(error) == {"code", "message"}
    assert error["code"] == "proto.payload"
    assert fragment in error["message"]
    assert emulator.bot_messages_to(42) == []


async def test_bad_json_is_400(emulator: Emulator) -> None:
    emulator.user_starts_bot(42)
    response = await _raw(
        emulator, "POST", "/messages", params={"user_id": 42}, content=b"{not json", headers=AUTH
    )
    assert response.status_code == 400
    assert response.json() == {"code": "proto.payload", "message": "Invalid JSON"}


async def test_unknown_paths_and_methods_answer_json(emulator: Emulator) -> None:
    missing = await _raw(emulator, "GET", "/chats", headers=AUTH)
    assert missing.status_code == 404 and missing.json()["code"] == "not.found"
    wrong = await _raw(emulator, "PATCH", "/updates", headers=AUTH)
    assert wrong.status_code == 405 and wrong.json()["code"] == "method.not.allowed"


async def test_unknown_query_params_are_ignored(emulator: Emulator) -> None:
    response = await _raw(emulator, "GET", "/me", params={"v": "0.0.33"}, headers=AUTH)
    assert response.status_code == 200


async def test_user_contact_own_and_foreign(client: MaxClient, emulator: Emulator) -> None:
    emulator.add_user(2, first_name="Анна")
    emulator.user_starts_bot(1, first_name="Иван")
    emulator.user_sends_contact(1, "79991112233")
    emulator.user_sends_contact(1, "79994445566", foreign=True, owner_user_id=2)
    emulator.user_sends_contact(1, "79997778899", name="Без MAX", foreign=True)
    updates, _ = await client.get_updates(timeout=0, types=["message_created"])
    contacts = []
    for update in updates:
        assert isinstance(update, m.MessageCreatedUpdate)
        (attachment,) = update.message.body.attachments or []
        assert isinstance(attachment, m.ContactAttachment)
        contacts.append(attachment.payload)
    own, foreign, unknown = contacts
    assert own.vcf_phone == "79991112233" and own.vcf_name == "Иван"
    assert own.max_info is not None and own.max_info.user_id == 1
    assert own.hash == Emulator.contact_hash(1, "79991112233")
    assert foreign.max_info is not None and foreign.max_info.user_id == 2
    assert (unknown.max_info, unknown.hash, unknown.vcf_name) == (None, None, "Без MAX")


async def test_user_location_and_locale(client: MaxClient, emulator: Emulator) -> None:
    emulator.add_user(3, locale="en")
    emulator.user_sends_location(3, 59.93, 30.31)
    (update,), _ = await client.get_updates(timeout=0)
    assert isinstance(update, m.MessageCreatedUpdate)
    assert update.user_locale == "en"
    (location,) = update.message.body.attachments or []
    assert isinstance(location, m.LocationAttachment)
    assert (location.latitude, location.longitude) == (59.93, 30.31)
    assert update.message.recipient.user_id == emulator.config.bot_user_id
    assert update.message.chat_id == 3 + DIALOG_CHAT_ID_OFFSET


async def test_pressing_each_kind_of_button(client: MaxClient, emulator: Emulator) -> None:
    emulator.user_starts_bot(5)
    keyboard = m.Keyboard(
        buttons=[
            [m.CallbackButton(text="Отложить", payload="snooze")],
            [m.MessageButton(text="Помощь")],
            [m.RequestContactButton(text="Телефон"), m.RequestGeoLocationButton(text="Гео")],
            [m.LinkButton(text="Сайт", url="https://max.ru")],
        ]
    )
    sent = await client.send_message(m.NewMessageBody.with_keyboard("Меню", keyboard), user_id=5)
    _, marker = await client.get_updates(timeout=0)
    first = emulator.user_presses_button(5, sent.mid, payload="snooze")
    second = emulator.user_presses_button(5, sent.mid, payload="snooze")
    assert first is not None and second is not None
    assert first["callback"]["callback_id"] != second["callback"]["callback_id"]
    emulator.user_presses_button(5, sent.mid, text="Помощь")
    emulator.user_presses_button(5, sent.mid, text="Телефон")
    emulator.user_presses_button(5, sent.mid, text="Гео")
    assert emulator.user_presses_button(5, sent.mid, text="Сайт") is None
    updates, _ = await client.get_updates(marker, timeout=0)
    kinds = [
        u.update_type
        if not isinstance(u, m.MessageCreatedUpdate)
        else (u.message.text or type((u.message.body.attachments or [])[0]).__name__)
        for u in updates
    ]
    assert kinds == [
        "message_callback",
        "message_callback",
        "Помощь",
        "ContactAttachment",
        "LocationAttachment",
    ]
    callback = updates[0]
    assert isinstance(callback, m.MessageCallbackUpdate)
    assert callback.message is not None and callback.message.mid == sent.mid
    assert callback.callback.user.user_id == 5


def test_pressing_invalid_buttons_is_a_usage_error() -> None:
    emulator = Emulator()
    emulator.user_starts_bot(1)
    emulator.user_starts_bot(2)
    message = emulator.world.new_message(
        chat_id=emulator.user(1).chat_id,
        chat_type="dialog",
        dialog_user_id=1,
        sender_id=emulator.config.bot_user_id,
        text="t",
        attachments=[_keyboard_json(1, 1)],
    )
    with pytest.raises(EmulatorUsageError, match="no button"):
        emulator.user_presses_button(1, message.mid, payload="other")
    with pytest.raises(EmulatorUsageError, match="not visible"):
        emulator.user_presses_button(2, message.mid, payload="p")
    with pytest.raises(EmulatorUsageError):
        emulator.user_presses_button(1, "mid.nope", payload="p")
    with pytest.raises(EmulatorUsageError):
        emulator.user_sends_text(404, "unknown user")
    assert emulator.user_presses_button(1, message.mid, payload="p") is not None


async def test_group_chat(client: MaxClient, emulator: Emulator) -> None:
    emulator.add_user(1)
    emulator.user_adds_bot_to_chat(1, -70000000000005, "Команда")
    sent = await client.send_message(m.NewMessageBody(text="всем"), chat_id=-70000000000005)
    assert sent.recipient == m.Recipient(chat_id=-70000000000005, chat_type="chat")
    emulator.user_sends_text(1, "ок", chat_id=-70000000000005)
    texts = [x.text for x in emulator.messages_in_chat(-70000000000005)]
    assert texts == ["всем", "ок"]
    emulator.user_removes_bot_from_chat(1, -70000000000005)
    with pytest.raises(MaxChatDenied):
        await client.send_message(m.NewMessageBody(text="x"), chat_id=-70000000000005)
    updates, _ = await client.get_updates(timeout=0)
    assert [u.update_type for u in updates] == ["bot_added", "message_created", "bot_removed"]
    assert isinstance(updates[1], m.MessageCreatedUpdate) and updates[1].user_locale is None


async def test_rate_limit_rejects_excess_requests(
    start_emulator: StartEmulator, make_client: MakeClient
) -> None:
    emulator = await start_emulator(rate_limit_per_s=3)
    client = await make_client(base_url=emulator.url, max_attempts=1)
    for _ in range(3):
        await client.get_me()
    with pytest.raises(MaxRateLimited):
        await client.get_me()
    statuses = [r.status for r in emulator.requests(path="/me")]
    assert statuses == [200, 200, 200, 429]
    assert emulator.requests(path="/me")[-1].fault == "rate_limit"
    emulator.set_rate_limit(None)
    await client.get_me()


async def test_rate_limited_client_recovers_by_retrying(
    start_emulator: StartEmulator, make_client: MakeClient
) -> None:
    emulator = await start_emulator(rate_limit_per_s=2)
    client = await make_client(
        base_url=emulator.url, max_attempts=10, backoff_initial_s=0.2, backoff_max_s=0.6
    )
    for _ in range(4):
        await client.get_me()
    statuses = [r.status for r in emulator.requests(path="/me")]
    assert statuses.count(200) == 4
    assert 429 in statuses


async def test_request_log_has_monotonic_timestamps(client: MaxClient, emulator: Emulator) -> None:
    await client.get_me()
    await client.get_updates(timeout=0, types=["bot_started"])
    me, updates = emulator.requests()
    assert (me.method, me.path, me.status) == ("GET", "/me", 200)
    assert updates.query.startswith("limit=100&timeout=0")
    assert me.started_at <= me.finished_at <= updates.started_at <= updates.finished_at
    emulator.clear_requests()
    assert emulator.requests() == []


async def test_control_api_drives_a_whole_scenario(client: MaxClient, emulator: Emulator) -> None:
    async with httpx.AsyncClient(base_url=f"{emulator.url}/_emulator") as control:
        user = (await control.post("/users", json={"user_id": 77, "first_name": "Оля"})).json()
        assert user["chat_id"] == 77 + DIALOG_CHAT_ID_OFFSET
        started = await control.post("/users/77/start", json={"payload": "invite-1"})
        assert started.json()["payload"] == "invite-1"
        (update,), marker = await client.get_updates(timeout=0)
        assert isinstance(update, m.BotStartedUpdate) and update.payload == "invite-1"

        keyboard = m.Keyboard(buttons=[[m.CallbackButton(text="Да", payload="yes")]])
        sent = await client.send_message(m.NewMessageBody.with_keyboard("?", keyboard), user_id=77)
        listed = (await control.get("/users/77/messages")).json()["messages"]
        assert [(x["mid"], x["text"]) for x in listed] == [(sent.mid, "?")]
        assert listed[0]["keyboard"][0][0]["payload"] == "yes"

        pressed = await control.post("/users/77/press", json={"mid": sent.mid, "payload": "yes"})
        callback_id = pressed.json()["update"]["callback"]["callback_id"]
        await client.answer_callback(callback_id, notification="Принято")
        answers = (await control.get("/answers")).json()["answers"]
        assert [(a["callback_id"], a["notification"]) for a in answers] == [
            (callback_id, "Принято")
        ]

        await control.post("/users/77/text", json={"text": "спасибо"})
        await control.post("/users/77/contact", json={"phone": "79990001122"})
        await control.post("/users/77/location", json={"latitude": 1, "longitude": 2})
        seq = await control.post(
            "/updates", json={"update_type": "dialog_muted", "chat_id": 1, "user": {"user_id": 77}}
        )
        assert seq.json()["seq"] == 6
        updates, _ = await client.get_updates(marker, timeout=0)
        assert [u.update_type for u in updates] == [
            "message_callback",
            "message_created",
            "message_created",
            "message_created",
            "dialog_muted",
        ]

        fault = await control.post(
            "/faults",
            json={"kind": "status", "status": 503, "count": 1, "path": "/me", "retry_after": 0},
        )
        assert fault.status_code == 200
        await client.get_me()
        assert [
            r["status"]
            for r in (await control.get("/requests", params={"path": "/me"})).json()["requests"]
        ] == [503, 200]
        await control.put("/users/77/denied", json={"denied": True})
        with pytest.raises(MaxChatDenied):
            await client.send_message(m.NewMessageBody(text="x"), user_id=77)
        await control.put("/rate-limit", json={"per_s": 100})
        state = (await control.get("/state")).json()
        assert state["rate_limit_per_s"] == 100
        assert state["users"][0]["denied"] is True
        assert (await control.delete("/requests")).status_code == 200
        assert (await control.get("/requests")).json()["requests"] == []
        assert (await control.delete("/faults")).status_code == 200
        bad = await control.post("/users/12345/press", json={"mid": sent.mid, "payload": "yes"})
        assert bad.status_code == 400 and bad.json()["code"] == "emulator.usage"
        bad_fault = await control.post("/faults", json={"kind": "explode"})
        assert bad_fault.status_code == 400


async def test_control_api_needs_no_token_and_bypasses_faults(emulator: Emulator) -> None:
    emulator.fail_next(None, status=503)
    emulator.set_rate_limit(1)
    async with httpx.AsyncClient(base_url=f"{emulator.url}/_emulator") as control:
        for _ in range(3):
            assert (await control.get("/state")).status_code == 200
    assert emulator.requests() == []


async def test_serve_emulator_entry_point_and_stop(nursery: trio.Nursery) -> None:
    url = await nursery.start(serve_emulator, EmulatorConfig(token="t2"))
    assert url.startswith("http://127.0.0.1:")
    async with httpx.AsyncClient() as raw:
        response = await raw.get(f"{url}/me", headers={"Authorization": "t2"})
    assert response.json()["is_bot"] is True

    emulator = Emulator(EmulatorConfig(token="t3"))
    async with trio.open_nursery() as inner:
        await inner.start(emulator.serve)
        assert emulator.url is not None
        emulator.stop()
    assert emulator.url is not None  # serve returned on its own after stop()


def test_cli_arguments() -> None:
    config = config_from_args(
        [
            "--host",
            "0.0.0.0",
            "--port",
            "9000",
            "--token",
            "abc",
            "--rate-limit",
            "30",
            "--forbid-extension",
            "exe",
            "--attachment-not-ready-first",
        ]
    )
    assert (config.host, config.port, config.token, config.rate_limit_per_s) == (
        "0.0.0.0",
        9000,
        "abc",
        30.0,
    )
    assert config.forbidden_extensions == frozenset({".exe"})
    assert config.attachment_not_ready_first
    assert config_from_args([]).rate_limit_per_s is None
