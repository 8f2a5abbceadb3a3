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

import trio_asyncio

P = ParamSpec("P")
T = TypeVar("T")


async def run_aio(fn: Callable[P, Awaitable[T]], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Await the asyncio coroutine function `fn(*args, **kwargs)` from trio (one crossing)."""
    return cast(T, await trio_asyncio.aio_as_trio(fn)(*args, **kwargs))


@asynccontextmanager
async def aio_context(manager: Any) -> AsyncIterator[Any]:
    """Enter an asyncio async context manager (e.g. `pool.acquire()`) from trio."""
    async with trio_asyncio.aio_as_trio(manager) as value:
        yield value
