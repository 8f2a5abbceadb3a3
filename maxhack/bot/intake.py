"""Storing updates that arrive by webhook: the same inbox, the same dedup, then dispatch."""

from __future__ import annotations

from collections.abc import Callable

import asyncpg

from maxhack.bot.inbox import InboxItem, NewUpdate, aio_store_updates, describe
from maxhack.bridge import run_aio
from maxhack.max.models import Update
from supervisors import Mailbox


class WebhookIntake:
    """Stores one update (dedup by key) and hands it to the dispatcher if it was new."""

    def __init__(
        self, pool_source: Callable[[], asyncpg.Pool], dispatch_to: Mailbox[InboxItem]
    ) -> None:
        self._pool_source = pool_source
        self._dispatch_to = dispatch_to
        self.received = 0
        self.duplicates = 0

    async def accept(self, update: Update) -> bool:
        """True when the update was new. Returns once it is durably stored."""
        self.received += 1
        new_items = await run_aio(_store_one, self._pool_source(), describe(update))
        if not new_items:
            self.duplicates += 1
            return False
        for item in new_items:
            await self._dispatch_to.send(item)
        return True


async def _store_one(pool: asyncpg.Pool, update: NewUpdate) -> list[InboxItem]:
    async with pool.acquire() as conn:
        return await aio_store_updates(conn, [update], source="webhook")
