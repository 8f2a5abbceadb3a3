"""Fixtures for the MAX layer: a real emulator on 127.0.0.1:0 and clients pointed at it.

Backoffs are tiny (milliseconds) so retry tests stay fast; the RNG is seeded.
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import trio

from maxhack.max import MaxClient, MaxClientConfig
from maxhack.max.emulator import Emulator, EmulatorConfig

TOKEN = "test-token-123"
EXAMPLES_PATH = Path(__file__).with_name("reference_examples.json")

FAST_CLIENT: dict[str, Any] = {
    "connect_timeout_s": 2.0,
    "read_timeout_s": 5.0,
    "poll_read_margin_s": 2.0,
    "max_attempts": 3,
    "backoff_initial_s": 0.01,
    "backoff_max_s": 0.05,
    "attachment_backoff_initial_s": 0.01,
    "attachment_max_attempts": 4,
}


def load_examples() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLES_PATH.read_text(encoding="utf-8"))
    return data


@pytest.fixture
def examples() -> dict[str, Any]:
    return load_examples()


StartEmulator = Callable[..., Awaitable[Emulator]]
MakeClient = Callable[..., Awaitable[MaxClient]]


@pytest.fixture
async def start_emulator(nursery: trio.Nursery) -> StartEmulator:
    """Start an emulator with ``EmulatorConfig`` overrides; stopped at teardown."""

    async def start(**overrides: Any) -> Emulator:
        config = EmulatorConfig(**{"token": TOKEN, **overrides})
        emulator = Emulator(config)
        await nursery.start(emulator.serve)
        return emulator

    return start


@pytest.fixture
async def emulator(start_emulator: StartEmulator) -> Emulator:
    return await start_emulator()


@pytest.fixture
async def make_client(emulator: Emulator) -> AsyncIterator[MakeClient]:
    """Clients on ``emulator`` (or ``base_url=`` another one) with ``MaxClientConfig``
    overrides; closed at teardown."""
    clients: list[MaxClient] = []

    async def make(**overrides: Any) -> MaxClient:
        assert emulator.url is not None
        base = MaxClientConfig(token=TOKEN, base_url=emulator.url, **FAST_CLIENT)
        client = MaxClient(replace(base, **overrides), rng=random.Random(7))
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
async def client(make_client: MakeClient) -> MaxClient:
    return await make_client()
