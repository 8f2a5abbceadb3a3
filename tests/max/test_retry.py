"""Retry decisions (pure logic) and the client's waits in virtual time (no sockets)."""

from __future__ import annotations

import random

import httpx
import pytest
import trio
import trio.testing

from maxhack.max import MaxClient, MaxClientConfig
from maxhack.max import errors as e
from maxhack.max import models as m
from maxhack.max.retry import RetryMode, RetryPolicy

POLICY = RetryPolicy(
    max_attempts=4,
    backoff_initial_s=1.0,
    backoff_max_s=5.0,
    attachment_backoff_initial_s=1.0,
    attachment_max_attempts=4,
)


def _status(status: int, code: str = "x", retry_after: str | None = None) -> e.MaxApiError:
    return e.api_error_from_response(
        status, b'{"code": "%s"}' % code.encode(), retry_after_header=retry_after
    )


def _transport(maybe_delivered: bool = True) -> e.MaxTransportError:
    return e.MaxTransportError("ReadError", maybe_delivered=maybe_delivered)


def test_full_jitter_within_the_doubling_ceiling() -> None:
    rng = random.Random(1)
    budget = POLICY.start(RetryMode.IDEMPOTENT, rng)
    delays = [budget.next_delay(_status(503)) for _ in range(3)]
    assert budget.next_delay(_status(503)) is None  # 4 attempts made
    ceilings = [1.0, 2.0, 4.0]
    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert delay is not None and 0.0 <= delay <= ceiling


def test_ceiling_is_capped_by_backoff_max() -> None:
    policy = RetryPolicy(max_attempts=10, backoff_initial_s=1.0, backoff_max_s=3.0)
    budget = policy.start(RetryMode.IDEMPOTENT, random.Random(2))
    delays = [budget.next_delay(_transport()) for _ in range(9)]
    assert all(d is not None and d <= 3.0 for d in delays)
    assert budget.next_delay(_transport()) is None


class _MaxRng(random.Random):
    def uniform(self, a: float, b: float) -> float:
        return b


def test_jitter_uses_the_injected_rng() -> None:
    budget = POLICY.start(RetryMode.IDEMPOTENT, _MaxRng())
    assert [budget.next_delay(_status(500)) for _ in range(3)] == [1.0, 2.0, 4.0]


def test_numeric_retry_after_is_honoured() -> None:
    budget = POLICY.start(RetryMode.SEND, random.Random(3))
    assert budget.next_delay(_status(429, retry_after="2")) == 2.0
    assert budget.next_delay(_status(429, retry_after="0.5")) == 0.5


def test_retry_after_beyond_backoff_max_raises_at_once() -> None:
    budget = POLICY.start(RetryMode.IDEMPOTENT, random.Random(3))
    assert budget.next_delay(_status(429, retry_after="60")) is None


@pytest.mark.parametrize("mode", list(RetryMode))
def test_never_retried(mode: RetryMode) -> None:
    for error in (
        _status(401, "verify.token"),
        _status(400),
        _status(403, "chat.denied"),
        _status(404),
        _status(405),
    ):
        assert POLICY.start(mode, random.Random(0)).next_delay(error) is None


def test_send_mode_retries_only_safe_errors() -> None:
    def first_delay(error: e.MaxError) -> float | None:
        return POLICY.start(RetryMode.SEND, random.Random(0)).next_delay(error)

    assert first_delay(_status(429)) is not None
    assert first_delay(_status(400, "attachment.not.ready")) is not None
    assert first_delay(_transport(maybe_delivered=False)) is not None
    assert first_delay(_status(503)) is None
    assert first_delay(_status(500)) is None
    assert first_delay(_transport(maybe_delivered=True)) is None


def test_idempotent_mode_retries_server_and_transport_errors() -> None:
    for error in (_status(500), _status(503), _transport(), _status(429)):
        assert POLICY.start(RetryMode.IDEMPOTENT, random.Random(0)).next_delay(error) is not None


def test_attachment_not_ready_schedule_doubles_without_jitter() -> None:
    budget = POLICY.start(RetryMode.SEND, random.Random(0))
    not_ready = _status(400, "attachment.not.ready")
    assert [budget.next_delay(not_ready) for _ in range(4)] == [1.0, 2.0, 4.0, None]


def test_attachment_schedule_has_its_own_counter() -> None:
    budget = POLICY.start(RetryMode.SEND, random.Random(0))
    for _ in range(3):
        assert budget.next_delay(_status(429)) is not None
    assert budget.next_delay(_status(429)) is None
    assert budget.next_delay(_status(400, "attachment.not.ready")) == 1.0


def test_policy_validation() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(backoff_initial_s=-1)


# --- the client's waits, in virtual time (MockTransport: no sockets involved) -------------


def _scripted(responses: list[httpx.Response]) -> httpx.MockTransport:
    remaining = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        return remaining.pop(0)

    return httpx.MockTransport(handler)


ME = {"user_id": 1, "first_name": "bot", "is_bot": True}
SENT = {
    "message": {
        "recipient": {"chat_id": 5, "chat_type": "dialog", "user_id": 4},
        "timestamp": 1,
        "body": {"mid": "mid.1", "seq": 1, "text": "t"},
    }
}


async def test_client_waits_exactly_retry_after(autojump_clock: trio.testing.MockClock) -> None:
    transport = _scripted(
        [
            httpx.Response(429, headers={"Retry-After": "7"}, json={"code": "x", "message": ""}),
            httpx.Response(429, headers={"Retry-After": "3"}, json={"code": "x", "message": ""}),
            httpx.Response(200, json=ME),
        ]
    )
    config = MaxClientConfig(token="t", backoff_max_s=30.0)
    start = trio.current_time()
    async with MaxClient(config, transport=transport) as client:
        await client.get_me()
    assert trio.current_time() - start == pytest.approx(10.0)


async def test_attachment_not_ready_waits_one_two_four_seconds(
    autojump_clock: trio.testing.MockClock,
) -> None:
    not_ready = {"code": "attachment.not.ready", "message": ""}
    failures = [httpx.Response(400, json=not_ready) for _ in range(3)]
    transport = _scripted([*failures, httpx.Response(200, json=SENT)])
    start = trio.current_time()
    async with MaxClient(MaxClientConfig(token="t"), transport=transport) as client:
        message = await client.send_message(m.NewMessageBody(text="t"), user_id=4)
    assert message.mid == "mid.1"
    assert trio.current_time() - start == pytest.approx(1.0 + 2.0 + 4.0)


async def test_backoff_waits_follow_the_injected_rng(
    autojump_clock: trio.testing.MockClock,
) -> None:
    transport = _scripted([*(httpx.Response(503) for _ in range(3)), httpx.Response(200, json=ME)])
    config = MaxClientConfig(token="t", max_attempts=4, backoff_initial_s=1.0)
    start = trio.current_time()
    async with MaxClient(config, transport=transport, rng=_MaxRng()) as client:
        await client.get_me()
    assert trio.current_time() - start == pytest.approx(1.0 + 2.0 + 4.0)
