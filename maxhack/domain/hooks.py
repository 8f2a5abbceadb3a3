"""Where the reminder engine plugs into domain writes.

Every write that can change who gets reminded, or when, calls one of these functions on the
same connection, inside the same transaction, after its own statements: the reminder planner
re-plans the event's triggers (or drops a deleted group's), so the plan commits or rolls back
together with the change that caused it. Recipients are resolved when a reminder fires, so
membership and tag changes need no re-planning.

They are asyncio coroutines like every domain function.
"""

from __future__ import annotations

from asyncpg.connection import Connection
from asyncpg.pool import PoolConnectionProxy

from maxhack.reminders.planner import plan_event, unplan_deleted_group

__all__ = ["Conn", "after_event_change", "after_group_change"]

Conn = Connection | PoolConnectionProxy
"""An open asyncpg connection (plain or from a pool), inside a transaction."""


async def after_event_change(conn: Conn, event_id: int) -> None:
    """The event was created, edited (schedule, offsets, recipients) or deleted."""
    await plan_event(conn, event_id)


async def after_group_change(conn: Conn, group_id: int) -> None:
    """Something group-wide changed: members, roles, tags or their holders, or the group itself
    (deleted, time zone). Recipients of any event of the group may differ now."""
    await unplan_deleted_group(conn, group_id)
