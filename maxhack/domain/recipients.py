"""Who an event concerns: its recipients.

Recipients = direct participants ∪ current holders of the event's tags, among the group's
current members (product spec §2.4). Every link is filtered for soft deletion. The reminder
fan-out resolves recipients with the same predicate when a reminder fires; the API uses it for
visibility ("my events"), for answering (only recipients may) and for "who is coming".
"""

from __future__ import annotations

from maxhack.domain.hooks import Conn
from maxhack.domain.models import Member

__all__ = ["is_recipient", "list_recipients", "recipient_sql"]


def recipient_sql(event: str, user: str) -> str:
    """SQL truth value: is ``user`` (an SQL expression) a recipient of ``event``'s row alias?

    Membership of the event's group is part of the predicate, so the caller need not join it.
    """
    return f"""(
        EXISTS (
            SELECT 1 FROM memberships rm
            WHERE rm.group_id = {event}.group_id AND rm.user_id = {user}
              AND rm.deleted_at IS NULL
        )
        AND (
            EXISTS (
                SELECT 1 FROM event_participants rp
                WHERE rp.event_id = {event}.id AND rp.user_id = {user} AND rp.deleted_at IS NULL
            )
            OR EXISTS (
                SELECT 1 FROM event_tags ret
                JOIN tags rt ON rt.id = ret.tag_id AND rt.deleted_at IS NULL
                JOIN tag_assignments rta ON rta.tag_id = rt.id AND rta.deleted_at IS NULL
                WHERE ret.event_id = {event}.id AND ret.deleted_at IS NULL
                  AND rta.user_id = {user}
            )
        )
    )"""


async def is_recipient(conn: Conn, event_id: int, user_id: int) -> bool:
    """Whether ``user_id`` is currently a recipient of the alive event ``event_id``."""
    result: bool | None = await conn.fetchval(
        f"SELECT {recipient_sql('e', '$2')} FROM events e WHERE e.id = $1 AND e.deleted_at IS NULL",
        event_id,
        user_id,
    )
    return bool(result)


async def list_recipients(conn: Conn, event_id: int) -> list[Member]:
    """Current recipients of an alive event, in order of joining the group."""
    rows = await conn.fetch(
        """
        WITH e AS (SELECT id, group_id FROM events WHERE id = $1 AND deleted_at IS NULL),
        candidates AS (
            SELECT p.user_id FROM event_participants p, e
            WHERE p.event_id = e.id AND p.deleted_at IS NULL
            UNION
            SELECT ta.user_id FROM event_tags et
            JOIN e ON e.id = et.event_id
            JOIN tags t ON t.id = et.tag_id AND t.deleted_at IS NULL
            JOIN tag_assignments ta ON ta.tag_id = t.id AND ta.deleted_at IS NULL
            WHERE et.deleted_at IS NULL
        )
        SELECT m.user_id, m.group_id, m.role_id, m.notify_mode,
               u.max_id, u.first_name, u.last_name, u.phone
        FROM candidates c
        JOIN e ON true
        JOIN memberships m ON m.user_id = c.user_id AND m.group_id = e.group_id
                          AND m.deleted_at IS NULL
        JOIN users u ON u.id = c.user_id
        ORDER BY m.created_at, m.id
        """,
        event_id,
    )
    return [Member.from_row(row) for row in rows]
