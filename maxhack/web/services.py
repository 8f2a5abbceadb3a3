"""What route handlers use to reach the domain: auth, and one bridge crossing per operation.

:meth:`ApiServices.write` runs a domain operation in one transaction; :meth:`ApiServices.read`
runs a read-only one on a pooled connection (each statement sees committed data; a read of
several statements is not a single snapshot), coalescing identical concurrent reads (same
operation, same arguments, same caller) into one crossing — see :mod:`maxhack.web.coalesce`.
Either way the whole operation is one asyncio coroutine, crossed into once with
:func:`~maxhack.bridge.run_aio`; permission checks run inside it, so they cost no crossing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

import asyncpg
from quart import current_app, g

from maxhack.bridge import run_aio
from maxhack.domain.db import in_transaction, on_connection
from maxhack.domain.hooks import Conn
from maxhack.web.auth import Authenticator, Principal
from maxhack.web.coalesce import Coalescer

__all__ = ["EXTENSION_KEY", "ApiServices", "actor", "services"]

EXTENSION_KEY = "maxhack"

P = ParamSpec("P")
T = TypeVar("T")


class ApiServices:
    def __init__(self, pool: Callable[[], asyncpg.Pool], auth: Authenticator) -> None:
        self._pool = pool
        self.auth = auth
        self.reads: Coalescer[Any] = Coalescer()

    def pool(self) -> asyncpg.Pool:
        return self._pool()

    async def write(
        self,
        op: Callable[Concatenate[Conn, P], Awaitable[T]],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run ``op(conn, *args)`` in a transaction (one crossing)."""
        return await run_aio(in_transaction, self.pool(), op, *args, **kwargs)

    async def read(
        self,
        op: Callable[Concatenate[Conn, P], Awaitable[T]],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run the read-only ``op(conn, *args)``, shared with identical concurrent reads.

        Arguments must be hashable (pass tuples, not lists).
        """
        key: Hashable = (op, args, tuple(sorted(kwargs.items())))

        async def load() -> T:
            return await run_aio(on_connection, self.pool(), op, *args, **kwargs)

        return cast(T, await self.reads.get(key, load))


def services() -> ApiServices:
    return cast(ApiServices, current_app.extensions[EXTENSION_KEY])


def actor() -> Principal:
    """The authenticated caller of the current request."""
    return cast(Principal, g.principal)
