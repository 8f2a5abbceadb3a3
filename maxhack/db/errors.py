"""Classifying database failures: lost connection (retry later) vs a bad statement (report)."""

from __future__ import annotations

import asyncpg

# Errors that mean "Postgres is unreachable or went away", not "this statement is wrong".
_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,  # admin shutdown, crash recovery
    asyncpg.exceptions.CannotConnectNowError,
)


def is_connection_error(exc: BaseException) -> bool:
    """True when retrying the same work on a fresh connection may succeed."""
    return isinstance(exc, _CONNECTION_ERRORS)
