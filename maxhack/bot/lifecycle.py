"""Baseline handlers every bot process has: reachability from bot_started / bot_stopped.

The conversation handlers (issue 5) are added on top of these through `Router.include`.
"""

from __future__ import annotations

from typing import Any, Protocol

from maxhack.bot.router import Router
from maxhack.max.models import BotStartedUpdate, BotStoppedUpdate, Update

MARK_REACHABLE = "UPDATE users SET reachable = true, dialog_chat_id = $2 WHERE max_id = $1"
MARK_UNREACHABLE = "UPDATE users SET reachable = false WHERE max_id = $1"


class _Writes(Protocol):
    async def write(self, statement: str, *args: Any) -> None: ...


class LifecycleContext(Protocol):
    @property
    def writer(self) -> _Writes: ...


def lifecycle_router() -> Router:
    router = Router()

    @router.on("bot_started")
    async def user_started_bot(update: Update, ctx: LifecycleContext) -> None:
        assert isinstance(update, BotStartedUpdate)
        await ctx.writer.write(MARK_REACHABLE, update.user.user_id, update.chat_id)

    @router.on("bot_stopped")
    async def user_stopped_bot(update: Update, ctx: LifecycleContext) -> None:
        assert isinstance(update, BotStoppedUpdate)
        await ctx.writer.write(MARK_UNREACHABLE, update.user.user_id)

    @router.fallback
    async def ignore(update: Update, ctx: LifecycleContext) -> None:
        return None

    return router
