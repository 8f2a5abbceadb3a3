"""Helpers shared by the bot conversation e2e modules (`test_bot_flows_*.py`): a running
`maxhack run` + MAX emulator pair (`Bot`), emulated people tapping through it (`Person`), and
direct database set-up of groups and events.

Each action of a `Person` waits until the bot has settled every update sent so far (the inbox
table), then the test reads what the person sees. The `bot` fixture that starts the pair lives
in `tests/e2e/conftest.py`.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from maxhack.domain import invites
from maxhack.domain.events import EventDraft, ScheduleDraft, create_event
from maxhack.domain.groups import GroupDraft, create_group
from maxhack.domain.users import MaxProfile, ensure_user
from tests.support.emulator_process import EmulatorProcess
from tests.support.process import MaxhackProcess

SETTLE_TIMEOUT_S = 20.0
REDIS_DB = 15


def _sql(url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    async def run() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(url)
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()

    return asyncio.run(run())


def _domain(url: str, op: Any, *args: Any) -> Any:
    async def run() -> Any:
        conn = await asyncpg.connect(url)
        try:
            async with conn.transaction():
                return await op(conn, *args)
        finally:
            await conn.close()

    return asyncio.run(run())


class Bot:
    """The running pair and the count of updates sent, to wait for the bot to settle."""

    def __init__(self, emulator: EmulatorProcess, db_url: str, env: dict[str, str], tmp: Path):
        self.emulator = emulator
        self.db_url = db_url
        self.env = env
        self.tmp = tmp
        self.process: MaxhackProcess | None = None

    def start(self, name: str = "bot") -> None:
        self.process = MaxhackProcess(env=self.env, log_path=self.tmp / f"{name}.log").start()
        self.process.wait_for_status(200)

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process.kill()

    def settle(self) -> None:
        """Wait until every update MAX holds was stored and handled."""
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        while time.monotonic() < deadline:
            state = self.emulator.state()
            [row] = _sql(
                self.db_url,
                "SELECT count(*) FILTER (WHERE status = 'pending') AS pending, "
                "count(*) AS total FROM bot_updates",
            )
            if state["pending_updates"] == 0 and row["pending"] == 0:
                return
            time.sleep(0.05)
        log = self.process.log() if self.process else ""
        raise AssertionError(f"bot did not settle:\n{log}")


class Person:
    def __init__(self, bot: Bot, user_id: int, first_name: str = "Иван") -> None:
        self.bot = bot
        self.emulator = bot.emulator
        self.user_id = user_id
        self.emulator.control(
            "POST", "/users", {"user_id": user_id, "first_name": first_name, "last_name": "Петров"}
        )

    # --- actions (each waits for the bot) ---
    def start(self, payload: str | None = None) -> None:
        self.emulator.start_bot(self.user_id, payload)
        self.bot.settle()

    def text(self, text: str) -> None:
        self.emulator.send_text(self.user_id, text)
        self.bot.settle()

    def contact(self, **body: Any) -> None:
        self.emulator.control("POST", f"/users/{self.user_id}/contact", body)
        self.bot.settle()

    def location(self, latitude: float, longitude: float) -> None:
        body = {"latitude": latitude, "longitude": longitude}
        self.emulator.control("POST", f"/users/{self.user_id}/location", body)
        self.bot.settle()

    def press(self, text: str, message: dict[str, Any] | None = None) -> dict[str, Any]:
        message = message or self.window()
        result = self.emulator.control(
            "POST", f"/users/{self.user_id}/press", {"mid": message["mid"], "text": text}
        )
        self.bot.settle()
        update: dict[str, Any] = result["update"]
        return update

    # --- what the person sees ---
    def messages(self) -> list[dict[str, Any]]:
        data = self.emulator.control("GET", f"/users/{self.user_id}/messages")
        messages: list[dict[str, Any]] = data["messages"]
        return messages

    def window(self) -> dict[str, Any]:
        """The newest bot message with a keyboard."""
        return [m for m in self.messages() if m["keyboard"]][-1]

    def buttons(self, message: dict[str, Any] | None = None) -> list[str]:
        message = message or self.window()
        return [b["text"] for row in message["keyboard"] for b in row]

    def button(self, text: str, message: dict[str, Any] | None = None) -> dict[str, Any]:
        message = message or self.window()
        matches: list[dict[str, Any]] = [
            b for row in message["keyboard"] for b in row if b["text"] == text
        ]
        [found] = matches
        return found

    def toasts(self) -> list[str]:
        answers = self.emulator.control("GET", "/answers")["answers"]
        return [
            a["notification"] for a in answers if a["user_id"] == self.user_id and a["notification"]
        ]

    def db_user(self) -> asyncpg.Record:
        [row] = _sql(self.bot.db_url, "SELECT * FROM users WHERE max_id = $1", self.user_id)
        return row


def _bot_env(emulator: EmulatorProcess, db_url: str, redis_url: str, tmp: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "DATA_DIR": str(tmp),
        "MAX_TOKEN": emulator.token,
        "MAX_API_URL": emulator.url,
        "MAX_POLL_TIMEOUT_S": "1",
        "MAX_CHAT_RATE_LIMIT": "30",
        "MAX_RATE_LIMIT": "30",
    }


_ids = iter(range(1000, 10**6))


def person(bot: Bot, first_name: str = "Иван") -> Person:
    return Person(bot, next(_ids), first_name)


def _make_group(bot: Bot, owner: Person, name: str) -> tuple[int, str]:
    """A group owned by `owner` (already started) with an invite; returns (id, key)."""

    async def op(conn: Any) -> tuple[int, str]:
        owner_id = await ensure_user(conn, MaxProfile(max_id=owner.user_id, first_name="Иван"))
        access = await create_group(conn, owner_id, GroupDraft(name, None))
        invite = await invites.recreate_invite(conn, owner_id, access.group.id)
        return access.group.id, invite.key

    result: tuple[int, str] = _domain(bot.db_url, op)
    return result


def _event(bot: Bot, owner: Person, group_id: int, title: str, participants: list[Person]) -> int:
    async def op(conn: Any) -> int:
        owner_id = await ensure_user(conn, MaxProfile(max_id=owner.user_id, first_name="Иван"))
        ids = []
        for p in participants:
            ids.append(await ensure_user(conn, MaxProfile(max_id=p.user_id, first_name="Анна")))
        event = await create_event(
            conn,
            owner_id,
            EventDraft(
                group_id=group_id,
                title=title,
                schedule=ScheduleDraft(
                    start=(datetime.now(UTC) + timedelta(days=1)).replace(second=0, microsecond=0)
                ),
                participant_ids=ids,
            ),
        )
        return event.id

    event_id: int = _domain(bot.db_url, op)
    return event_id
