"""Reminders fired by real `maxhack run` processes against the MAX emulator (a process):
several replicas on one database, and a kill -9 in the middle of a burst."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from maxhack.domain.events import EventDraft, ScheduleDraft, create_event
from maxhack.domain.groups import GroupDraft, create_group
from maxhack.domain.users import MaxProfile, ensure_user
from tests.support.emulator_process import EmulatorProcess
from tests.support.process import MaxhackProcess


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[EmulatorProcess]:
    process = EmulatorProcess(tmp_path / "emulator.log").start()
    yield process
    process.stop()


async def _plan_burst(url: str, *, people: int, events: int, due: datetime) -> list[int]:
    """`events` one-off events due at `due`, each for the same `people` members."""
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            owner = await ensure_user(conn, MaxProfile(max_id=5_000_000, first_name="Босс"))
            access = await create_group(conn, owner, GroupDraft("Смена", None))
            members = []
            for n in range(people):
                user_id = await ensure_user(conn, MaxProfile(max_id=5_000_001 + n, first_name="Ю"))
                await conn.execute(
                    "INSERT INTO memberships (user_id, group_id, role_id) VALUES ($1, $2, 3)",
                    user_id,
                    access.group.id,
                )
                members.append(user_id)
            for n in range(events):
                await create_event(
                    conn,
                    owner,
                    EventDraft(
                        group_id=access.group.id,
                        title=f"Событие {n}",
                        schedule=ScheduleDraft(start=due),
                        participant_ids=members,
                    ),
                )
        return [5_000_001 + n for n in range(people)]
    finally:
        await conn.close()


async def _statuses(url: str) -> Counter[str]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT status, count(*) AS n FROM reminder_deliveries GROUP BY 1")
        return Counter({r["status"]: r["n"] for r in rows})
    finally:
        await conn.close()


async def _owners(url: str) -> Counter[str]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT owner, count(*) AS n FROM reminder_deliveries GROUP BY 1")
        return Counter({r["owner"]: r["n"] for r in rows})
    finally:
        await conn.close()


def _wait_done(url: str, total: int, timeout_s: float) -> Counter[str]:
    deadline = time.monotonic() + timeout_s
    statuses: Counter[str] = Counter()
    while time.monotonic() < deadline:
        statuses = asyncio.run(_statuses(url))
        if statuses["sent"] + statuses["failed"] + statuses["missed"] >= total:
            return statuses
        time.sleep(0.5)
    raise AssertionError(f"deliveries not finished: {statuses}")


def _messages_per_user(emulator: EmulatorProcess, users: list[int]) -> Counter[int]:
    """Reminders received per user. Reminders go by `user_id=`; the bot's replies to the
    users' /start (their menus) go to the dialog by `chat_id=` and are not counted."""
    sent = emulator.control("GET", "/requests?method=POST&path=/messages")["requests"]
    counts: Counter[int] = Counter()
    for record in sent:
        query = dict(part.split("=") for part in record["query"].split("&") if "=" in part)
        if record["status"] == 200 and "user_id" in query:
            counts[int(query["user_id"])] += 1
    return counts


def _env(
    emulator: EmulatorProcess, url: str, redis_url: str, tmp: Path, name: str
) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "DATA_DIR": str(tmp),
        "MAX_TOKEN": emulator.token,
        "MAX_API_URL": emulator.url,
        "MAX_POLL_TIMEOUT_S": "1",
        "MAX_RATE_LIMIT": "30",
        "MAX_CHAT_RATE_LIMIT": "30",
        "REPLICA_ID": name,
        "REMINDER_REFILL_S": "5",
    }


def test_three_processes_fire_2000_reminders_exactly_once(
    emulator: EmulatorProcess, database_url: str, redis_url: str, tmp_path: Path
) -> None:
    due = datetime.now(UTC) + timedelta(seconds=12)
    users = asyncio.run(_plan_burst(database_url, people=200, events=10, due=due))
    for user in users:
        emulator.start_bot(user)
    emulator.control("DELETE", "/requests")
    replicas = [
        MaxhackProcess(
            env=_env(emulator, database_url, redis_url, tmp_path, f"replica-{n}"),
            log_path=tmp_path / f"replica-{n}.log",
        ).start()
        for n in range(3)
    ]
    try:
        for replica in replicas:
            replica.wait_for_status(200)
        statuses = _wait_done(database_url, 2000, timeout_s=120)
        assert statuses == Counter({"sent": 2000})
        per_user = _messages_per_user(emulator, users)
        assert sum(per_user.values()) == 2000
        assert set(per_user.values()) == {10}  # each person: one message per event, no dupes
        # Whichever replicas claimed the triggers, each delivery row has exactly one owner.
        assert sum(asyncio.run(_owners(database_url)).values()) == 2000
    finally:
        for replica in replicas:
            replica.kill()


def test_kill_9_during_a_burst_loses_nothing(
    emulator: EmulatorProcess, database_url: str, redis_url: str, tmp_path: Path
) -> None:
    due = datetime.now(UTC) + timedelta(seconds=8)
    users = asyncio.run(_plan_burst(database_url, people=100, events=3, due=due))
    for user in users:
        emulator.start_bot(user)
    emulator.control("DELETE", "/requests")
    env = _env(emulator, database_url, redis_url, tmp_path, "replica-k")
    first = MaxhackProcess(env=env, log_path=tmp_path / "first.log").start()
    try:
        first.wait_for_status(200)
        deadline = time.monotonic() + 60
        while asyncio.run(_statuses(database_url))["sent"] < 60:
            assert time.monotonic() < deadline, first.log()
            time.sleep(0.05)
        first.send(signal.SIGKILL)
        assert first.proc is not None
        first.proc.wait()
        in_flight = asyncio.run(_statuses(database_url))["sending"]
    finally:
        first.kill()
    second = MaxhackProcess(env=env, log_path=tmp_path / "second.log").start()
    try:
        second.wait_for_status(200)
        statuses = _wait_done(database_url, 300, timeout_s=90)
        assert statuses["sent"] == 300
        per_user = _messages_per_user(emulator, users)
        assert all(per_user[user] >= 3 for user in users)  # nothing lost
        duplicates = sum(per_user.values()) - 300
        assert 0 <= duplicates <= in_flight  # at most the requests in flight at the kill
    finally:
        second.kill()
