"""The Sender actor on trio's virtual clock, with fake actions that pass the sender's gate
like the MAX client does: priorities at the gate, per-chat deferral, 429 handling, outcomes,
stopping and restarting."""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, cast

import pytest
import trio
import trio.testing
from hypothesis import given, settings
from hypothesis import strategies as st

from maxhack.max import MaxChatDenied, MaxClient, MaxRateLimited, MaxUnauthorized
from maxhack.sender import Lane, OutgoingCall, Sender, SenderStopped, SendOutcome

FAKE_CLIENT = cast(MaxClient, object())
Log = list[tuple[Any, float]]
DUE = 1_800_000_000.0


def make_sender(**overrides: Any) -> Sender:
    settings: dict[str, Any] = {"window_margin_s": 0.0, "chat_rate_per_s": math.inf}
    settings.update(overrides)
    return Sender(lambda: FAKE_CLIENT, **settings)


def fake_call(
    sender: Sender,
    log: Log,
    tag: object,
    *,
    latency_s: float = 0.0,
    errors: list[Exception] | None = None,
) -> Callable[[MaxClient], Awaitable[str]]:
    """An action that passes the gate (as every MAX client attempt does), logs the moment,
    then takes ``latency_s`` and raises the next of ``errors`` if any are left."""
    gate = sender.attempt_gate()

    async def action(client: MaxClient) -> str:
        assert client is FAKE_CLIENT
        await gate()
        log.append((tag, trio.current_time()))
        await trio.sleep(latency_s)
        if errors:
            raise errors.pop(0)
        return f"sent {tag}"

    return action


@asynccontextmanager
async def running(sender: Sender) -> AsyncIterator[trio.Nursery]:
    async with trio.open_nursery() as nursery:
        await nursery.start(sender.run)
        yield nursery
        nursery.cancel_scope.cancel()


def outcome_channel(size: int = 100) -> tuple[Any, trio.MemoryReceiveChannel[SendOutcome]]:
    return trio.open_memory_channel[SendOutcome](size)


async def test_interactive_call_takes_the_next_permit_ahead_of_waiting_bulk(
    autojump_clock: trio.testing.MockClock,
) -> None:
    sender = make_sender(rate_per_s=2, bulk_workers=4)
    log: Log = []
    start = trio.current_time()
    for n in range(20):
        await sender.submit(
            OutgoingCall(fake_call(sender, log, f"bulk-{n}"), chat_id=None, lane=Lane.BULK)
        )
    async with running(sender):
        await trio.sleep(0.5)  # bulk-0 and bulk-1 went at 0.0; four bulk workers now wait
        assert sender.stats().gate_waiting == 4
        result = await sender.call(fake_call(sender, log, "reply"), chat_id=None)
    assert result == "sent reply"
    at_one_second = [tag for tag, at in log if at - start == 1.0]
    assert at_one_second == ["reply", "bulk-2"]
    assert sorted(tag for tag, at in log if at - start == 0.0) == ["bulk-0", "bulk-1"]


async def test_attempts_from_outside_the_workers_rank_ahead_of_queued_calls(
    autojump_clock: trio.testing.MockClock,
) -> None:
    sender = make_sender(rate_per_s=1, bulk_workers=2)
    log: Log = []
    start = trio.current_time()
    for n in range(3):
        await sender.submit(OutgoingCall(fake_call(sender, log, n), chat_id=None, lane=Lane.BULK))
    async with running(sender):
        await trio.sleep(0.5)
        await sender.attempt_gate()()  # e.g. another actor sharing the gated client
        assert trio.current_time() - start == 1.0
        await trio.sleep(1.5)
    assert log == [(0, start), (1, start + 2.0)]


async def test_a_chat_at_its_limit_does_not_hold_up_other_chats(
    autojump_clock: trio.testing.MockClock,
) -> None:
    sender = make_sender(rate_per_s=math.inf, chat_rate_per_s=1, bulk_workers=1)
    log: Log = []
    start = trio.current_time()
    for chat_id in (1, 2):
        for n in range(3):
            action = fake_call(sender, log, (chat_id, n))
            await sender.submit(OutgoingCall(action, chat_id=chat_id, lane=Lane.BULK))
    async with running(sender):
        await trio.sleep(5)
    times = {tag: at - start for tag, at in log}
    assert times == {(1, 0): 0, (2, 0): 0, (1, 1): 1, (2, 1): 1, (1, 2): 2, (2, 2): 2}
    stats = sender.stats()
    assert stats.bulk.sent == 6
    assert stats.bulk.chat_deferred == 6  # 4 at t=0 (two per chat), 2 at t=1


async def test_a_request_counts_against_the_rate_from_when_it_completed(
    autojump_clock: trio.testing.MockClock,
) -> None:
    # MAX sees a request somewhere between the gate and the response; counting it at the
    # response keeps the limit true at MAX whatever the network delay.
    sender = make_sender(rate_per_s=1, interactive_workers=2)
    log: Log = []
    start = trio.current_time()
    async with running(sender) as nursery:
        slow = fake_call(sender, log, "slow", latency_s=2)
        nursery.start_soon(partial(sender.call, slow, chat_id=None))
        await trio.testing.wait_all_tasks_blocked()
        await sender.call(fake_call(sender, log, "next"), chat_id=None)
    assert [(tag, at - start) for tag, at in log] == [("slow", 0.0), ("next", 3.0)]


async def test_a_call_counts_against_its_chat_from_when_it_ended(
    autojump_clock: trio.testing.MockClock,
) -> None:
    sender = make_sender(chat_rate_per_s=1, bulk_workers=2)
    log: Log = []
    start = trio.current_time()
    for tag, latency_s in (("slow", 0.5), ("next", 0.0)):
        action = fake_call(sender, log, tag, latency_s=latency_s)
        await sender.submit(OutgoingCall(action, chat_id=5, lane=Lane.BULK, due_at=DUE))
    async with running(sender):
        await trio.sleep(3)
    assert [(tag, at - start) for tag, at in log] == [("slow", 0.0), ("next", 1.5)]


async def test_a_rate_limited_call_pauses_everyone_and_is_retried(
    autojump_clock: trio.testing.MockClock,
) -> None:
    sender = make_sender(rate_per_s=10)
    log: Log = []
    start = trio.current_time()
    errors: list[Exception] = [MaxRateLimited(429, None, "slow down", retry_after=3.0)]
    send, receive = outcome_channel()
    async with running(sender):
        await sender.submit(
            OutgoingCall(fake_call(sender, log, "a", errors=errors), chat_id=None, reply=send)
        )
        await trio.sleep(0.1)
        await sender.submit(OutgoingCall(fake_call(sender, log, "b"), chat_id=None, reply=send))
        outcomes = [await receive.receive(), await receive.receive()]
    assert [(o.tag, o.ok) for o in outcomes] == [(None, True), (None, True)]
    assert log == [("a", start), ("a", start + 3.0), ("b", start + 3.0)]
    assert sender.stats().interactive.requeued == 1


async def test_a_call_rate_limited_again_and_again_fails_in_the_end(
    autojump_clock: trio.testing.MockClock,
) -> None:
    sender = make_sender(rate_per_s=10)
    log: Log = []
    start = trio.current_time()
    errors: list[Exception] = [MaxRateLimited(429, None, "no") for _ in range(10)]
    async with running(sender):
        with pytest.raises(MaxRateLimited):
            await sender.call(fake_call(sender, log, "x", errors=errors), chat_id=None)
    assert [at - start for _, at in log] == [0.0, 1.0, 2.0, 3.0]  # 3 requeues, 1 s pauses
    stats = sender.stats().interactive
    assert (stats.requeued, stats.failed, stats.sent) == (3, 1, 0)


async def test_cancelling_run_answers_calls_in_flight_and_keeps_the_queue(
    autojump_clock: trio.testing.MockClock,
) -> None:
    sender = make_sender(interactive_workers=2)
    log: Log = []
    send, receive = outcome_channel()
    for n in range(5):
        action = fake_call(sender, log, n, latency_s=10)
        await sender.submit(OutgoingCall(action, chat_id=None, tag=n, reply=send))
    async with running(sender):
        await trio.sleep(1)
        assert sender.stats().interactive.in_flight == 2
    first = [receive.receive_nowait() for _ in range(2)]
    assert sorted(int(str(o.tag)) for o in first) == [0, 1]
    assert all(isinstance(o.error, SenderStopped) and not o.ok for o in first)
    stats = sender.stats().interactive
    assert (stats.queued, stats.in_flight, stats.sent) == (3, 0, 0)
    assert not sender.stats().running

    async with running(sender):  # the queue survived: a new run picks it up
        rest = [await receive.receive() for _ in range(3)]
    assert sorted(int(str(o.tag)) for o in rest) == [2, 3, 4]
    assert all(o.ok and o.result == f"sent {o.tag}" for o in rest)


async def test_soft_stop_finishes_calls_in_flight_and_takes_no_new_ones(
    autojump_clock: trio.testing.MockClock,
) -> None:
    sender = make_sender(interactive_workers=2)
    log: Log = []
    start = trio.current_time()
    send, receive = outcome_channel()
    for n in range(4):
        action = fake_call(sender, log, n, latency_s=2)
        await sender.submit(OutgoingCall(action, chat_id=None, tag=n, reply=send))
    async with trio.open_nursery() as nursery:
        await nursery.start(sender.run)
        await trio.sleep(0.5)
        sender.stop()
    assert trio.current_time() - start == 2.0  # run returned once the two in flight ended
    done = [receive.receive_nowait() for _ in range(2)]
    assert sorted((o.tag, o.ok) for o in done) == [(0, True), (1, True)]
    assert sender.stats().interactive.queued == 2
    with pytest.raises(trio.WouldBlock):
        receive.receive_nowait()


async def test_outcome_carries_tag_lane_due_and_wall_times(
    autojump_clock: trio.testing.MockClock,
) -> None:
    sender = make_sender()
    send, receive = outcome_channel()
    async with running(sender):
        await sender.submit(
            OutgoingCall(
                fake_call(sender, [], "x"),
                chat_id=3,
                lane=Lane.BULK,
                due_at=1_700_000_000.0,
                tag=("delivery", 42),
                reply=send,
            )
        )
        outcome = await receive.receive()
    assert outcome.tag == ("delivery", 42)
    assert (outcome.ok, outcome.result, outcome.error) == (True, "sent x", None)
    assert (outcome.lane, outcome.due_at) == (Lane.BULK, 1_700_000_000.0)
    assert 0 < outcome.started_at <= outcome.finished_at


async def test_a_bug_in_an_action_fails_only_that_call(
    autojump_clock: trio.testing.MockClock, caplog: pytest.LogCaptureFixture
) -> None:
    sender = make_sender()
    async with running(sender):
        with pytest.raises(ZeroDivisionError):
            await sender.call(fake_call(sender, [], "bad", errors=[ZeroDivisionError()]), chat_id=1)
        assert await sender.call(fake_call(sender, [], "good"), chat_id=1) == "sent good"
    stats = sender.stats().interactive
    assert (stats.sent, stats.failed) == (1, 1)
    assert any(r.__dict__.get("action") == "sender_action_error" for r in caplog.records)


async def test_chat_denied_and_unauthorized_reach_their_hooks(
    autojump_clock: trio.testing.MockClock,
) -> None:
    denied: list[tuple[int | None, int | None]] = []
    unauthorized: list[BaseException] = []

    async def on_denied(user_id: int | None, chat_id: int | None) -> None:
        denied.append((user_id, chat_id))
        raise RuntimeError("the hook itself fails: logged, the sender lives on")

    sender = make_sender(on_chat_denied=on_denied, on_unauthorized=unauthorized.append)
    denial = MaxChatDenied(403, "chat.denied", "blocked")
    revoked = MaxUnauthorized(401, "verify.token", "Invalid access_token")
    async with running(sender):
        with pytest.raises(MaxChatDenied):
            await sender.call(
                fake_call(sender, [], "d", errors=[denial]), chat_id=77, user_id=7, lane=Lane.BULK
            )
        with pytest.raises(MaxUnauthorized):
            await sender.call(fake_call(sender, [], "u", errors=[revoked]), chat_id=None)
        assert await sender.call(fake_call(sender, [], "ok"), chat_id=None) == "sent ok"
    assert denied == [(7, 77)]
    assert unauthorized == [revoked]
    stats = sender.stats()
    assert (stats.bulk.failed, stats.bulk.denied) == (1, 1)
    assert (stats.interactive.failed, stats.interactive.sent) == (1, 1)


async def test_a_call_withdrawn_before_it_started_is_never_made(
    autojump_clock: trio.testing.MockClock,
) -> None:
    sender = make_sender(interactive_workers=1)
    log: Log = []
    async with running(sender) as nursery:
        slow = fake_call(sender, log, "slow", latency_s=5)
        nursery.start_soon(partial(sender.call, slow, chat_id=None))
        await trio.testing.wait_all_tasks_blocked()
        with trio.move_on_after(1):
            await sender.call(fake_call(sender, log, "withdrawn"), chat_id=None)
        await trio.sleep(10)
    assert [tag for tag, _ in log] == ["slow"]


async def test_a_client_not_wired_to_the_gate_is_reported_once(
    autojump_clock: trio.testing.MockClock, caplog: pytest.LogCaptureFixture
) -> None:
    sender = make_sender(chat_rate_per_s=1)

    async def ungated(client: MaxClient) -> str:
        return "sent without the gate"

    async with running(sender):
        for _ in range(2):
            await sender.call(ungated, chat_id=4)
    warnings = [r for r in caplog.records if r.__dict__.get("action") == "sender_ungated_call"]
    assert len(warnings) == 1


async def test_stats_report_queues_rate_and_utilisation(
    autojump_clock: trio.testing.MockClock,
) -> None:
    sender = make_sender(rate_per_s=4, bulk_workers=1, bulk_capacity=50)
    for n in range(10):
        await sender.submit(
            OutgoingCall(fake_call(sender, [], n), chat_id=None, lane=Lane.BULK, fairness_key=n)
        )
    async with running(sender):
        await trio.sleep(0.5)
        stats = sender.stats()
    assert stats.running
    assert (stats.grants_last_s, stats.utilisation, stats.gate_granted_total) == (4, 1.0, 4)
    data = stats.to_dict()
    assert data["bulk"] == {
        "lane": "bulk",
        "capacity": 50,
        "queued": 5,
        "deferred": 0,
        "peak": 10,
        "waiting_submitters": 0,
        "submitted": 10,
        "in_flight": 1,
        "sent": 4,
        "failed": 0,
        "denied": 0,
        "requeued": 0,
        "chat_deferred": 0,
    }
    assert data["interactive"]["queued"] == 0
    assert data["rate_per_s"] == 4


async def test_run_refuses_to_run_twice(autojump_clock: trio.testing.MockClock) -> None:
    sender = make_sender()
    async with running(sender):
        with pytest.raises(RuntimeError):
            await sender.run()


def test_sender_needs_workers_in_each_lane() -> None:
    with pytest.raises(ValueError):
        make_sender(bulk_workers=0)


async def test_log_lines_carry_an_action(
    autojump_clock: trio.testing.MockClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="maxhack.sender")
    sender = make_sender()
    async with running(sender):
        pass
    actions = [r.__dict__.get("action") for r in caplog.records if r.name.startswith("maxhack")]
    assert "sender_started" in actions


call_strategy = st.tuples(
    st.integers(min_value=0, max_value=200).map(lambda centis: centis / 100),  # submitted at
    st.sampled_from([None, 1, 2, 3]),  # chat
    st.sampled_from(list(Lane)),
    st.sampled_from([0.0, 0.01, 0.3]),  # latency after passing the gate
)


@settings(max_examples=60, deadline=None)
@given(
    rate=st.integers(min_value=1, max_value=8),
    chat_rate=st.integers(min_value=1, max_value=3),
    workers=st.integers(min_value=1, max_value=5),
    calls=st.lists(call_strategy, min_size=1, max_size=40),
)
def test_property_global_and_per_chat_rates_hold_at_the_gate(
    rate: int, chat_rate: int, workers: int, calls: list[tuple[float, int | None, Lane, float]]
) -> None:
    """Random calls over random chats and lanes: every call is made once, never more than
    ``rate`` in any second, never more than ``chat_rate`` to one chat in any second."""
    log: Log = []

    async def main() -> None:
        sender = make_sender(
            rate_per_s=rate,
            chat_rate_per_s=chat_rate,
            interactive_workers=workers,
            bulk_workers=workers,
            burst=None,
        )
        send, receive = outcome_channel(len(calls))
        async with trio.open_nursery() as nursery:
            await nursery.start(sender.run)
            for n, (at, chat_id, lane, latency_s) in sorted(
                enumerate(calls), key=lambda c: c[1][0]
            ):
                await trio.sleep_until(at)
                action = fake_call(sender, log, (n, chat_id), latency_s=latency_s)
                await sender.submit(OutgoingCall(action, chat_id, lane=lane, reply=send))
            outcomes = [await receive.receive() for _ in calls]
            assert all(outcome.ok for outcome in outcomes)
            nursery.cancel_scope.cancel()

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))
    assert sorted(tag[0] for tag, _ in log) == list(range(len(calls)))

    def assert_window(times: list[float], limit: int) -> None:
        times = sorted(times)
        for earlier, later in zip(times, times[limit:], strict=False):
            assert later >= earlier + 1.0

    assert_window([at for _, at in log], rate)
    for chat_id in (1, 2, 3):
        assert_window([at for tag, at in log if tag[1] == chat_id], chat_rate)
