"""Every HTTP attempt, retries included, passes the client's attempt gate."""

from __future__ import annotations

import random

from maxhack.max import MaxClient, MaxClientConfig
from maxhack.max.emulator import Emulator
from tests.max.conftest import FAST_CLIENT, TOKEN


async def test_gate_sees_first_tries_and_retries(emulator: Emulator) -> None:
    passed: list[str] = []

    async def gate() -> None:
        passed.append("attempt")

    assert emulator.url is not None
    client = MaxClient(
        MaxClientConfig(token=TOKEN, base_url=emulator.url, **FAST_CLIENT),
        rng=random.Random(1),
        attempt_gate=gate,
    )
    try:
        await client.get_me()
        assert len(passed) == 1
        emulator.fail_next(2, status=503)
        await client.get_me()
        assert len(passed) == 1 + 3  # two 503s, then success
        assert len(emulator.requests(method="GET", path="/me")) == 4
    finally:
        await client.aclose()
