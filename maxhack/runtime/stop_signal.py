"""A re-armable soft-stop flag for actors that are restarted in place by a supervisor."""

from __future__ import annotations

import trio


class StopSignal:
    """Set by the supervisor's soft stop (`request`), re-armed by the actor when it (re)starts.

    A plain `trio.Event` cannot be cleared, and an actor object outlives its runs, so each
    run calls `rearm()` before reporting started.
    """

    def __init__(self) -> None:
        self._event = trio.Event()

    def rearm(self) -> None:
        self._event = trio.Event()

    def request(self) -> None:
        self._event.set()

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    async def wait(self) -> None:
        await self._event.wait()
