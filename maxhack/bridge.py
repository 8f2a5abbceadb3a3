"""The one crossing point between trio and the asyncio-only libraries (asyncpg, redis).

Everything that touches asyncpg or redis goes through `run_aio`, inside the
`trio_asyncio.open_loop()` that `maxhack run` opens around the whole supervision tree.
Each call is exactly one bridge round trip (about 3k/s per core here), so callers batch:
put several statements into one asyncio coroutine and cross once. Cancellation crosses
the bridge: cancelling the trio caller cancels the asyncio task.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, ParamSpec, TypeVar, cast

import trio
import trio_asyncio

AIO_EXIT_TIMEOUT_S = 5.0
P = ParamSpec("P")
T = TypeVar("T")


class _Crossings:
    """How many times `run_aio` crossed the bridge in this process (benchmarks read it)."""

    count = 0


def crossings() -> int:
    """Bridge round trips so far in this process (monotonic; for benchmarks and tests)."""
    return _Crossings.count


async def run_aio(fn: Callable[P, Awaitable[T]], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Await the asyncio coroutine function `fn(*args, **kwargs)` from trio (one crossing)."""
    _Crossings.count += 1
    return cast(T, await trio_asyncio.aio_as_trio(fn)(*args, **kwargs))


@asynccontextmanager
async def aio_context(manager: Any) -> AsyncIterator[Any]:
    """Enter an asyncio async context manager (e.g. `pool.acquire()`) from trio.

    The exit is shielded (bounded by AIO_EXIT_TIMEOUT_S): when the trio side is cancelled,
    a pooled connection must still go back to its pool, or closing the pool waits forever.
    """
    bridged = trio_asyncio.aio_as_trio(manager)
    value = await bridged.__aenter__()
    try:
        yield value
    except BaseException as exc:
        with trio.CancelScope(shield=True), trio.move_on_after(AIO_EXIT_TIMEOUT_S):
            if await bridged.__aexit__(type(exc), exc, exc.__traceback__):
                return
        raise
    else:
        with trio.CancelScope(shield=True), trio.move_on_after(AIO_EXIT_TIMEOUT_S):
            await bridged.__aexit__(None, None, None)
