"""The database and Redis side of each action, as asyncio coroutines.

Each function here is one action's whole store work, so a handler crosses the trio/asyncio
bridge once for it (`run_aio(fn, stores, …)`): domain operations run in one transaction
(`maxhack.domain.db.in_transaction` semantics, with its race retries), Redis state is read
or written in the same crossing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Concatenate, ParamSpec, TypeVar

import asyncpg

from maxhack.bot.conversations.state import (
    DialogState,
    aio_clear_state,
    aio_load_state,
    aio_save_state,
)
from maxhack.domain import answers, event_queries, groups, invites, members, users
from maxhack.domain.answers import OccurrencesView
from maxhack.domain.db import in_transaction
from maxhack.domain.errors import NotFound
from maxhack.domain.event_queries import EventItem
from maxhack.domain.hooks import Conn
from maxhack.domain.models import AnswerStatus, NotifyMode, User
from maxhack.domain.permissions import Access, group_access

P = ParamSpec("P")
T = TypeVar("T")
WHO_HORIZON = timedelta(days=400)


@dataclass(frozen=True)
class Stores:
    """What an action needs on the asyncio side (resolved when the action runs)."""

    pg: asyncpg.Pool
    redis: Any


@dataclass(frozen=True)
class Session:
    user: User
    state: DialogState | None


async def _tx(
    stores: Stores, op: Callable[Concatenate[Conn, P], Awaitable[T]], *a: P.args, **k: P.kwargs
) -> T:
    return await in_transaction(stores.pg, op, *a, **k)


async def begin(
    stores: Stores,
    profile: users.MaxProfile,
    chat_id: int | None,
    *,
    reset_state: bool,
) -> Session:
    """Upsert the sender (user + personal group on first contact; dialog chat id from the
    update) and load their dialog state; ``reset_state`` drops it (/start)."""

    async def op(conn: Conn) -> User:
        user_id = await users.ensure_user(conn, profile, dialog_chat_id=chat_id)
        return await users.get_user(conn, user_id)

    user = await _tx(stores, op)
    if chat_id is None:
        # A press on a message that is gone: no dialog to key the state by.
        return Session(user, None)
    if reset_state:
        await aio_clear_state(stores.redis, chat_id, profile.max_id)
        state = None
    else:
        state = await aio_load_state(stores.redis, chat_id, profile.max_id)
    return Session(user, state)


async def save_state(stores: Stores, chat_id: int, max_id: int, state: DialogState) -> None:
    await aio_save_state(stores.redis, chat_id, max_id, state)


async def update_profile(stores: Stores, user_id: int, update: users.UserUpdate) -> User:
    return await _tx(stores, users.update_user, user_id, update)


async def my_groups(stores: Stores, user_id: int) -> list[groups.MyGroup]:
    return await _tx(stores, groups.list_my_groups, user_id)


@dataclass(frozen=True)
class GroupView:
    access: Access
    invite_key: str | None


async def _group_view(conn: Conn, user_id: int, group_id: int) -> GroupView:
    access = await group_access(conn, group_id, user_id)
    key = None
    if access.role.manages and not access.group.is_personal:
        try:
            key = (await invites.get_invite(conn, user_id, group_id)).key
        except NotFound:
            key = None
    return GroupView(access, key)


async def group_view(stores: Stores, user_id: int, group_id: int) -> GroupView:
    return await _tx(stores, _group_view, user_id, group_id)


async def set_group_mode(
    stores: Stores, user_id: int, group_id: int, mode: NotifyMode
) -> GroupView:
    async def op(conn: Conn) -> GroupView:
        await members.set_group_notify_mode(conn, user_id, group_id, mode)
        return await _group_view(conn, user_id, group_id)

    return await _tx(stores, op)


async def recreate_invite(stores: Stores, user_id: int, group_id: int) -> GroupView:
    async def op(conn: Conn) -> GroupView:
        await invites.recreate_invite(conn, user_id, group_id)
        return await _group_view(conn, user_id, group_id)

    return await _tx(stores, op)


async def revoke_invite(stores: Stores, user_id: int, group_id: int) -> GroupView:
    async def op(conn: Conn) -> GroupView:
        await invites.revoke_invite(conn, user_id, group_id)
        return await _group_view(conn, user_id, group_id)

    return await _tx(stores, op)


async def leave(stores: Stores, user_id: int, group_id: int) -> list[groups.MyGroup]:
    async def op(conn: Conn) -> list[groups.MyGroup]:
        await members.leave_group(conn, user_id, group_id)
        return await groups.list_my_groups(conn, user_id)

    return await _tx(stores, op)


@dataclass(frozen=True)
class InviteLookup:
    """What a deep link's key points at: ``None`` group for an unknown or revoked key."""

    group_id: int | None
    group_name: str | None
    already_member: bool


async def open_invite(
    stores: Stores, user_id: int, chat_id: int, max_id: int, key: str
) -> InviteLookup | GroupView:
    """Resolve a deep link: the group window for members, else the join window's data (the
    key goes into dialog state, not into a button)."""

    async def op(conn: Conn) -> InviteLookup | GroupView:
        row = await conn.fetchrow(
            """
            SELECT g.id, g.name, g.personal_of,
                   EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = g.id
                           AND m.user_id = $2 AND m.deleted_at IS NULL) AS member
            FROM invites i JOIN groups g ON g.id = i.group_id AND g.deleted_at IS NULL
            WHERE i.key = $1 AND i.deleted_at IS NULL
            """,
            key,
            user_id,
        )
        if row is None or row["personal_of"] is not None:
            return InviteLookup(None, None, False)
        if row["member"]:
            return await _group_view(conn, user_id, row["id"])
        return InviteLookup(row["id"], row["name"], False)

    found = await _tx(stores, op)
    if isinstance(found, InviteLookup) and found.group_id is not None:
        state = DialogState(window="join", group_id=found.group_id, invite_key=key)
        await aio_save_state(stores.redis, chat_id, max_id, state)
    return found


async def accept_invite(
    stores: Stores, user_id: int, chat_id: int, max_id: int, key: str
) -> GroupView:
    async def op(conn: Conn) -> GroupView:
        access = await invites.join_by_invite(conn, user_id, key)
        return await _group_view(conn, user_id, access.group.id)

    view = await _tx(stores, op)
    await aio_save_state(stores.redis, chat_id, max_id, DialogState(window="group"))
    return view


async def clear_state(stores: Stores, chat_id: int, max_id: int) -> None:
    await aio_clear_state(stores.redis, chat_id, max_id)


async def export_items(
    stores: Stores, user_id: int, group_id: int | None, everything: bool
) -> tuple[list[EventItem], str | None]:
    """The events of one ICS scope and the group's name (``None`` for all groups)."""

    async def op(conn: Conn) -> tuple[list[EventItem], str | None]:
        name = None
        if group_id is not None:
            name = (await group_access(conn, group_id, user_id)).group.name
        items = await event_queries.events_for_export(
            conn, user_id, group_id=group_id, everything=everything
        )
        return items, name

    return await _tx(stores, op)


async def group_event_titles(
    stores: Stores, user_id: int, group_id: int
) -> tuple[Access, list[tuple[int, str]]]:
    async def op(conn: Conn) -> tuple[Access, list[tuple[int, str]]]:
        access = await group_access(conn, group_id, user_id)
        rows = await conn.fetch(
            "SELECT id, title FROM events WHERE group_id = $1 AND deleted_at IS NULL "
            "ORDER BY starts_at, id LIMIT 50",
            group_id,
        )
        return access, [(row["id"], row["title"]) for row in rows]

    return await _tx(stores, op)


async def next_attendance(
    stores: Stores, user_id: int, event_id: int, now: datetime | None = None
) -> OccurrencesView:
    now = now or datetime.now(UTC)
    return await _tx(
        stores, answers.list_occurrences, user_id, event_id, now, now + WHO_HORIZON, limit=1
    )


async def record_answer(
    stores: Stores, user_id: int, event_id: int, occurrence_at: datetime, status: AnswerStatus
) -> answers.Answer:
    return await _tx(stores, answers.record_answer, user_id, event_id, occurrence_at, status)
