"""Running a domain operation: one pooled connection, one transaction, retried on races.

Every domain operation is an asyncio coroutine ``op(conn, *args)`` that does all its SQL on the
connection it is given. :func:`in_transaction` wraps it in a transaction and is itself an
asyncio coroutine, so a trio caller crosses the bridge exactly once per operation::

    group = await run_aio(in_transaction, pool, groups.create_group, actor_id, draft)

Deadlocks and serialization failures between concurrent writers are retried (the whole
operation re-runs on a fresh transaction); any other error propagates unchanged. Cancellation
rolls the transaction back.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Concatenate, ParamSpec, TypeVar

import asyncpg

from maxhack.domain.hooks import Conn

__all__ = ["RACE_RETRIES", "in_transaction", "on_connection"]

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

RACE_RETRIES = 3
_RACE_ERRORS = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError)


async def in_transaction(
    pool: asyncpg.Pool,
    op: Callable[Concatenate[Conn, P], Awaitable[T]],
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """Run ``op(conn, *args, **kwargs)`` in one READ COMMITTED transaction and return its result."""
    attempt = 0
    while True:
        attempt += 1
        try:
            async with pool.acquire() as conn, conn.transaction():
                return await op(conn, *args, **kwargs)
        except _RACE_ERRORS as exc:
            if attempt >= RACE_RETRIES:
                raise
            log.info(
                "retrying after a concurrent write",
                extra={"action": "tx_retry", "attempt": attempt, "error": type(exc).__name__},
            )


async def on_connection(
    pool: asyncpg.Pool,
    op: Callable[Concatenate[Conn, P], Awaitable[T]],
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """Run a read-only ``op`` on a pooled connection without an explicit transaction.

    For reads that are one statement (a consistent snapshot by themselves) or that open their
    own read-only transaction; saves the BEGIN/COMMIT round trips.
    """
    async with pool.acquire() as conn:
        return await op(conn, *args, **kwargs)
