"""The retry policy end to end: faults injected into the emulator, real HTTP."""

from __future__ import annotations

import logging

import pytest

from maxhack.max import (
    MaxAttachmentNotReady,
    MaxClient,
    MaxRateLimited,
    MaxServerError,
    MaxTransportError,
    MaxUnauthorized,
)
from maxhack.max import models as m
from maxhack.max.emulator import Emulator

from .conftest import MakeClient

TEXT = m.NewMessageBody(text="Напоминание")


async def test_get_retried_on_503_then_succeeds(client: MaxClient, emulator: Emulator) -> None:
    emulator.fail_next(2, status=503, path="/me")
    me = await client.get_me()
    assert me.user_id == emulator.config.bot_user_id
    assert [r.status for r in emulator.requests(path="/me")] == [503, 503, 200]


async def test_get_gives_up_after_max_attempts(client: MaxClient, emulator: Emulator) -> None:
    emulator.fail_next(None, status=502, path="/me")
    with pytest.raises(MaxServerError) as info:
        await client.get_me()
    assert info.value.status == 502
    assert len(emulator.requests(path="/me")) == client.config.max_attempts


@pytest.mark.parametrize("retry_after", [None, 0, "0.02"])
async def test_429_retried_with_and_without_retry_after(
    client: MaxClient, emulator: Emulator, retry_after: float | str | None
) -> None:
    emulator.rate_limit_next(2, retry_after=retry_after, path="/me")
    await client.get_me()
    assert [r.status for r in emulator.requests(path="/me")] == [429, 429, 200]


async def test_429_retry_after_is_exposed_when_retries_run_out(
    client: MaxClient, emulator: Emulator
) -> None:
    emulator.rate_limit_next(None, retry_after="0.01", path="/me")
    with pytest.raises(MaxRateLimited) as info:
        await client.get_me()
    assert info.value.retry_after == 0.01
    assert len(emulator.requests(path="/me")) == client.config.max_attempts


async def test_long_retry_after_is_raised_immediately(
    client: MaxClient, emulator: Emulator
) -> None:
    emulator.rate_limit_next(1, retry_after=120, path="/me")
    with pytest.raises(MaxRateLimited) as info:
        await client.get_me()
    assert info.value.retry_after == 120.0
    assert len(emulator.requests(path="/me")) == 1


async def test_send_not_retried_on_503(client: MaxClient, emulator: Emulator) -> None:
    emulator.user_starts_bot(42)
    emulator.fail_next(1, status=503, path="/messages", method="POST")
    with pytest.raises(MaxServerError):
        await client.send_message(TEXT, user_id=42)
    assert len(emulator.requests(method="POST", path="/messages")) == 1


async def test_send_not_retried_after_dropped_connection(
    client: MaxClient, emulator: Emulator
) -> None:
    emulator.user_starts_bot(42)
    emulator.drop_next(1, after_handling=True, path="/messages", method="POST")
    with pytest.raises(MaxTransportError) as info:
        await client.send_message(TEXT, user_id=42)
    assert info.value.maybe_delivered
    (request,) = emulator.requests(method="POST", path="/messages")
    assert (request.status, request.fault) == (None, "drop_after")
    # The message did reach MAX: exactly the duplicate a retry would have created is absent.
    assert [s.text for s in emulator.bot_messages_to(42)] == ["Напоминание"]


async def test_send_retried_on_429(client: MaxClient, emulator: Emulator) -> None:
    emulator.user_starts_bot(42)
    emulator.rate_limit_next(2, path="/messages", method="POST")
    await client.send_message(TEXT, user_id=42)
    assert [r.status for r in emulator.requests(method="POST", path="/messages")] == [429, 429, 200]
    assert len(emulator.bot_messages_to(42)) == 1


async def test_send_retried_on_attachment_not_ready(client: MaxClient, emulator: Emulator) -> None:
    emulator.user_starts_bot(42)
    emulator.fail_next(2, status=400, code="attachment.not.ready", path="/messages")
    await client.send_message(TEXT, user_id=42)
    assert [r.status for r in emulator.requests(path="/messages")] == [400, 400, 200]


async def test_send_gives_up_on_persistent_attachment_not_ready(
    client: MaxClient, emulator: Emulator
) -> None:
    emulator.user_starts_bot(42)
    emulator.fail_next(None, status=400, code="attachment.not.ready", path="/messages")
    with pytest.raises(MaxAttachmentNotReady):
        await client.send_message(TEXT, user_id=42)
    assert len(emulator.requests(path="/messages")) == client.config.attachment_max_attempts


async def test_send_retried_when_the_connection_was_never_made(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    # Port 9 on loopback refuses connections: nothing can have been delivered.
    caplog.set_level(logging.WARNING, logger="maxhack.max.client")
    client = await make_client(base_url="http://127.0.0.1:9")
    with pytest.raises(MaxTransportError) as info:
        await client.send_message(TEXT, user_id=42)
    assert info.value.maybe_delivered is False
    retries = [r for r in caplog.records if getattr(r, "action", None) == "max_retry"]
    assert len(retries) == client.config.max_attempts - 1


async def test_idempotent_call_retried_after_dropped_connection(
    client: MaxClient, emulator: Emulator
) -> None:
    emulator.drop_next(1, path="/me")
    await client.get_me()
    assert [(r.status, r.fault) for r in emulator.requests(path="/me")] == [
        (None, "drop"),
        (200, None),
    ]


async def test_dropped_connections_exhaust_into_transport_error(
    client: MaxClient, emulator: Emulator
) -> None:
    emulator.drop_next(None, path="/me")
    with pytest.raises(MaxTransportError):
        await client.get_me()
    assert len(emulator.requests(path="/me")) == client.config.max_attempts


async def test_edit_and_answer_retried_on_5xx(client: MaxClient, emulator: Emulator) -> None:
    emulator.user_starts_bot(42)
    keyboard = m.Keyboard(buttons=[[m.CallbackButton(text="Ок", payload="ok")]])
    sent = await client.send_message(m.NewMessageBody.with_keyboard("Вопрос", keyboard), user_id=42)
    emulator.fail_next(1, status=500, path="/messages", method="PUT")
    await client.edit_message(sent.mid, m.NewMessageBody(text="Вопрос?"))
    press = emulator.user_presses_button(42, sent.mid, payload="ok")
    assert press is not None
    emulator.fail_next(1, status=503, path="/answers")
    await client.answer_callback(press["callback"]["callback_id"], notification="Готово")
    assert [r.status for r in emulator.requests(path="/answers")] == [503, 200]
    assert emulator.notifications_for(42) == ["Готово"]


async def test_401_is_never_retried_even_on_idempotent_calls(
    client: MaxClient, emulator: Emulator
) -> None:
    emulator.fail_next(1, status=401, code="verify.token", path="/me")
    with pytest.raises(MaxUnauthorized):
        await client.get_me()
    assert len(emulator.requests(path="/me")) == 1


async def test_latency_beyond_read_timeout_is_a_transport_error(
    make_client: MakeClient, emulator: Emulator
) -> None:
    client = await make_client(read_timeout_s=0.05, max_attempts=1)
    emulator.add_latency(0.5, count=1, path="/me")
    with pytest.raises(MaxTransportError) as info:
        await client.get_me()
    assert "ReadTimeout" in str(info.value)


async def test_injected_latency_delays_but_succeeds(client: MaxClient, emulator: Emulator) -> None:
    emulator.add_latency(0.05, count=1, path="/me")
    await client.get_me()
    (request,) = emulator.requests(path="/me")
    assert request.fault == "latency:0.05"
    assert request.duration_s >= 0.05
