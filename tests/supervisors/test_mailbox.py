"""Mailboxes: bounded, timed sends, statistics, closing, and surviving restarts."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import trio
import trio.testing

from supervisors import ChildSpec, Mailbox, MailboxStats, Strategy, Supervisor
from supervisors.testing import (
    NO_BACKOFF,
    Recorder,
    crashing_child,
    running,
    steady_child,
    wait_for,
)


def stats(mailbox: Mailbox[Any], **expected: object) -> None:
    actual = mailbox.stats()
    assert {key: getattr(actual, key) for key in expected} == expected


async def test_fill_to_capacity(autojump_clock: trio.testing.MockClock) -> None:
    mailbox: Mailbox[int] = Mailbox("jobs", 3)
    for item in range(3):
        mailbox.send_nowait(item)
    assert mailbox.stats() == MailboxStats(
        name="jobs",
        capacity=3,
        used=3,
        peak=3,
        waiting_senders=0,
        waiting_receivers=0,
        sent_total=3,
        received_total=0,
        closed=False,
    )
    with pytest.raises(trio.WouldBlock):
        mailbox.send_nowait(3)
    with pytest.raises(trio.TooSlowError):
        await mailbox.send(3, timeout=2.5)
    assert trio.current_time() == 2.5  # exactly the timeout
    stats(mailbox, used=3, sent_total=3, waiting_senders=0)  # the timed-out item is not in
    assert [mailbox.receive_nowait() for _ in range(3)] == [0, 1, 2]
    stats(mailbox, used=0, peak=3, received_total=3)


async def test_blocked_senders_are_counted_and_resume_in_order(
    autojump_clock: trio.testing.MockClock,
) -> None:
    mailbox: Mailbox[str] = Mailbox("jobs", 1)
    await mailbox.send("first")
    async with trio.open_nursery() as nursery:
        nursery.start_soon(mailbox.send, "second")
        await trio.testing.wait_all_tasks_blocked()
        nursery.start_soon(mailbox.send, "third")
        await trio.testing.wait_all_tasks_blocked()
        stats(mailbox, used=1, peak=1, waiting_senders=2, sent_total=1)
        assert await mailbox.receive() == "first"
        assert await mailbox.receive() == "second"
        assert await mailbox.receive() == "third"
    stats(mailbox, used=0, peak=1, waiting_senders=0, sent_total=3, received_total=3)


async def test_waiting_receivers_are_counted(autojump_clock: trio.testing.MockClock) -> None:
    mailbox: Mailbox[int] = Mailbox("jobs", 2)
    got: list[int] = []

    async def take() -> None:
        got.append(await mailbox.receive())

    async with trio.open_nursery() as nursery:
        nursery.start_soon(take)
        await trio.testing.wait_all_tasks_blocked()
        stats(mailbox, waiting_receivers=1)
        await mailbox.send(7)
    assert got == [7]
    stats(mailbox, peak=0, waiting_receivers=0)  # handed over directly, never buffered


async def test_a_send_with_time_left_succeeds_when_room_appears(
    autojump_clock: trio.testing.MockClock,
) -> None:
    mailbox: Mailbox[int] = Mailbox("jobs", 1)
    mailbox.send_nowait(1)

    async def drain_later() -> None:
        await trio.sleep(3)
        assert mailbox.receive_nowait() == 1

    async with trio.open_nursery() as nursery:
        nursery.start_soon(drain_later)
        await mailbox.send(2, timeout=5)
        assert trio.current_time() == 3
    assert mailbox.receive_nowait() == 2


async def test_close_drains_then_ends(autojump_clock: trio.testing.MockClock) -> None:
    mailbox: Mailbox[int] = Mailbox("jobs", 5)
    for item in range(3):
        await mailbox.send(item)
    mailbox.close()
    mailbox.close()  # idempotent
    with pytest.raises(trio.ClosedResourceError):
        await mailbox.send(9)
    with pytest.raises(trio.ClosedResourceError):
        mailbox.send_nowait(9)
    assert [item async for item in mailbox] == [0, 1, 2]
    with pytest.raises(trio.EndOfChannel):
        await mailbox.receive()
    with pytest.raises(trio.EndOfChannel):
        mailbox.receive_nowait()
    stats(mailbox, closed=True, sent_total=3, received_total=3)


async def test_close_wakes_blocked_senders_and_receivers(
    autojump_clock: trio.testing.MockClock,
) -> None:
    full: Mailbox[int] = Mailbox("full", 1)
    full.send_nowait(0)
    empty: Mailbox[int] = Mailbox("empty", 1)
    outcomes: list[str] = []

    async def blocked_send() -> None:
        with pytest.raises(trio.ClosedResourceError):
            await full.send(1)
        outcomes.append("sender woke")

    async def blocked_receive() -> None:
        with pytest.raises(trio.EndOfChannel):
            await empty.receive()
        outcomes.append("receiver woke")

    async with trio.open_nursery() as nursery:
        nursery.start_soon(blocked_send)
        nursery.start_soon(blocked_receive)
        await trio.testing.wait_all_tasks_blocked()
        full.close()
        empty.close()
    assert sorted(outcomes) == ["receiver woke", "sender woke"]
    assert full.receive_nowait() == 0  # what was buffered is still delivered


async def test_reopen_keeps_buffered_items(autojump_clock: trio.testing.MockClock) -> None:
    mailbox: Mailbox[int] = Mailbox("jobs", 3)
    mailbox.send_nowait(1)
    mailbox.send_nowait(2)
    mailbox.close()
    mailbox.reopen()
    mailbox.reopen()  # no-op when open
    mailbox.send_nowait(3)
    assert [mailbox.receive_nowait() for _ in range(3)] == [1, 2, 3]
    stats(mailbox, closed=False, sent_total=3, received_total=3, peak=3)


async def test_rendezvous_mailbox(autojump_clock: trio.testing.MockClock) -> None:
    mailbox: Mailbox[str] = Mailbox("handoff", 0)
    with pytest.raises(trio.WouldBlock):
        mailbox.send_nowait("x")
    async with trio.open_nursery() as nursery:
        nursery.start_soon(mailbox.send, "x")
        assert await mailbox.receive() == "x"
    stats(mailbox, used=0, peak=0, sent_total=1, received_total=1)


async def test_cancelled_send_delivers_nothing(autojump_clock: trio.testing.MockClock) -> None:
    mailbox: Mailbox[int] = Mailbox("jobs", 1)
    mailbox.send_nowait(1)
    with trio.move_on_after(1):
        await mailbox.send(2)
    assert mailbox.receive_nowait() == 1
    with pytest.raises(trio.WouldBlock):
        mailbox.receive_nowait()
    stats(mailbox, sent_total=1)


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (("", 1), ValueError, "Mailbox.name"),
        (("jobs", -1), ValueError, "Mailbox.capacity"),
        (("jobs", 1.5), TypeError, "Mailbox.capacity"),
        (("jobs", float("inf")), TypeError, "Mailbox.capacity"),
    ],
)
def test_nonsense_mailboxes_are_rejected(
    args: tuple[object, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        Mailbox(*args)  # type: ignore[arg-type]


async def test_negative_send_timeout_is_rejected(autojump_clock: trio.testing.MockClock) -> None:
    with pytest.raises(ValueError, match="timeout"):
        await Mailbox[int]("jobs", 1).send(1, timeout=-1)


def test_stats_serialise_to_json() -> None:
    mailbox: Mailbox[int] = Mailbox("jobs", 2)
    assert json.loads(json.dumps(mailbox.stats().to_dict()))["capacity"] == 2
    assert repr(mailbox) == "<Mailbox 'jobs' capacity=2 closed=False>"
    assert (mailbox.name, mailbox.capacity, mailbox.closed) == ("jobs", 2, False)


class Consumer:
    """Consumes its inbox; crashes on the item "boom"; ends when the inbox is closed."""

    def __init__(self, inbox: Mailbox[str]) -> None:
        self.inbox = inbox
        self.seen: list[str] = []
        self.incarnations = 0

    async def start(self, *, task_status: trio.TaskStatus[None]) -> None:
        self.incarnations += 1
        task_status.started()
        async for item in self.inbox:
            if item == "boom":
                raise RuntimeError("boom")
            self.seen.append(item)

    def spec(self) -> ChildSpec:
        return ChildSpec(
            "consumer",
            self.start,
            stop=self.inbox.close,
            mailboxes=(self.inbox,),
            backoff=NO_BACKOFF,
        )


async def test_mailbox_outlives_a_crash_of_its_consumer(
    autojump_clock: trio.testing.MockClock,
) -> None:
    inbox: Mailbox[str] = Mailbox("inbox", 10)
    consumer = Consumer(inbox)
    sup = Supervisor("top", [consumer.spec()])
    async with running(sup):
        for item in ["a", "boom", "b", "c"]:
            await inbox.send(item)
        await wait_for(lambda: consumer.seen == ["a", "b", "c"])
        assert consumer.incarnations == 2
        snapshot = sup.tree().children[0].mailboxes
        assert snapshot == (inbox.stats(),)
        assert snapshot[0].sent_total == 4 and snapshot[0].received_total == 4


async def test_soft_stop_by_closing_the_inbox_survives_a_group_restart(
    autojump_clock: trio.testing.MockClock, recorder: Recorder
) -> None:
    inbox: Mailbox[str] = Mailbox("inbox", 10)
    consumer = Consumer(inbox)
    sup = Supervisor(
        "top",
        [
            consumer.spec(),
            crashing_child(
                "sibling", after_steps=1, times=1, recorder=recorder, backoff=NO_BACKOFF
            ),
        ],
        strategy=Strategy.ONE_FOR_ALL,
    )
    async with running(sup):
        await wait_for(lambda: consumer.incarnations == 2 and sup.tree().all_running())
        # The group restart soft-stopped the consumer by closing its inbox; the supervisor
        # reopened it before starting the consumer again.
        assert not inbox.closed
        await inbox.send("after restart")
        await wait_for(lambda: consumer.seen == ["after restart"])
    assert inbox.closed  # the final shutdown closed it again


async def test_a_producer_feels_back_pressure_while_the_consumer_is_down(
    autojump_clock: trio.testing.MockClock,
) -> None:
    inbox: Mailbox[str] = Mailbox("inbox", 2)
    consumer = Consumer(inbox)
    sup = Supervisor("top", [steady_child("other"), consumer.spec()])
    async with running(sup):
        await sup.terminate_child("consumer")  # closes the inbox (soft stop)
        inbox.reopen()
        inbox.send_nowait("x")
        inbox.send_nowait("y")
        with pytest.raises(trio.TooSlowError):
            await inbox.send("z", timeout=1)
        await sup.start_child(consumer.spec())
        await wait_for(lambda: consumer.seen == ["x", "y"])
