"""The inbox table: dedup keys, ordering keys, and the SQL of storing and settling updates.

All functions prefixed `aio_` are asyncio coroutines: call them through `run_aio`, one
bridge crossing each.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from maxhack.max.models import (
    MessageCallbackUpdate,
    MessageCreatedUpdate,
    MessageEditedUpdate,
    MessageRemovedUpdate,
    Update,
    parse_update,
)


@dataclass(frozen=True)
class InboxItem:
    """One stored update, ready for the dispatcher."""

    id: int
    chat_key: int
    update: Update


def bot_key(token: str) -> str:
    """Stable, non-secret key for one bot token (poll state row, advisory lock)."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def advisory_lock_key(token: str) -> int:
    """A signed 64-bit Postgres advisory lock key for polling with this token."""
    digest = hashlib.sha256(b"maxhack-poller:" + token.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def dedup_key(update: Update, raw: dict[str, Any]) -> str:
    """Identical deliveries of one update map to one key; different updates never collide."""
    if isinstance(update, MessageCreatedUpdate):
        return f"message_created:{update.message.body.mid}"
    if isinstance(update, MessageCallbackUpdate):
        return f"message_callback:{update.callback.callback_id}"
    if isinstance(update, MessageEditedUpdate):
        return f"message_edited:{update.message.body.mid}:{update.timestamp}"
    if isinstance(update, MessageRemovedUpdate):
        return f"message_removed:{update.message_id}"
    # Other updates have no id: the whole content identifies them (MAX re-delivers the
    # same JSON, timestamp included).
    canonical = json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:32]
    return f"{raw.get('update_type', 'unknown')}:{digest}"


def chat_key(update: Update, raw: dict[str, Any]) -> int:
    """The ordering key: the dialog/chat the update belongs to (0 when it has none)."""
    message = getattr(update, "message", None)
    if message is not None and message.recipient.chat_id is not None:
        return int(message.recipient.chat_id)
    for field in ("chat_id", "user_id"):
        value = raw.get(field)
        if isinstance(value, int):
            return value
    callback = getattr(update, "callback", None)
    if callback is not None:
        return int(callback.user.user_id)
    return 0


@dataclass(frozen=True)
class NewUpdate:
    dedup_key: str
    chat_key: int
    update_type: str
    payload: str  # JSON text
    update: Update  # kept so new rows need no re-parse on their way to the dispatcher


def describe(update: Update) -> NewUpdate:
    raw = update.to_json_dict()
    return NewUpdate(
        dedup_key=dedup_key(update, raw),
        chat_key=chat_key(update, raw),
        update_type=str(raw.get("update_type", "unknown")),
        payload=json.dumps(raw, ensure_ascii=False),
        update=update,
    )


_INSERT_UPDATES = """
INSERT INTO bot_updates (dedup_key, chat_key, update_type, payload, source)
SELECT d, c, t, p::jsonb, $5
FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) AS u(d, c, t, p)
ON CONFLICT (dedup_key) DO NOTHING
RETURNING id, dedup_key
"""

_SAVE_MARKER = """
INSERT INTO bot_poll_state (bot_key, marker) VALUES ($1, $2)
ON CONFLICT (bot_key) DO UPDATE SET marker = EXCLUDED.marker, updated_at = now()
"""


async def aio_store_updates(
    conn: Any,
    updates: list[NewUpdate],
    *,
    source: str,
    marker: tuple[str, int] | None = None,
) -> list[InboxItem]:
    """Insert new updates (duplicates skipped) and, if given, the poll marker: one
    transaction. Returns only the rows that were new."""
    async with conn.transaction():
        rows = []
        if updates:
            rows = await conn.fetch(
                _INSERT_UPDATES,
                [u.dedup_key for u in updates],
                [u.chat_key for u in updates],
                [u.update_type for u in updates],
                [u.payload for u in updates],
                source,
            )
        if marker is not None:
            await conn.execute(_SAVE_MARKER, *marker)
    by_key = {u.dedup_key: u for u in updates}
    return [
        InboxItem(
            id=int(row["id"]),
            chat_key=by_key[row["dedup_key"]].chat_key,
            update=by_key[row["dedup_key"]].update,
        )
        for row in sorted(rows, key=lambda r: r["id"])
    ]


async def aio_load_marker(conn: Any, key: str) -> int | None:
    value = await conn.fetchval("SELECT marker FROM bot_poll_state WHERE bot_key = $1", key)
    return None if value is None else int(value)


async def aio_load_pending(conn: Any, after_id: int, limit: int) -> list[InboxItem]:
    rows = await conn.fetch(
        "SELECT id, chat_key, payload::text FROM bot_updates "
        "WHERE status = 'pending' AND id > $1 ORDER BY id LIMIT $2",
        after_id,
        limit,
    )
    return [_item(row) for row in rows]


def _item(row: Any) -> InboxItem:
    return InboxItem(
        id=int(row["id"]), chat_key=int(row["chat_key"]), update=parse_update(json.loads(row[2]))
    )


MARK_DONE = (
    "UPDATE bot_updates SET status = 'done', handled_at = now(), "
    "handle_count = handle_count + 1 WHERE id = $1"
)
MARK_FAILED = (
    "UPDATE bot_updates SET status = 'failed', handled_at = now(), "
    "handle_count = handle_count + 1, error = $2 WHERE id = $1"
)
