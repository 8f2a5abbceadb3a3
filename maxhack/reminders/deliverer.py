"""The deliverer actor: holds fanned-out reminders until their release time, sends them
through the sender's bulk lane, and records each outcome.

Per delivery: released (see `release.py`) → if later than the grace, recorded 'missed' and
not sent → else handed to the sender, whose action first commits 'sending' (so a crash
can duplicate only the requests in flight) and then POSTs the message → 'sent' with the
MAX message id, or 'failed' with the reason (403 chat.denied also marks the user
unreachable, through the sender's hook). No task per reminder: one release loop, one
outcome loop; the queue is a list kept sorted by due time.
"""

from __future__ import annotations

import bisect
import logging
import time
from typing import Any

import trio

from maxhack.db.writer import DbWriter
from maxhack.max import MaxClient
from maxhack.max.models import NewMessageBody
from maxhack.reminders.release import release_times
from maxhack.reminders.stats import ReminderStats
from maxhack.reminders.store import MARK_FAILED, MARK_MISSED, MARK_SENDING, MARK_SENT, DeliveryJob
from maxhack.runtime.stop_signal import StopSignal
from maxhack.sender import Lane, OutgoingCall, Sender, SendOutcome
from supervisors import Mailbox

log = logging.getLogger(__name__)

OUTCOME_BUFFER = 10_000
ERROR_TEXT_MAX = 300


class Deliverer:
    def __init__(
        self,
        *,
        sender: Sender,
        writer: DbWriter,
        stats: ReminderStats,
        rate_per_s: float,
        spread_s: float,
        grace_s: float,
        inbox_size: int = 20_000,
    ) -> None:
        self._sender = sender
        self._writer = writer
        self._stats = stats
        self.rate_per_s = rate_per_s
        self.spread_s = spread_s
        self.grace_s = grace_s
        self.inbox: Mailbox[DeliveryJob] = Mailbox("deliverer", inbox_size)
        self.stop_signal = StopSignal()
        self._waiting: list[tuple[float, int, DeliveryJob]] = []  # (due, id, job), sorted
        self._changed = trio.Event()

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Soft stop: stop releasing; jobs still waiting stay 'pending' in the database and
        are recovered by the next run (this replica's `owner` claims them)."""
        self.stop_signal.rearm()
        self._waiting.clear()
        send_outcomes, receive_outcomes = trio.open_memory_channel[SendOutcome](OUTCOME_BUFFER)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._intake)
            nursery.start_soon(self._release_loop, send_outcomes)
            nursery.start_soon(self._record_outcomes, receive_outcomes)
            task_status.started()
            await self.stop_signal.wait()
            nursery.cancel_scope.cancel()

    async def _intake(self) -> None:
        async for job in self.inbox:
            bisect.insort(self._waiting, (job.due_at.timestamp(), job.id, job))
            self._stats.waiting_release = len(self._waiting)
            self._changed.set()

    async def _release_loop(self, outcomes: trio.MemorySendChannel[SendOutcome]) -> None:
        while True:
            self._changed = trio.Event()
            next_release = self._release_due(time.time(), outcomes)
            if next_release is None:
                await self._changed.wait()
                continue
            for job in next_release[1]:
                await self._hand_over(job, outcomes)
            if next_release[0] is not None:
                with trio.move_on_after(max(0.0, next_release[0] - time.time())):
                    await self._changed.wait()

    def _release_due(
        self, now: float, outcomes: trio.MemorySendChannel[SendOutcome]
    ) -> tuple[float | None, list[DeliveryJob]] | None:
        """(next release time, jobs to release now), or None when nothing waits."""
        if not self._waiting:
            return None
        sender = self._sender.stats().bulk
        queued = sender.queued + sender.in_flight
        times = release_times(
            [due for due, _, _ in self._waiting],
            [job.offset_min > 0 for _, _, job in self._waiting],
            rate_per_s=self.rate_per_s,
            spread_s=self.spread_s,
            queued_ahead=queued,
        )
        ready = [i for i, at in enumerate(times) if at <= now]
        jobs = [self._waiting[i][2] for i in ready]
        for index in reversed(ready):
            del self._waiting[index]
        self._stats.waiting_release = len(self._waiting)
        later = [at for at in times if at > now]
        return (min(later) if later else None), jobs

    async def _hand_over(
        self, job: DeliveryJob, outcomes: trio.MemorySendChannel[SendOutcome]
    ) -> None:
        if time.time() - job.due_at.timestamp() > self.grace_s:
            self._stats.missed += 1
            await self._writer.submit(MARK_MISSED, job.id, "late beyond the grace")
            return
        await self._sender.submit(
            OutgoingCall(
                action=self._action(job),
                chat_id=job.max_user_id,
                lane=Lane.BULK,
                due_at=job.due_at.timestamp(),
                fairness_key=job.group_id,
                tag=job,
                reply=outcomes,
                user_id=job.max_user_id,
            )
        )

    def _action(self, job: DeliveryJob) -> Any:
        async def send(client: MaxClient) -> Any:
            await self._writer.write(MARK_SENDING, job.id)
            body = NewMessageBody.with_keyboard(job.text, job.keyboard(), format="html")
            if job.silent:
                body = body.model_copy(update={"notify": False})
            return await client.send_message(body, user_id=job.max_user_id)

        return send

    async def _record_outcomes(self, outcomes: trio.MemoryReceiveChannel[SendOutcome]) -> None:
        async for outcome in outcomes:
            job = outcome.tag
            assert isinstance(job, DeliveryJob)
            if outcome.ok:
                self._stats.record_sent(job.due_at.timestamp(), outcome.started_at)
                await self._writer.submit(MARK_SENT, job.id, outcome.result.body.mid)
            else:
                self._stats.failed += 1
                error = f"{type(outcome.error).__name__}: {outcome.error}"[:ERROR_TEXT_MAX]
                log.warning(
                    "reminder not delivered",
                    extra={"action": "reminder_failed", "delivery": job.id, "error": error},
                )
                await self._writer.submit(MARK_FAILED, job.id, error)
