"""The identity actor: asks MAX who the bot is (GET /me) once per start.

The username builds deep links (invites, WebApp). A 401 here means the token is wrong:
BotStatus records why and the actor ends normally (it is transient, so it stays stopped
and /health shows the reason). Other failures are retried with backoff by the supervisor.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import trio

from maxhack.bot.status import BotStatus
from maxhack.max import MaxClient
from maxhack.max.errors import MaxUnauthorized

log = logging.getLogger(__name__)


class IdentityActor:
    def __init__(self, client_source: Callable[[], MaxClient], status: BotStatus) -> None:
        self._client_source = client_source
        self._status = status

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        try:
            me = await self._client_source().get_me()
        except MaxUnauthorized as exc:
            self._status.token_rejected(exc)
            task_status.started()
            return
        self._status.username = me.username
        log.info("bot identity", extra={"action": "bot_identity", "username": me.username})
        task_status.started()
        await trio.sleep_forever()
