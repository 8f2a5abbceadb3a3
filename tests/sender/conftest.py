"""Fixtures for the sender over real HTTP: an emulator on 127.0.0.1:0 and senders whose
MAX client is wired to the sender's rate gate (as the app does)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import trio

from maxhack.max import MaxClient, MaxClientConfig
from maxhack.max.emulator import Emulator, EmulatorConfig
from maxhack.sender import Sender

TOKEN = "sender-test-token"

# Tiny backoffs keep retry scenarios fast; more attempts than the default make it unlikely
# that one call meets every injected 429 in a row.
FAST_CLIENT: dict[str, Any] = {
    "connect_timeout_s": 2.0,
    "read_timeout_s": 10.0,
    "max_attempts": 6,
    "backoff_initial_s": 0.01,
    "backoff_max_s": 0.05,
}

StartEmulator = Callable[..., Awaitable[Emulator]]
MakeSender = Callable[..., tuple[Sender, MaxClient]]


@pytest.fixture
async def start_emulator(nursery: trio.Nursery) -> StartEmulator:
    """Start an emulator with ``EmulatorConfig`` overrides; stopped at teardown."""

    async def start(**overrides: Any) -> Emulator:
        emulator = Emulator(EmulatorConfig(**{"token": TOKEN, **overrides}))
        await nursery.start(emulator.serve)
        return emulator

    return start


@pytest.fixture
async def make_sender() -> AsyncIterator[MakeSender]:
    """``make(emulator, token=..., **sender_kwargs)`` → a sender and its gated client
    (closed at teardown)."""
    clients: list[MaxClient] = []

    def make(emulator: Emulator, *, token: str = TOKEN, **kwargs: Any) -> tuple[Sender, MaxClient]:
        assert emulator.url is not None
        holder: list[MaxClient] = []
        sender = Sender(lambda: holder[0], **kwargs)
        client = MaxClient(
            MaxClientConfig(token=token, base_url=emulator.url, **FAST_CLIENT),
            rng=random.Random(11),
            attempt_gate=sender.attempt_gate(),
        )
        holder.append(client)
        clients.append(client)
        return sender, client

    yield make
    for client in clients:
        await client.aclose()
