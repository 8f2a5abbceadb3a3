"""The dispatcher actor: per-chat ordered, cross-chat parallel handling of stored updates.

Items arrive over the inbox mailbox from the poller or the webhook route (only updates that
were new in the inbox table). On (re)start the dispatcher first picks up the rows still
'pending' in the table — updates recorded but not handled when the process died.

A fixed pool of worker tasks (no task per update) takes chats from a ready queue: a chat
is handed to one worker at a time, so one chat's updates run in order, while different
chats run in parallel up to `workers`. At most `max_buffered` updates are held in memory;
past that the intake stops reading the inbox, which back-pressures the poller.

A handler's exception is logged and counted and the row is marked 'failed'; the actor and
the other chats carry on. Settling a row goes through the db writer (batched).
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import trio

from maxhack.bot.inbox import MARK_DONE, MARK_FAILED, InboxItem, aio_load_pending
from maxhack.bot.router import Router
from maxhack.bridge import run_aio
from maxhack.db.writer import DbWriter
from maxhack.runtime.stop_signal import StopSignal
from supervisors import Mailbox

log = logging.getLogger(__name__)

RECOVERY_PAGE = 500
ERROR_TEXT_MAX = 500


@dataclass(frozen=True)
class DispatcherStats:
    handled: int
    failed: int
    buffered: int
    chats_waiting: int
    in_flight: int
    by_type: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "handled": self.handled,
            "failed": self.failed,
            "buffered": self.buffered,
            "chatsWaiting": self.chats_waiting,
            "inFlight": self.in_flight,
            "byType": dict(self.by_type),
        }


class Dispatcher:
    def __init__(
        self,
        router: Router,
        *,
        writer: DbWriter,
        pool_source: Callable[[], asyncpg.Pool],
        context: Any = None,
        workers: int = 8,
        inbox_size: int = 1000,
        max_buffered: int = 5000,
    ) -> None:
        self.router = router
        self.context = context
        self._writer = writer
        self._pool_source = pool_source
        self.workers = workers
        self.max_buffered = max_buffered
        self.inbox: Mailbox[InboxItem] = Mailbox("dispatcher", inbox_size)
        self.stop_signal = StopSignal()
        self._handled = 0
        self._failed = 0
        self._by_type: Counter[str] = Counter()
        self._in_flight = 0
        self._reset_run_state()

    def _reset_run_state(self) -> None:
        self._queues: dict[int, deque[InboxItem]] = {}
        self._busy: set[int] = set()
        self._ready: deque[int] = deque()
        self._ready_changed = trio.Condition()
        self._buffer_slots = trio.Semaphore(self.max_buffered)
        self._drained = trio.Event()
        # Ids enqueued during recovery; live items with these ids are duplicates.
        self._recovery_ids: set[int] | None = set()

    def stats(self) -> DispatcherStats:
        return DispatcherStats(
            handled=self._handled,
            failed=self._failed,
            buffered=self.max_buffered - self._buffer_slots.value,
            chats_waiting=len(self._ready),
            in_flight=self._in_flight,
            by_type=dict(self._by_type),
        )

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Workers, recovery of pending rows, then the live intake, until a soft stop.

        Soft stop: stop reading the inbox, let workers finish what is buffered, return.
        Cancellation drops the buffer: those rows stay 'pending' and are recovered later.
        """
        self.stop_signal.rearm()
        self._reset_run_state()
        async with trio.open_nursery() as workers:
            for _ in range(self.workers):
                workers.start_soon(self._worker)
            await self._recover()
            task_status.started()
            await self._intake_until_stopped()
            await self._drain()
            workers.cancel_scope.cancel()

    async def _recover(self) -> None:
        after_id = 0
        while True:
            page = await run_aio(_load_pending_page, self._pool_source(), after_id, RECOVERY_PAGE)
            if not page:
                break
            for item in page:
                assert self._recovery_ids is not None
                self._recovery_ids.add(item.id)
                await self._enqueue(item)
            after_id = page[-1].id
        if after_id:
            log.info(
                "recovered pending updates",
                extra={"action": "dispatcher_recovered", "up_to_id": after_id},
            )

    async def _intake_until_stopped(self) -> None:
        with trio.CancelScope() as intake:

            async def cancel_on_stop() -> None:
                await self.stop_signal.wait()
                intake.cancel()

            async with trio.open_nursery() as nursery:
                nursery.start_soon(cancel_on_stop)
                async for item in self.inbox:
                    if self._recovery_ids is not None and item.id in self._recovery_ids:
                        continue
                    await self._enqueue(item)

    async def _enqueue(self, item: InboxItem) -> None:
        await self._buffer_slots.acquire()
        queue = self._queues.setdefault(item.chat_key, deque())
        queue.append(item)
        if item.chat_key not in self._busy and len(queue) == 1:
            self._ready.append(item.chat_key)
            async with self._ready_changed:
                self._ready_changed.notify()

    async def _drain(self) -> None:
        while self._buffer_slots.value < self.max_buffered:
            self._drained = trio.Event()
            await self._drained.wait()

    async def _worker(self) -> None:
        while True:
            async with self._ready_changed:
                while not self._ready:
                    await self._ready_changed.wait()
                chat = self._ready.popleft()
            self._busy.add(chat)
            queue = self._queues[chat]
            item = queue.popleft()
            try:
                await self._handle(item)
            finally:
                self._busy.discard(chat)
                self._buffer_slots.release()
                if queue:
                    self._ready.append(chat)  # to the back: other chats get a turn
                    async with self._ready_changed:
                        self._ready_changed.notify()
                else:
                    del self._queues[chat]
                if self._buffer_slots.value == self.max_buffered:
                    self._drained.set()

    async def _handle(self, item: InboxItem) -> None:
        update_type = getattr(item.update, "update_type", "unknown")
        self._in_flight += 1
        try:
            for handler in self.router.handlers_for(item.update):
                await handler(item.update, self.context)
        except Exception as exc:
            self._failed += 1
            log.exception(
                "update handler failed",
                extra={"action": "handler_failed", "update_id": item.id, "type": update_type},
            )
            await self._writer.submit(MARK_FAILED, item.id, repr(exc)[:ERROR_TEXT_MAX])
        else:
            self._handled += 1
            self._by_type[update_type] += 1
            await self._writer.submit(MARK_DONE, item.id)
        finally:
            self._in_flight -= 1


async def _load_pending_page(pool: asyncpg.Pool, after_id: int, limit: int) -> list[InboxItem]:
    async with pool.acquire() as conn:
        return await aio_load_pending(conn, after_id, limit)
