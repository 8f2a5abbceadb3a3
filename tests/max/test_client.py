"""MaxClient against the emulator over real HTTP: auth, messages, answers, uploads."""

from __future__ import annotations

import json
import logging
import ssl

import certifi
import httpx
import pytest

from maxhack.max import (
    MaxAttachmentNotReady,
    MaxBadRequest,
    MaxChatDenied,
    MaxClient,
    MaxClientConfig,
    MaxNotFound,
    MaxUnauthorized,
    MaxUnexpectedResponse,
    make_ssl_context,
)
from maxhack.max import models as m
from maxhack.max.emulator import Emulator

from .conftest import TOKEN, MakeClient, StartEmulator

KEYBOARD = m.Keyboard(
    buttons=[
        [m.CallbackButton(text="Приду", payload="yes"), m.CallbackButton(text="Нет", payload="no")]
    ]
)


def _keyboard_body(text: str = "Встреча в 10:00") -> m.NewMessageBody:
    return m.NewMessageBody.with_keyboard(text, KEYBOARD)


async def test_get_me(client: MaxClient, emulator: Emulator) -> None:
    me = await client.get_me()
    assert me.user_id == emulator.config.bot_user_id
    assert me.username == emulator.config.bot_username
    assert me.is_bot


async def test_raw_token_header_and_nothing_in_the_query() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"user_id": 1, "first_name": "b", "is_bot": True})

    config = MaxClientConfig(token="raw-token", base_url="https://platform-api2.max.ru")
    async with MaxClient(config, transport=httpx.MockTransport(handler)) as client:
        await client.get_me()
    (request,) = seen
    assert request.headers["Authorization"] == "raw-token"
    assert "raw-token" not in str(request.url)
    assert str(request.url) == "https://platform-api2.max.ru/me"


async def test_wrong_and_bearer_tokens_are_unauthorized(
    make_client: MakeClient, emulator: Emulator
) -> None:
    wrong = await make_client(token="nope")
    with pytest.raises(MaxUnauthorized) as info:
        await wrong.get_me()
    assert info.value.code == "verify.token"
    assert len(emulator.requests(path="/me")) == 1  # 401 is never retried
    async with httpx.AsyncClient(base_url=emulator.url or "") as raw:
        bearer = await raw.get("/me", headers={"Authorization": f"Bearer {TOKEN}"})
        missing = await raw.get("/me")
        query = await raw.get("/me", params={"access_token": TOKEN})
    for response in (bearer, missing, query):
        assert response.status_code == 401
        assert response.json() == {"code": "verify.token", "message": "Invalid access_token"}


def test_config_validates_and_hides_the_token() -> None:
    config = MaxClientConfig(token="secret-token")
    assert "secret-token" not in repr(config)
    assert config.base_url == "https://platform-api2.max.ru"
    with pytest.raises(ValueError):
        MaxClientConfig(token="")
    with pytest.raises(ValueError):
        MaxClientConfig(token="abc\n")


def test_ssl_context_adds_the_extra_bundle() -> None:
    default_count = len(make_ssl_context(None).get_ca_certs())
    context = make_ssl_context(certifi.where())
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert len(context.get_ca_certs()) >= default_count > 0
    with pytest.raises(FileNotFoundError):
        make_ssl_context("/nonexistent/ca.pem")


async def test_send_by_user_id_and_chat_id(client: MaxClient, emulator: Emulator) -> None:
    emulator.user_starts_bot(42)
    by_user = await client.send_message(m.NewMessageBody(text="one"), user_id=42)
    chat_id = emulator.user(42).chat_id
    by_chat = await client.send_message(m.NewMessageBody(text="two"), chat_id=chat_id)
    for message in (by_user, by_chat):
        assert message.recipient == m.Recipient(chat_id=chat_id, chat_type="dialog", user_id=42)
        assert message.sender is not None and message.sender.is_bot
        assert message.mid.startswith("mid.") and len(message.mid) == 4 + 32
    assert by_chat.body.seq > by_user.body.seq
    assert [s.text for s in emulator.bot_messages_to(42)] == ["one", "two"]


async def test_send_requires_exactly_one_target(client: MaxClient) -> None:
    body = m.NewMessageBody(text="x")
    with pytest.raises(ValueError):
        await client.send_message(body)
    with pytest.raises(ValueError):
        await client.send_message(body, chat_id=1, user_id=2)


async def test_send_to_stopped_or_denied_user(client: MaxClient, emulator: Emulator) -> None:
    emulator.user_starts_bot(7)
    emulator.user_stops_bot(7)
    with pytest.raises(MaxChatDenied):
        await client.send_message(m.NewMessageBody(text="x"), user_id=7)
    emulator.user_starts_bot(7)
    await client.send_message(m.NewMessageBody(text="back"), user_id=7)
    emulator.deny_user(7)
    with pytest.raises(MaxChatDenied) as info:
        await client.send_message(m.NewMessageBody(text="x"), user_id=7)
    assert info.value.status == 403
    assert len(emulator.requests(method="POST", path="/messages")) == 3  # 403 not retried
    with pytest.raises(MaxChatDenied):
        await client.send_message(m.NewMessageBody(text="x"), user_id=999)


async def test_bot_cannot_message_a_user_first(client: MaxClient, emulator: Emulator) -> None:
    emulator.add_user(8, first_name="Пётр")
    with pytest.raises(MaxChatDenied):
        await client.send_message(m.NewMessageBody(text="x"), user_id=8)
    emulator.user_sends_text(8, "привет")  # writing to the bot opens the dialog
    reply = await client.send_message(m.NewMessageBody(text="здравствуйте"), user_id=8)
    assert reply.recipient.user_id == 8
    assert [x.text for x in emulator.messages_in_chat(emulator.user(8).chat_id)] == [
        "привет",
        "здравствуйте",
    ]


async def test_edit_keeps_attachments_on_null_and_drops_them_on_empty_list(
    client: MaxClient, emulator: Emulator
) -> None:
    emulator.user_starts_bot(42)
    sent = await client.send_message(_keyboard_body(), user_id=42)
    await client.edit_message(sent.mid, m.NewMessageBody(text="Перенесено на 11:00"))
    stored = emulator.message(sent.mid)
    assert stored.text == "Перенесено на 11:00"
    assert stored.keyboard is not None
    fetched = await client.get_message(sent.mid)
    assert fetched.body.keyboard == KEYBOARD
    await client.edit_message(sent.mid, m.NewMessageBody(attachments=[]))
    assert emulator.message(sent.mid).keyboard is None
    assert emulator.message(sent.mid).text == "Перенесено на 11:00"
    assert [v.text for v in stored.history] == ["Встреча в 10:00", "Перенесено на 11:00"]
    refetched = await client.get_message(sent.mid)
    assert refetched.body.attachments is None


async def test_delete_and_not_found(client: MaxClient, emulator: Emulator) -> None:
    emulator.user_starts_bot(42)
    sent = await client.send_message(m.NewMessageBody(text="x"), user_id=42)
    await client.delete_message(sent.mid)
    assert emulator.message(sent.mid).deleted
    assert emulator.bot_messages_to(42) == []
    with pytest.raises(MaxNotFound):
        await client.get_message(sent.mid)
    with pytest.raises(MaxNotFound):
        await client.delete_message(sent.mid)
    with pytest.raises(MaxNotFound):
        await client.edit_message("mid.unknown", m.NewMessageBody(text="y"))


async def test_answer_callback_edits_message_and_records_notification(
    client: MaxClient, emulator: Emulator
) -> None:
    emulator.user_starts_bot(42)
    sent = await client.send_message(_keyboard_body(), user_id=42)
    press = emulator.user_presses_button(42, sent.mid, payload="yes")
    assert press is not None
    callback_id = press["callback"]["callback_id"]
    await client.answer_callback(
        callback_id,
        message=m.NewMessageBody(text="Вы придёте", attachments=[]),
        notification="Ответ записан",
    )
    stored = emulator.message(sent.mid)
    assert (stored.text, stored.keyboard) == ("Вы придёте", None)
    assert emulator.notifications_for(42) == ["Ответ записан"]
    (answer,) = emulator.answers
    assert (answer.callback_id, answer.user_id, answer.mid) == (callback_id, 42, sent.mid)


async def test_answer_with_notification_only_keeps_message(
    client: MaxClient, emulator: Emulator
) -> None:
    emulator.user_starts_bot(42)
    sent = await client.send_message(_keyboard_body(), user_id=42)
    press = emulator.user_presses_button(42, sent.mid, text="Нет")
    assert press is not None and press["callback"]["payload"] == "no"
    await client.answer_callback(press["callback"]["callback_id"], notification="Ок")
    assert emulator.message(sent.mid).keyboard is not None
    assert emulator.message(sent.mid).history == []


async def test_answer_validation(client: MaxClient, emulator: Emulator) -> None:
    with pytest.raises(ValueError):
        await client.answer_callback("  ", notification="x")
    with pytest.raises(ValueError):
        await client.answer_callback("cb")
    with pytest.raises(MaxBadRequest):
        await client.answer_callback("unknown-callback", notification="x")
    async with httpx.AsyncClient(base_url=emulator.url or "") as raw:
        blank = await raw.post(
            "/answers",
            params={"callback_id": ""},
            json={"notification": "x"},
            headers={"Authorization": TOKEN},
        )
    assert blank.status_code == 400


async def test_upload_flow(client: MaxClient, emulator: Emulator) -> None:
    emulator.user_starts_bot(42)
    ics = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    token = await client.upload_file("reminder.ics", ics)
    body = m.NewMessageBody(text="Событие", attachments=[m.FileAttachmentRequest.from_token(token)])
    sent = await client.send_message(body, user_id=42)
    (attachment,) = sent.body.attachments or []
    assert isinstance(attachment, m.FileAttachment)
    assert (attachment.filename, attachment.size) == ("reminder.ics", len(ics))
    upload_requests = [r for r in emulator.requests() if r.path.startswith("/_upload/")]
    assert len(upload_requests) == 1 and upload_requests[0].status == 200
    (upload,) = [u for u in emulator.world.uploads.values() if u.token == token]
    assert upload.data == ics


async def test_upload_url_gets_no_authorization_header() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/uploads":
            return httpx.Response(200, json={"url": "https://fu.oneme.ru/upload?id=1"})
        return httpx.Response(200, json={"token": "tok"})

    config = MaxClientConfig(token="raw-token")
    async with MaxClient(config, transport=httpx.MockTransport(handler)) as client:
        assert await client.upload_file("a.ics", b"data") == "tok"
    endpoint, upload = seen
    assert endpoint.headers["Authorization"] == "raw-token"
    assert endpoint.url.params["type"] == "file"
    assert "Authorization" not in upload.headers
    assert upload.url.host == "fu.oneme.ru"
    assert b'name="data"; filename="a.ics"' in upload.content


async def test_forbidden_extension(start_emulator: StartEmulator, make_client: MakeClient) -> None:
    strict = await start_emulator(forbidden_extensions=frozenset({"ics", ".EXE"}))
    client = await make_client(base_url=strict.url)
    with pytest.raises(MaxBadRequest) as info:
        await client.upload_file("event.ICS", b"x")
    assert info.value.message == "File extension is forbidden"
    assert await client.upload_file("event.txt", b"x")


async def test_send_file_retries_attachment_not_ready(
    start_emulator: StartEmulator, make_client: MakeClient
) -> None:
    slow = await start_emulator(attachment_not_ready_first=True, attachment_not_ready_count=2)
    slow.user_starts_bot(42)
    client = await make_client(base_url=slow.url)
    sent = await client.send_file("a.ics", b"data", user_id=42, text="Календарь")
    assert sent.text == "Календарь"
    statuses = [r.status for r in slow.requests(method="POST", path="/messages")]
    assert statuses == [400, 400, 200]
    assert len(slow.bot_messages_to(42)) == 1


async def test_send_file_gives_up_after_the_attachment_budget(
    start_emulator: StartEmulator, make_client: MakeClient
) -> None:
    slow = await start_emulator(attachment_not_ready_first=True, attachment_not_ready_count=10)
    slow.user_starts_bot(42)
    client = await make_client(base_url=slow.url, attachment_max_attempts=3)
    with pytest.raises(MaxAttachmentNotReady):
        await client.send_file("a.ics", b"data", user_id=42)
    assert len(slow.requests(method="POST", path="/messages")) == 3
    assert slow.bot_messages_to(42) == []


async def test_file_and_keyboard_in_one_message_follow_the_configured_reading(
    start_emulator: StartEmulator, make_client: MakeClient
) -> None:
    for exclusive in (True, False):
        emulator = await start_emulator(exclusive_media_attachments=exclusive)
        emulator.user_starts_bot(42)
        client = await make_client(base_url=emulator.url)
        token = await client.upload_file("a.ics", b"x")
        body = m.NewMessageBody(
            text="t",
            attachments=[
                m.FileAttachmentRequest.from_token(token),
                m.InlineKeyboardAttachmentRequest.from_keyboard(KEYBOARD),
            ],
        )
        if exclusive:
            with pytest.raises(MaxBadRequest, match="only attachment"):
                await client.send_message(body, user_id=42)
        else:
            sent = await client.send_message(body, user_id=42)
            assert len(sent.body.attachments or []) == 2


async def test_unknown_upload_token_is_rejected(client: MaxClient, emulator: Emulator) -> None:
    emulator.user_starts_bot(42)
    body = m.NewMessageBody(attachments=[m.FileAttachmentRequest.from_token("forged")])
    with pytest.raises(MaxBadRequest) as info:
        await client.send_message(body, user_id=42)
    assert info.value.code == "attachment.invalid"


async def test_unexpected_success_body() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=b"not json"))
    async with MaxClient(MaxClientConfig(token="t"), transport=transport) as client:
        with pytest.raises(MaxUnexpectedResponse):
            await client.get_me()
    shape = httpx.MockTransport(lambda request: httpx.Response(200, json={"nope": 1}))
    async with MaxClient(MaxClientConfig(token="t"), transport=shape) as client:
        with pytest.raises(MaxUnexpectedResponse):
            await client.get_me()


async def test_success_false_raises_operation_failed() -> None:
    from maxhack.max import MaxOperationFailed

    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, json={"success": False, "message": "too old"})
    )
    async with MaxClient(MaxClientConfig(token="t"), transport=transport) as client:
        with pytest.raises(MaxOperationFailed, match="too old"):
            await client.delete_message("mid.1")


async def test_subscription_crud_and_link_preview_flag(
    client: MaxClient, emulator: Emulator
) -> None:
    assert await client.get_subscriptions() == []
    await client.subscribe("http://127.0.0.1:9/hook", ["message_created"], secret="s3cret_")
    (subscription,) = await client.get_subscriptions()
    assert subscription.url == "http://127.0.0.1:9/hook"
    assert subscription.update_types == ["message_created"]
    await client.unsubscribe("http://127.0.0.1:9/hook")
    assert await client.get_subscriptions() == []
    emulator.user_starts_bot(42)
    await client.send_message(
        m.NewMessageBody(text="https://max.ru"), user_id=42, disable_link_preview=True
    )
    (send,) = emulator.requests(method="POST", path="/messages")
    assert "disable_link_preview=true" in send.query


async def test_token_never_logged(
    make_client: MakeClient, emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = await make_client()
    emulator.fail_next(2, status=503, path="/me")
    await client.get_me()
    retries = [r for r in caplog.records if getattr(r, "action", None) == "max_retry"]
    assert len(retries) == 2
    assert all(r.__dict__["status"] == 503 for r in retries)
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
        assert TOKEN not in json.dumps(record.__dict__, default=str)
