"""The poller actor: long-polls MAX and stores each batch, with its marker, durably.

Only one replica polls a token at a time: the poller holds a session-level Postgres
advisory lock on a dedicated connection; the others wait (still "running") and take over
when the holder's connection goes away. For each batch, the new updates (duplicates
skipped by their dedup key) and the next marker are written in ONE transaction on that
same connection, and only then are the new rows handed to the dispatcher. A crash after
the commit loses nothing (the rows are 'pending' and recovered); a crash before it means
MAX returns the same updates again (the marker was not saved), and dedup drops them.

MAX errors: 401 stops polling for good (BotStatus says why); 405 means a webhook is set
(polling and webhooks exclude each other), retried slowly; other MAX errors back off
exponentially. A lost database connection raises: the supervisor restarts the poller.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

import asyncpg
import trio

from maxhack.bot.inbox import (
    InboxItem,
    advisory_lock_key,
    aio_load_marker,
    aio_store_updates,
    bot_key,
    describe,
)
from maxhack.bot.status import BotStatus
from maxhack.bridge import aio_context, run_aio
from maxhack.max import MaxClient
from maxhack.max.errors import MaxError, MaxMethodNotAllowed, MaxUnauthorized
from maxhack.runtime.stop_signal import StopSignal
from supervisors import Mailbox

log = logging.getLogger(__name__)

LEADER_RETRY_S = 1.0
MIN_POLL_INTERVAL_S = 0.3  # MAX: at least 300 ms between long polls
ERROR_BACKOFF_INITIAL_S = 1.0
ERROR_BACKOFF_MAX_S = 30.0
WEBHOOK_ACTIVE_RETRY_S = 30.0


class Poller:
    def __init__(
        self,
        *,
        client_source: Callable[[], MaxClient],
        pool_source: Callable[[], asyncpg.Pool],
        dispatch_to: Mailbox[InboxItem],
        token: str,
        status: BotStatus,
        poll_timeout_s: int = 30,
        limit: int = 100,
        types: list[str] | None = None,
        leader_retry_s: float = LEADER_RETRY_S,
        min_interval_s: float = MIN_POLL_INTERVAL_S,
    ) -> None:
        self._client_source = client_source
        self._pool_source = pool_source
        self._dispatch_to = dispatch_to
        self._bot_key = bot_key(token)
        self._lock_key = advisory_lock_key(token)
        self._status = status
        self.poll_timeout_s = poll_timeout_s
        self.limit = limit
        self.types = types
        self.leader_retry_s = leader_retry_s
        self.min_interval_s = min_interval_s
        self.stop_signal = StopSignal()
        self._scope: trio.CancelScope | None = None
        self.batches = 0
        self.stored = 0
        self.duplicates = 0

    def request_stop(self) -> None:
        """Soft stop: cancel the current poll or wait (a batch being stored is rolled back
        as a whole and returned again by MAX, so nothing is lost)."""
        self.stop_signal.request()
        if self._scope is not None:
            self._scope.cancel()

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Wait for leadership, then poll until a soft stop or a 401 (normal return)."""
        self.stop_signal.rearm()
        async with aio_context(self._pool_source().acquire()) as conn:
            task_status.started()
            try:
                with trio.CancelScope() as self._scope:
                    if self.stop_signal.requested:
                        return
                    await self._wait_for_leadership(conn)
                    await self._poll_forever(conn)
            finally:
                self._scope = None
                self._status.polling_leader = False
                # A dead connection has released its locks already.
                with (
                    trio.CancelScope(shield=True),
                    trio.move_on_after(2),
                    contextlib.suppress(Exception),
                ):
                    await run_aio(conn.execute, "SELECT pg_advisory_unlock_all()")

    async def _wait_for_leadership(self, conn: Any) -> None:
        announced = False
        while not await run_aio(conn.fetchval, "SELECT pg_try_advisory_lock($1)", self._lock_key):
            if not announced:
                log.info("another replica polls this bot; waiting", extra={"action": "poll_wait"})
                announced = True
            await trio.sleep(self.leader_retry_s)
        self._status.polling_leader = True
        log.info("polling leader", extra={"action": "poll_leader"})

    async def _poll_forever(self, conn: Any) -> None:
        marker = await run_aio(aio_load_marker, conn, self._bot_key)
        backoff = ERROR_BACKOFF_INITIAL_S
        while True:
            began = trio.current_time()
            try:
                updates, next_marker = await self._client_source().get_updates(
                    marker=marker, limit=self.limit, timeout=self.poll_timeout_s, types=self.types
                )
            except MaxUnauthorized as exc:
                self._status.token_rejected(exc)
                return
            except MaxMethodNotAllowed:
                log.error(
                    "GET /updates refused: a webhook subscription is active "
                    "(run `maxhack webhook delete` or set MAX_WEBHOOK_URL)",
                    extra={"action": "poll_webhook_active"},
                )
                await trio.sleep(WEBHOOK_ACTIVE_RETRY_S)
                continue
            except MaxError as exc:
                log.warning(
                    "long poll failed; backing off",
                    extra={"action": "poll_error", "error": str(exc), "delay_s": backoff},
                )
                await trio.sleep(backoff)
                backoff = min(ERROR_BACKOFF_MAX_S, backoff * 2)
                continue
            backoff = ERROR_BACKOFF_INITIAL_S
            marker = await self._store(conn, updates, marker, next_marker)
            await trio.sleep(max(0.0, self.min_interval_s - (trio.current_time() - began)))

    async def _store(
        self, conn: Any, updates: list[Any], marker: int | None, next_marker: int | None
    ) -> int | None:
        if not updates and next_marker == marker:
            return marker
        described = [describe(update) for update in updates]
        save = (self._bot_key, next_marker) if next_marker is not None else None
        new_items = await run_aio(aio_store_updates, conn, described, source="poll", marker=save)
        self.batches += 1
        self.stored += len(new_items)
        self.duplicates += len(described) - len(new_items)
        for item in new_items:
            await self._dispatch_to.send(item)
        return next_marker if next_marker is not None else marker

    def stats(self) -> dict[str, Any]:
        return {
            "leader": self._status.polling_leader,
            "batches": self.batches,
            "stored": self.stored,
            "duplicates": self.duplicates,
        }
