"""The sender over real HTTP against the MAX emulator (real time, no virtual clock):
the rate measured by the server, interactive calls overtaking a burst of 1 000 bulk ones,
bulk order, chat.denied and 401, back-pressure, soft stop (a hard stop, which cuts requests
in flight, is covered on the virtual clock in test_sender_logic.py)."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any
from urllib.parse import parse_qs

import pytest
import trio
import trio.testing

from maxhack.max import MaxChatDenied, MaxClient, MaxUnauthorized
from maxhack.max.emulator import RequestRecord, dialog_chat_id
from maxhack.max.models import Message, NewMessageBody
from maxhack.sender import Lane, OutgoingCall, Sender, SendOutcome
from tests.sender.conftest import MakeSender, StartEmulator

POLL_S = 0.005  # how often a test looks at counters while waiting for a state
DUE = 1_800_000_000.0


def send_to(user_id: int, text: str) -> Callable[[MaxClient], Any]:
    body = NewMessageBody(text=text)

    async def action(client: MaxClient) -> Message:
        return await client.send_message(body, user_id=user_id)

    return action


def to_user(user_id: int, text: str, **fields: Any) -> OutgoingCall:
    """A send to ``user_id``'s dialog, limited per chat like the app does it."""
    fields.setdefault("chat_id", dialog_chat_id(user_id))
    return OutgoingCall(action=send_to(user_id, text), user_id=user_id, **fields)


def user_of(record: RequestRecord) -> int:
    return int(parse_qs(record.query)["user_id"][0])


def max_in_any_window(records: list[RequestRecord], window_s: float = 1.0) -> int:
    """The most requests that arrived within one half-open window of ``window_s``."""
    times = sorted(record.started_at for record in records)
    best, first = 0, 0
    for last, at in enumerate(times):
        while times[first] <= at - window_s:
            first += 1
        best = max(best, last - first + 1)
    return best


async def wait_until(condition: Callable[[], bool]) -> None:
    while not condition():  # noqa: ASYNC110 - the emulator and stats have no events
        await trio.sleep(POLL_S)


@asynccontextmanager
async def running(sender: Sender) -> AsyncIterator[None]:
    """Run the sender for the block, then soft-stop it: HTTP requests in flight finish
    (cancelling them would leave httpx request streams unfinished)."""
    async with trio.open_nursery() as nursery:
        await nursery.start(sender.run)
        yield
        sender.stop()


async def collect(receive: trio.MemoryReceiveChannel[SendOutcome], count: int) -> list[SendOutcome]:
    return [await receive.receive() for _ in range(count)]


async def test_never_exceeds_the_rate_in_any_second_even_while_the_client_retries(
    start_emulator: StartEmulator, make_sender: MakeSender
) -> None:
    rate = 40
    # The emulator enforces the same limit: one request too many would be answered 429.
    emulator = await start_emulator(rate_limit_per_s=rate)
    users = range(1, 41)
    for user_id in users:
        emulator.user_starts_bot(user_id)
    sender, _ = make_sender(emulator, rate_per_s=rate)
    # Fewer 429s than the client's attempts: a retrying call is first in line at the gate
    # and may meet them all, which must not exhaust its retries (that would pause 1 s).
    emulator.rate_limit_next(5, method="POST", path="/messages")
    emulator.fail_next(6, status=503, method="GET", path="/me")
    send, receive = trio.open_memory_channel[SendOutcome](200)
    for n in range(110):
        user_id = users[n % len(users)]
        await sender.submit(to_user(user_id, f"r{n}", lane=Lane.BULK, tag=n, reply=send))
    for n in range(20):
        await sender.submit(OutgoingCall(lambda c: c.get_me(), chat_id=None, tag=n, reply=send))
    async with running(sender):
        outcomes = await collect(receive, 130)

    assert all(outcome.ok for outcome in outcomes), [o.error for o in outcomes if not o.ok]
    records = emulator.requests()
    faults = [record.fault for record in records if record.fault]
    assert sorted(faults) == ["status:429"] * 5 + ["status:503"] * 6  # all retried
    assert len(records) == 130 + 11
    assert max_in_any_window(records) <= rate
    assert sender.stats().gate_granted_total == 130 + 11  # every attempt passed the gate


async def test_interactive_calls_overtake_a_queued_burst_of_1000_bulk_messages(
    start_emulator: StartEmulator, make_sender: MakeSender
) -> None:
    emulator = await start_emulator()  # its rate limit is off
    bulk_users = range(1, 11)
    reply_users = range(901, 906)
    for user_id in [*bulk_users, *reply_users]:
        emulator.user_starts_bot(user_id)
    bulk_workers = 16
    sender, _ = make_sender(
        emulator, rate_per_s=200, chat_rate_per_s=math.inf, bulk_workers=bulk_workers
    )
    for n in range(1000):
        user_id = bulk_users[n % len(bulk_users)]
        await sender.submit(to_user(user_id, f"reminder {n}", lane=Lane.BULK, due_at=DUE + n))
    assert sender.stats().bulk.queued == 1000

    def bulk_sent() -> int:
        return len(emulator.requests(method="POST", path="/messages"))

    async with running(sender):
        await wait_until(lambda: bulk_sent() >= 50)  # the burst is flowing
        sent_before = bulk_sent()
        async with trio.open_nursery() as nursery:
            for user_id in reply_users:
                reply = partial(sender.call, send_to(user_id, "ответ"), chat_id=None)
                nursery.start_soon(reply)
        bulk_left = sender.stats().bulk.queued

    log = emulator.requests(method="POST", path="/messages")
    positions = [n for n, record in enumerate(log) if user_of(record) in reply_users]
    assert len(positions) == len(reply_users)
    # Only bulk requests already past the gate (at most one per bulk worker) or granted
    # while the replies were being queued could arrive before them...
    assert max(positions) - sent_before < 2 * bulk_workers
    # ...while most of the burst was still waiting.
    assert bulk_left > 800
    for user_id in reply_users:
        assert emulator.last_bot_message_to(user_id).text == "ответ"


async def test_bulk_goes_earliest_due_first_and_fair_across_groups(
    start_emulator: StartEmulator, make_sender: MakeSender
) -> None:
    emulator = await start_emulator()
    for user_id in range(1, 20):
        emulator.user_starts_bot(user_id)
    sender, _ = make_sender(emulator, rate_per_s=500, bulk_workers=1)
    plan: list[tuple[str, float, str]] = [  # (tag, due, group) in submission order
        ("late", DUE + 60, "b"),
        *[(f"A{n}", DUE, "a") for n in range(4)],
        *[(f"B{n}", DUE + 0.5, "b") for n in range(2)],
        ("early", DUE - 60, "c"),
    ]
    user_of_tag = {tag: n + 1 for n, (tag, _, _) in enumerate(plan)}
    send, receive = trio.open_memory_channel[SendOutcome](len(plan))
    for tag, due_at, group in plan:
        call = to_user(
            user_of_tag[tag], tag, lane=Lane.BULK, due_at=due_at, fairness_key=group, reply=send
        )
        await sender.submit(call)
    async with running(sender):
        outcomes = await collect(receive, len(plan))
    tag_of_user = {user_id: tag for tag, user_id in user_of_tag.items()}
    order = [tag_of_user[user_of(r)] for r in emulator.requests(method="POST", path="/messages")]
    assert order == ["early", "A0", "B0", "A1", "B1", "A2", "A3", "late"]
    assert all(isinstance(outcome.result, Message) for outcome in outcomes)
    assert [outcome.due_at for outcome in outcomes][:2] == [DUE - 60, DUE]


async def test_chat_denied_is_reported_with_the_user_and_chat(
    start_emulator: StartEmulator, make_sender: MakeSender
) -> None:
    emulator = await start_emulator()
    emulator.user_starts_bot(5)
    emulator.deny_user(5)
    denied: list[tuple[int | None, int | None]] = []

    async def on_denied(user_id: int | None, chat_id: int | None) -> None:
        denied.append((user_id, chat_id))

    sender, _ = make_sender(emulator, on_chat_denied=on_denied)
    async with running(sender):
        with pytest.raises(MaxChatDenied):
            await sender.call(
                send_to(5, "напоминание"), chat_id=dialog_chat_id(5), user_id=5, lane=Lane.BULK
            )
    assert denied == [(5, dialog_chat_id(5))]
    assert (sender.stats().bulk.denied, sender.stats().bulk.failed) == (1, 1)
    assert emulator.bot_messages_to(5) == []


async def test_a_revoked_token_is_reported_through_on_unauthorized(
    start_emulator: StartEmulator, make_sender: MakeSender
) -> None:
    emulator = await start_emulator()
    emulator.user_starts_bot(5)
    unauthorized: list[BaseException] = []
    sender, _ = make_sender(emulator, token="revoked-token", on_unauthorized=unauthorized.append)
    async with running(sender):
        with pytest.raises(MaxUnauthorized) as raised:
            await sender.call(send_to(5, "привет"), chat_id=dialog_chat_id(5))
    assert unauthorized == [raised.value]
    assert len(emulator.requests(method="POST", path="/messages")) == 1  # 401 is not retried


async def test_submit_waits_while_the_lane_is_full(
    start_emulator: StartEmulator, make_sender: MakeSender
) -> None:
    emulator = await start_emulator()
    emulator.user_starts_bot(5)
    sender, _ = make_sender(emulator, bulk_capacity=3, chat_rate_per_s=math.inf)
    for n in range(3):
        await sender.submit(to_user(5, f"m{n}", lane=Lane.BULK))
    fourth_queued = trio.Event()

    async def submit_fourth() -> None:
        await sender.submit(to_user(5, "m3", lane=Lane.BULK))
        fourth_queued.set()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(submit_fourth)
        await trio.testing.wait_all_tasks_blocked()
        assert not fourth_queued.is_set()
        assert sender.stats().bulk.waiting_submitters == 1
        async with running(sender):
            await fourth_queued.wait()
            await wait_until(lambda: len(emulator.bot_messages_to(5)) == 4)
    assert sorted(m.text or "" for m in emulator.bot_messages_to(5)) == ["m0", "m1", "m2", "m3"]
    assert sender.stats().interactive.queued == sender.stats().bulk.queued == 0


async def test_soft_stop_drains_calls_in_flight_and_keeps_the_rest_queued(
    start_emulator: StartEmulator, make_sender: MakeSender
) -> None:
    emulator = await start_emulator()
    for user_id in range(1, 6):
        emulator.user_starts_bot(user_id)
    emulator.add_latency(0.3, method="POST", path="/messages")
    sender, _ = make_sender(emulator, interactive_workers=2)
    send, receive = trio.open_memory_channel[SendOutcome](10)
    for user_id in range(1, 6):
        await sender.submit(to_user(user_id, "ответ", tag=user_id, reply=send))
    async with trio.open_nursery() as nursery:
        await nursery.start(sender.run)
        await wait_until(lambda: _in_flight(sender) == 2)
        sender.stop()
    drained = [receive.receive_nowait() for _ in range(2)]
    assert all(outcome.ok for outcome in drained)
    assert sum(len(emulator.bot_messages_to(u)) for u in range(1, 6)) == 2
    assert sender.stats().interactive.queued == 3

    async with running(sender):  # the next run sends the rest
        rest = await collect(receive, 3)
    tags = sorted(int(str(outcome.tag)) for outcome in [*drained, *rest])
    assert tags == [1, 2, 3, 4, 5]
    assert all(outcome.ok for outcome in rest)


def _in_flight(sender: Sender) -> int:
    return sender.stats().interactive.in_flight
