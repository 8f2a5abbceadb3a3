"""Poller → inbox table → dispatcher, against the emulator over HTTP and real PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import asyncpg
import trio

from maxhack.bot.dispatcher import Dispatcher
from maxhack.bot.inbox import aio_store_updates, bot_key, describe
from maxhack.bot.poller import Poller
from maxhack.bot.router import Router
from maxhack.bot.status import BotStatus
from maxhack.bridge import run_aio
from maxhack.db.writer import DbWriter
from maxhack.max import MaxClient
from maxhack.max.emulator import Emulator
from maxhack.max.models import MessageCreatedUpdate, Update, parse_update
from tests.max.conftest import TOKEN


class Recorder:
    """A router whose handlers record (chat, text) in handling order."""

    def __init__(self) -> None:
        self.router = Router()
        self.seen: list[tuple[int, str]] = []
        self.per_chat: dict[int, list[str]] = defaultdict(list)
        self.changed = trio.Condition()
        self.router.on("message_created")(self.handle)
        self.router.fallback(self.ignore)

    async def handle(self, update: Update, context: Any) -> None:
        assert isinstance(update, MessageCreatedUpdate)
        text = update.message.body.text or ""
        if text.startswith("slow"):
            await trio.sleep(0.3)
        if text == "boom":
            raise RuntimeError("handler exploded")
        chat = update.message.recipient.chat_id or 0
        self.seen.append((chat, text))
        self.per_chat[chat].append(text)
        async with self.changed:
            self.changed.notify_all()

    async def ignore(self, update: Update, context: Any) -> None:
        return None

    async def wait_for(self, count: int) -> None:
        with trio.fail_after(10):
            async with self.changed:
                while len(self.seen) < count:
                    await self.changed.wait()


def _parts(
    client: MaxClient, pool: asyncpg.Pool, writer: DbWriter, recorder: Recorder
) -> tuple[Poller, Dispatcher, BotStatus]:
    status = BotStatus(enabled=True)
    dispatcher = Dispatcher(recorder.router, writer=writer, pool_source=lambda: pool, workers=4)
    poller = Poller(
        client_source=lambda: client,
        pool_source=lambda: pool,
        dispatch_to=dispatcher.inbox,
        token=TOKEN,
        status=status,
        poll_timeout_s=1,
        leader_retry_s=0.1,
    )
    return poller, dispatcher, status


async def _rows(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    return list(
        await run_aio(
            pool.fetch,
            "SELECT dedup_key, status, handle_count, error FROM bot_updates ORDER BY id",
        )
    )


async def _wait_settled(pool: asyncpg.Pool, count: int) -> list[asyncpg.Record]:
    with trio.fail_after(10):
        while True:
            rows = await _rows(pool)
            if len(rows) >= count and all(r["status"] != "pending" for r in rows):
                return rows
            await trio.sleep(0.05)


async def test_updates_are_stored_then_handled_once(
    emulator: Emulator, client: MaxClient, pool: asyncpg.Pool, writer: DbWriter
) -> None:
    recorder = Recorder()
    poller, dispatcher, status = _parts(client, pool, writer, recorder)
    for user in (1, 2):
        emulator.user_starts_bot(user)
    for n in range(3):
        emulator.user_sends_text(1, f"a{n}")
        emulator.user_sends_text(2, f"b{n}")
    async with trio.open_nursery() as nursery:
        await nursery.start(dispatcher.run)
        await nursery.start(poller.run)
        await recorder.wait_for(6)
        rows = await _wait_settled(pool, 8)
        assert status.polling_leader
        poller.request_stop()
        dispatcher.stop_signal.request()
    assert recorder.per_chat[emulator.user(1).chat_id] == ["a0", "a1", "a2"]
    assert recorder.per_chat[emulator.user(2).chat_id] == ["b0", "b1", "b2"]
    assert [r["status"] for r in rows] == ["done"] * 8  # 2 bot_started + 6 texts
    assert all(r["handle_count"] == 1 for r in rows)
    marker = await run_aio(
        pool.fetchval, "SELECT marker FROM bot_poll_state WHERE bot_key = $1", bot_key(TOKEN)
    )
    assert marker is not None


async def test_redelivered_updates_are_dropped_by_dedup(
    emulator: Emulator, client: MaxClient, pool: asyncpg.Pool, writer: DbWriter
) -> None:
    emulator.user_starts_bot(5)
    emulator.user_sends_text(5, "hello")
    recorder = Recorder()
    # First process: stores the batch and its marker, then "dies" before MAX saw the commit.
    poller, dispatcher, _ = _parts(client, pool, writer, recorder)
    async with trio.open_nursery() as nursery:
        await nursery.start(dispatcher.run)
        await nursery.start(poller.run)
        await recorder.wait_for(1)
        await _wait_settled(pool, 2)
        nursery.cancel_scope.cancel()
    # The marker row is lost (as if the crash came before it was saved): MAX re-delivers.
    await run_aio(pool.execute, "DELETE FROM bot_poll_state")
    assert emulator.pending_updates()  # not committed at the emulator either
    poller, dispatcher, _ = _parts(client, pool, writer, recorder)
    async with trio.open_nursery() as nursery:
        await nursery.start(dispatcher.run)
        await nursery.start(poller.run)
        await emulator.wait_until_consumed()
        rows = await _wait_settled(pool, 2)
        nursery.cancel_scope.cancel()
    assert recorder.seen == [(emulator.user(5).chat_id, "hello")]
    assert len(rows) == 2
    assert poller.duplicates == 2


async def test_pending_rows_are_recovered_on_start(pool: asyncpg.Pool, writer: DbWriter) -> None:
    raw = {
        "update_type": "message_created",
        "timestamp": 1,
        "message": {
            "sender": {"user_id": 9, "first_name": "A", "is_bot": False},
            "recipient": {"chat_id": 90, "chat_type": "dialog", "user_id": 1},
            "timestamp": 1,
            "body": {"mid": "mid.recovered", "seq": 1, "text": "left over"},
        },
    }
    await run_aio(_store, pool, [describe(parse_update(raw))])
    recorder = Recorder()
    dispatcher = Dispatcher(recorder.router, writer=writer, pool_source=lambda: pool)
    async with trio.open_nursery() as nursery:
        await nursery.start(dispatcher.run)
        await recorder.wait_for(1)
        rows = await _wait_settled(pool, 1)
        dispatcher.stop_signal.request()
    assert recorder.seen == [(90, "left over")]
    assert rows[0]["status"] == "done"


async def _store(pool: asyncpg.Pool, updates: list[Any]) -> None:
    async with pool.acquire() as conn:
        await aio_store_updates(conn, updates, source="poll")


async def test_handler_error_is_isolated_and_chats_run_in_parallel(
    emulator: Emulator, client: MaxClient, pool: asyncpg.Pool, writer: DbWriter
) -> None:
    recorder = Recorder()
    poller, dispatcher, _ = _parts(client, pool, writer, recorder)
    for user in (11, 12):
        emulator.user_starts_bot(user)
    emulator.user_sends_text(11, "slow first")
    emulator.user_sends_text(11, "boom")
    emulator.user_sends_text(11, "after boom")
    emulator.user_sends_text(12, "quick")
    async with trio.open_nursery() as nursery:
        await nursery.start(dispatcher.run)
        await nursery.start(poller.run)
        await recorder.wait_for(3)
        rows = await _wait_settled(pool, 6)
        nursery.cancel_scope.cancel()
    chat11, chat12 = emulator.user(11).chat_id, emulator.user(12).chat_id
    # Chat 12 did not wait for chat 11's slow handler; chat 11 kept its order.
    assert recorder.seen.index((chat12, "quick")) < recorder.seen.index((chat11, "slow first"))
    assert recorder.per_chat[chat11] == ["slow first", "after boom"]
    failed = [r for r in rows if r["status"] == "failed"]
    assert len(failed) == 1
    assert "handler exploded" in failed[0]["error"]
    assert dispatcher.stats().failed == 1


async def test_only_one_poller_leads_and_the_other_takes_over(
    emulator: Emulator, client: MaxClient, pool: asyncpg.Pool, writer: DbWriter
) -> None:
    recorder = Recorder()
    first, dispatcher, first_status = _parts(client, pool, writer, recorder)
    second, _, second_status = _parts(client, pool, writer, recorder)
    second._dispatch_to = dispatcher.inbox
    emulator.user_starts_bot(21)
    async with trio.open_nursery() as nursery:
        await nursery.start(dispatcher.run)
        await nursery.start(first.run)
        await nursery.start(second.run)
        emulator.user_sends_text(21, "one")
        await recorder.wait_for(1)
        assert first_status.polling_leader and not second_status.polling_leader
        first.request_stop()
        with trio.fail_after(5):
            while not second_status.polling_leader:  # noqa: ASYNC110 - polling a flag
                await trio.sleep(0.05)
        emulator.user_sends_text(21, "two")
        await recorder.wait_for(2)
        nursery.cancel_scope.cancel()
    assert [text for _, text in recorder.seen] == ["one", "two"]
