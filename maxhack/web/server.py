"""The http actor: hypercorn's trio worker serving the quart-trio app.

Soft stop = hypercorn's graceful shutdown (stop accepting, finish in-flight requests within
`graceful_timeout_s`). The actor reports started only once the socket is bound, so a busy
port fails start-up with a clear error instead of a silent half-start.
"""

from __future__ import annotations

import logging

import trio
from hypercorn.config import Config
from hypercorn.trio import serve
from quart_trio import QuartTrio

from maxhack.runtime.stop_signal import StopSignal

log = logging.getLogger(__name__)

GRACEFUL_TIMEOUT_S = 5.0


class HttpActor:
    def __init__(
        self,
        app: QuartTrio,
        host: str,
        port: int,
        *,
        graceful_timeout_s: float = GRACEFUL_TIMEOUT_S,
    ) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.graceful_timeout_s = graceful_timeout_s
        self.stop_signal = StopSignal()
        self.bound: list[str] = []

    def _config(self) -> Config:
        config = Config()
        config.bind = [f"{self.host}:{self.port}"]
        config.graceful_timeout = self.graceful_timeout_s
        config.accesslog = None
        config.errorlog = logging.getLogger("hypercorn.error")
        return config

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        self.stop_signal.rearm()
        async with trio.open_nursery() as nursery:
            bound: list[str] = await nursery.start(self._serve)
            self.bound = list(bound)
            log.info("http serving", extra={"action": "http_listening", "bind": self.bound})
            task_status.started()

    async def _serve(self, *, task_status: trio.TaskStatus[list[str]]) -> None:
        await serve(
            self.app,
            self._config(),
            shutdown_trigger=self.stop_signal.wait,
            task_status=task_status,
        )
