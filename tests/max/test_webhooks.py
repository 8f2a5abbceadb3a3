"""Webhook delivery to a tiny real receiver server, with the secret header and retries."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

import pytest
import trio
from hypercorn.config import Config as HypercornConfig
from hypercorn.trio import serve
from quart import Quart, request
from quart.typing import ResponseReturnValue
from quart_trio import QuartTrio

from maxhack.max import MaxClient, MaxMethodNotAllowed
from maxhack.max import models as m
from maxhack.max.emulator import SECRET_HEADER, Emulator

from .conftest import MakeClient, StartEmulator

SECRET = "hook_secret-42"
DELIVERY_WAIT_S = 10


@dataclass
class Receiver:
    """Collects webhook POSTs; answers 500 to the first ``fail_first`` of them."""

    url: str = ""
    fail_first: int = 0
    calls: int = 0
    received: list[tuple[str | None, Any]] = field(default_factory=list)
    send: trio.MemorySendChannel[Any] | None = None
    inbox: trio.MemoryReceiveChannel[Any] | None = None

    async def next(self) -> Any:
        assert self.inbox is not None
        with trio.fail_after(DELIVERY_WAIT_S):
            return await self.inbox.receive()


async def _start_receiver(nursery: trio.Nursery, fail_first: int = 0) -> Receiver:
    receiver = Receiver(fail_first=fail_first)
    receiver.send, receiver.inbox = trio.open_memory_channel[Any](math.inf)
    app: Quart = QuartTrio("receiver")

    @app.post("/hook")
    async def hook() -> ResponseReturnValue:
        receiver.calls += 1
        if receiver.calls <= receiver.fail_first:
            return {"error": "not now"}, 500
        update = await request.get_json()
        receiver.received.append((request.headers.get(SECRET_HEADER), update))
        assert receiver.send is not None
        receiver.send.send_nowait(update)
        return {"ok": True}

    config = HypercornConfig()
    config.bind = ["127.0.0.1:0"]
    config.errorlog = logging.getLogger("tests.max.receiver")
    binds = await nursery.start(serve, app, config)
    receiver.url = f"{binds[0]}/hook"
    return receiver


async def _wait_until_committed(emulator: Emulator) -> None:
    with trio.fail_after(DELIVERY_WAIT_S):
        await emulator.wait_until_consumed()


@pytest.fixture
async def fast_webhook_emulator(start_emulator: StartEmulator) -> Emulator:
    return await start_emulator(webhook_retry_initial_s=0.01, webhook_retry_factor=2.0)


@pytest.fixture
async def webhook_client(make_client: MakeClient, fast_webhook_emulator: Emulator) -> MaxClient:
    return await make_client(base_url=fast_webhook_emulator.url)


async def test_each_update_is_posted_bare_with_the_secret(
    nursery: trio.Nursery, fast_webhook_emulator: Emulator, webhook_client: MaxClient
) -> None:
    emulator = fast_webhook_emulator
    receiver = await _start_receiver(nursery)
    await webhook_client.subscribe(receiver.url, secret=SECRET)
    emulator.user_starts_bot(42, payload="team")
    emulator.user_sends_text(42, "привет")
    first = m.parse_update(await receiver.next())
    second = m.parse_update(await receiver.next())
    assert isinstance(first, m.BotStartedUpdate) and first.payload == "team"
    assert isinstance(second, m.MessageCreatedUpdate) and second.message.text == "привет"
    assert [secret for secret, _ in receiver.received] == [SECRET, SECRET]
    assert all("updates" not in body for _, body in receiver.received)
    await _wait_until_committed(emulator)  # delivered updates count as committed
    assert emulator.world.updates.committed == 3


async def test_polling_refused_while_subscribed_and_back_after_unsubscribe(
    nursery: trio.Nursery, fast_webhook_emulator: Emulator, webhook_client: MaxClient
) -> None:
    receiver = await _start_receiver(nursery)
    await webhook_client.subscribe(receiver.url, secret=SECRET)
    with pytest.raises(MaxMethodNotAllowed):
        await webhook_client.get_updates(timeout=0)
    await webhook_client.unsubscribe(receiver.url)
    fast_webhook_emulator.user_starts_bot(1)
    updates, _ = await webhook_client.get_updates(timeout=0)
    assert [u.update_type for u in updates] == ["bot_started"]
    assert receiver.received == []


async def test_failed_deliveries_are_retried(
    nursery: trio.Nursery, fast_webhook_emulator: Emulator, webhook_client: MaxClient
) -> None:
    emulator = fast_webhook_emulator
    receiver = await _start_receiver(nursery, fail_first=2)
    await webhook_client.subscribe(receiver.url, secret=SECRET)
    emulator.user_starts_bot(7)
    update = await receiver.next()
    assert update["update_type"] == "bot_started"
    await _wait_until_committed(emulator)
    attempts = [(d.attempt, d.status) for d in emulator.webhook_deliveries]
    assert attempts == [(1, 500), (2, 500), (3, 200)]


async def test_update_types_filter_and_backlog_handover(
    nursery: trio.Nursery, fast_webhook_emulator: Emulator, webhook_client: MaxClient
) -> None:
    emulator = fast_webhook_emulator
    emulator.user_starts_bot(1)  # pending before the subscription: handed over
    receiver = await _start_receiver(nursery)
    await webhook_client.subscribe(receiver.url, ["bot_started", "message_callback"], SECRET)
    emulator.user_sends_text(1, "skipped by update_types")
    emulator.user_stops_bot(1)  # skipped too
    emulator.user_starts_bot(2)
    first = await receiver.next()
    second = await receiver.next()
    assert [first["user"]["user_id"], second["user"]["user_id"]] == [1, 2]
    await _wait_until_committed(emulator)
    assert {d.update_type for d in emulator.webhook_deliveries} == {"bot_started"}


async def test_unreachable_webhook_gives_up_after_max_attempts(
    start_emulator: StartEmulator, make_client: MakeClient
) -> None:
    emulator = await start_emulator(webhook_retry_initial_s=0.005, webhook_max_attempts=3)
    client = await make_client(base_url=emulator.url)
    await client.subscribe("http://127.0.0.1:9/hook")
    emulator.user_starts_bot(1)
    await _wait_until_committed(emulator)
    assert [(d.attempt, d.status) for d in emulator.webhook_deliveries] == [
        (1, None),
        (2, None),
        (3, None),
    ]
    assert all(d.error and "ConnectError" in d.error for d in emulator.webhook_deliveries)


async def test_subscription_validation(webhook_client: MaxClient) -> None:
    from maxhack.max import MaxBadRequest

    with pytest.raises(MaxBadRequest):
        await webhook_client.subscribe("ftp://example.org/hook")
    with pytest.raises(ValueError):
        await webhook_client.subscribe("https://example.org/hook", secret="no")  # too short


async def test_https_only_when_configured(
    start_emulator: StartEmulator, make_client: MakeClient
) -> None:
    from maxhack.max import MaxBadRequest

    emulator = await start_emulator(webhook_require_https=True)
    client = await make_client(base_url=emulator.url)
    with pytest.raises(MaxBadRequest):
        await client.subscribe("http://127.0.0.1:9/hook")
