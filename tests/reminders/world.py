"""Building users, groups and events for reminder tests, through the domain services."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from maxhack.domain.events import EventDraft, ScheduleDraft, create_event
from maxhack.domain.groups import GroupDraft, create_group
from maxhack.domain.schedule import RepeatKind
from maxhack.domain.users import MaxProfile, ensure_user

_max_ids = itertools.count(7_000_000)


async def user(pool: asyncpg.Pool, *, zone: str = "Europe/Moscow", mode: str = "DEFAULT") -> int:
    async with pool.acquire() as conn:
        max_id = next(_max_ids)
        user_id = await ensure_user(conn, MaxProfile(max_id=max_id, first_name=f"U{max_id}"))
        await conn.execute(
            "UPDATE users SET time_zone = $2, notify_mode = $3 WHERE id = $1", user_id, zone, mode
        )
        return user_id


async def group(pool: asyncpg.Pool, owner: int, members: Sequence[int], zone: str) -> int:
    async with pool.acquire() as conn, conn.transaction():
        access = await create_group(conn, owner, GroupDraft("Команда", None, time_zone=zone))
        for member in members:
            await conn.execute(
                "INSERT INTO memberships (user_id, group_id, role_id) VALUES ($1, $2, 3)",
                member,
                access.group.id,
            )
        return access.group.id


async def event(
    pool: asyncpg.Pool,
    owner: int,
    group_id: int,
    start: datetime,
    *,
    participants: Sequence[int] = (),
    tags: Sequence[int] = (),
    offsets: Sequence[int] = (0,),
    repeat: RepeatKind = RepeatKind.NONE,
    duration_min: int = 0,
    title: str = "Планёрка",
) -> int:
    async with pool.acquire() as conn, conn.transaction():
        created = await create_event(
            conn,
            owner,
            EventDraft(
                group_id=group_id,
                title=title,
                schedule=ScheduleDraft(start=start, repeat=repeat),
                participant_ids=participants,
                tag_ids=tags,
                reminder_offsets=offsets,
                duration_min=duration_min,
            ),
        )
        return created.id


async def fetch(pool: asyncpg.Pool, query: str, *args: Any) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        return list(await conn.fetch(query, *args))
