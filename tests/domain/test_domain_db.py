"""Domain services on a real database, called the way the bot will call them (no HTTP)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Concatenate, ParamSpec, TypeVar

import asyncpg
import pytest

from maxhack.bridge import run_aio
from maxhack.domain import events, groups, invites, members, tags
from maxhack.domain.answers import record_answer
from maxhack.domain.db import in_transaction
from maxhack.domain.errors import Conflict, Forbidden
from maxhack.domain.events import EventDraft, EventUpdate, ScheduleDraft
from maxhack.domain.hooks import Conn
from maxhack.domain.models import AnswerStatus, Role
from maxhack.domain.schedule import RepeatKind
from maxhack.domain.users import MaxProfile, ensure_user, get_user, personal_group

P = ParamSpec("P")
T = TypeVar("T")


@pytest.fixture
async def pool(aio: None, database_url: str) -> AsyncIterator[asyncpg.Pool]:
    created: asyncpg.Pool = await run_aio(asyncpg.create_pool, database_url, min_size=1, max_size=6)
    try:
        yield created
    finally:
        await run_aio(created.close)


async def tx(
    pool: asyncpg.Pool,
    op: Callable[Concatenate[Conn, P], Awaitable[T]],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    return await run_aio(in_transaction, pool, op, *args, **kwargs)


async def user(pool: asyncpg.Pool, max_id: int, dialog_chat_id: int | None = None) -> int:
    profile = MaxProfile(max_id=max_id, first_name="U")
    return await tx(pool, ensure_user, profile, dialog_chat_id=dialog_chat_id)


async def test_ensure_user_dialog_chat_id_comes_from_the_bot_only(pool: asyncpg.Pool) -> None:
    user_id = await user(pool, 10)
    assert (await tx(pool, get_user, user_id)).dialog_chat_id is None
    assert await user(pool, 10, dialog_chat_id=-5) == user_id  # a bot update for the same user
    stored = await tx(pool, get_user, user_id)
    assert (stored.dialog_chat_id, stored.reachable) == (-5, True)
    assert await user(pool, 10) == user_id  # a later WebApp request does not clear it
    assert (await tx(pool, get_user, user_id)).dialog_chat_id == -5
    group = await tx(pool, personal_group, user_id)
    assert group.is_personal and group.name == "Личная"


async def test_concurrent_first_sight_creates_one_user(pool: asyncpg.Pool) -> None:
    async def race() -> list[int]:
        profile = MaxProfile(max_id=2**62, first_name="Гонка\x00")
        return list(
            await asyncio.gather(*(in_transaction(pool, ensure_user, profile) for _ in range(6)))
        )

    ids = await run_aio(race)
    assert len(set(ids)) == 1
    counts = await run_aio(
        pool.fetchrow,
        "SELECT (SELECT count(*) FROM users) AS users, "
        "(SELECT count(*) FROM groups WHERE personal_of IS NOT NULL) AS personal",
    )
    assert dict(counts) == {"users": 1, "personal": 1}
    assert (await tx(pool, get_user, ids[0])).first_name == "Гонка"


async def test_writes_call_the_planner_hooks_in_their_transaction(
    pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, int, bool]] = []

    async def event_hook(conn: Conn, event_id: int) -> None:
        alive = await conn.fetchval("SELECT deleted_at IS NULL FROM events WHERE id = $1", event_id)
        calls.append(("event", event_id, bool(alive)))

    async def group_hook(conn: Conn, group_id: int) -> None:
        alive = await conn.fetchval("SELECT deleted_at IS NULL FROM groups WHERE id = $1", group_id)
        calls.append(("group", group_id, bool(alive)))

    monkeypatch.setattr(events, "after_event_change", event_hook)
    for module in (groups, members, invites, tags):
        monkeypatch.setattr(module, "after_group_change", group_hook)
    owner, other = await user(pool, 1), await user(pool, 2)
    access = await tx(pool, groups.create_group, owner, groups.GroupDraft("G", None))
    gid = access.group.id
    invite = await tx(pool, invites.recreate_invite, owner, gid)
    await tx(pool, invites.join_by_invite, other, invite.key)
    draft = EventDraft(group_id=gid, title="E", schedule=ScheduleDraft(datetime(2031, 1, 1)))
    event = await tx(pool, events.create_event, owner, draft)
    event_id = event.id
    await tx(pool, events.update_event, owner, event_id, EventUpdate(reminder_offsets=(5, 0)))
    await tx(pool, events.delete_event, owner, event_id)
    await tx(pool, members.kick_member, owner, gid, other)
    await tx(pool, groups.delete_group, owner, gid)
    assert calls == [
        ("group", gid, True),  # created
        ("group", gid, True),  # joined
        ("event", event_id, True),  # created
        ("event", event_id, True),  # edited
        ("event", event_id, False),  # deleted: the hook sees the deletion
        ("group", gid, True),  # member removed
        ("group", gid, False),  # group deleted
    ]


async def test_a_failing_hook_rolls_the_write_back(
    pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(conn: Conn, event_id: int) -> None:
        raise RuntimeError("planner down")

    owner = await user(pool, 1)
    personal = await tx(pool, personal_group, owner)
    monkeypatch.setattr(events, "after_event_change", broken)
    draft = EventDraft(
        group_id=personal.id,
        title="E",
        schedule=ScheduleDraft(datetime(2031, 1, 1)),
    )
    with pytest.raises(RuntimeError):
        await tx(pool, events.create_event, owner, draft)
    assert await run_aio(pool.fetchval, "SELECT count(*) FROM events") == 0


async def test_bot_style_answer_and_role_checks(pool: asyncpg.Pool) -> None:
    owner, member, stranger = await user(pool, 1), await user(pool, 2), await user(pool, 3)
    access = await tx(pool, groups.create_group, owner, groups.GroupDraft("G", None))
    gid = access.group.id
    invite = await tx(pool, invites.recreate_invite, owner, gid)
    await tx(pool, invites.join_by_invite, member, invite.key)
    start = datetime(2031, 1, 6, 7, 0, tzinfo=UTC)
    draft = EventDraft(
        group_id=gid,
        title="E",
        schedule=ScheduleDraft(start, repeat=RepeatKind.WEEKLY),
        participant_ids=(member,),
    )
    event = await tx(pool, events.create_event, owner, draft)
    first = await tx(pool, record_answer, member, event.id, start, AnswerStatus.OK)
    second = await tx(pool, record_answer, member, event.id, start, AnswerStatus.NO)
    assert first.id == second.id and second.status is AnswerStatus.NO
    with pytest.raises(Forbidden):
        await tx(pool, record_answer, stranger, event.id, start, AnswerStatus.OK)
    with pytest.raises(Forbidden):
        await tx(pool, record_answer, owner, event.id, start, AnswerStatus.OK)
    with pytest.raises(Conflict):
        await tx(pool, members.update_member, owner, gid, member, role=Role.OWNER)
