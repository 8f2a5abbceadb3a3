"""Every conversation of the bot, tapped through by emulated people: a real `maxhack run`
against the MAX emulator (another process), both driven over HTTP.

One process pair serves the module (distinct MAX user ids per test keep them apart); the
restart test runs its own. Each action waits until the bot has settled every update sent so
far (the inbox table), then the test reads what the person sees.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import redis

from maxhack.bot.conversations import texts
from maxhack.bot.conversations.webapp import decode_startapp
from maxhack.domain import invites, members
from maxhack.domain.events import EventDraft, ScheduleDraft, create_event
from maxhack.domain.groups import GroupDraft, create_group
from maxhack.domain.users import MaxProfile, ensure_user
from maxhack.reminders.answers import answer_keyboard
from tests.conftest import _admin, with_database
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
        [found] = [b for row in message["keyboard"] for b in row if b["text"] == text]
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


@pytest.fixture(scope="module")
def bot(
    service_urls: tuple[str, str], template_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Bot]:
    tmp = tmp_path_factory.mktemp("bot_flows")
    admin_url, base_redis = service_urls
    name = f"maxhack_bf_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(admin_url, f"CREATE DATABASE {name} TEMPLATE {template_database}"))
    db_url = with_database(admin_url, name)
    redis_url = base_redis.rstrip("/0123456789") + f"/{REDIS_DB}"
    redis.Redis.from_url(redis_url).flushdb()
    emulator = EmulatorProcess(tmp / "emulator.log").start()
    pair = Bot(emulator, db_url, _bot_env(emulator, db_url, redis_url, tmp), tmp)
    try:
        pair.start()
        yield pair
    finally:
        pair.stop()
        emulator.stop()
        asyncio.run(_admin(admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


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


# --- first contact, menu, profile ----------------------------------------------------------


def test_first_contact_creates_user_and_personal_group_and_shows_menu(bot: Bot) -> None:
    ivan = person(bot)
    ivan.start()
    user = ivan.db_user()
    [emulated] = [u for u in ivan.emulator.state()["users"] if u["user_id"] == ivan.user_id]
    assert user["dialog_chat_id"] == emulated["chat_id"]
    groups = _sql(
        bot.db_url, "SELECT name, personal_of FROM groups WHERE personal_of = $1", user["id"]
    )
    assert [g["name"] for g in groups] == ["Личная"]
    menu = ivan.window()
    assert "Иван" in menu["text"] and menu["format"] == "html"
    assert any(
        g in menu["text"] for g in ("Доброе утро", "Добрый день", "Добрый вечер", "Доброй ночи")
    )
    assert ivan.buttons() == [texts.BTN_GROUPS, texts.BTN_PROFILE, texts.BTN_WEBAPP]
    webapp = ivan.button(texts.BTN_WEBAPP)
    assert webapp["type"] == "open_app" and decode_startapp(webapp["payload"]) == "/"
    # A second start does not create a second user.
    ivan.text("/start")
    assert len(_sql(bot.db_url, "SELECT id FROM users WHERE max_id = $1", ivan.user_id)) == 1


def test_profile_window_modes_and_label(bot: Bot) -> None:
    ivan = person(bot)
    ivan.start()
    ivan.press(texts.BTN_PROFILE)
    profile = ivan.window()
    assert texts.PROFILE_TITLE in profile["text"] and "Иван Петров" in profile["text"]
    assert "Europe/Moscow (UTC+03:00)" in profile["text"]
    assert ivan.buttons() == [
        texts.BTN_ADD_PHONE,
        texts.BTN_LOCATE,
        texts.BTN_PICK_ZONE,
        texts.BTN_NAMES,
        texts.BTN_NOTIFY_LABEL,
        "🔘 Звук",
        "Тихо",
        "Игнор",
        texts.BTN_MENU,
    ]
    assert decode_startapp(ivan.button(texts.BTN_PICK_ZONE)["payload"]) == "/settings"
    assert decode_startapp(ivan.button(texts.BTN_NAMES)["payload"]) == "/profile"
    assert ivan.button(texts.BTN_LOCATE)["quick"] is True
    ivan.press("Тихо")
    assert ivan.db_user()["notify_mode"] == "SILENT"
    assert "🔘 Тихо" in ivan.buttons()
    ivan.press(texts.BTN_NOTIFY_LABEL)
    assert texts.LABEL_TOAST in ivan.toasts()
    ivan.press(texts.BTN_MENU)
    assert ivan.buttons()[0] == texts.BTN_GROUPS


def test_own_contact_sets_phone_foreign_is_refused_and_phone_removed(bot: Bot) -> None:
    ivan, other = person(bot), person(bot, "Олег")
    ivan.start()
    other.start()
    ivan.contact(foreign=True, owner_user_id=other.user_id, phone="79990000000")
    assert ivan.db_user()["phone"] is None
    assert ivan.messages()[-1]["text"] == texts.FOREIGN_CONTACT
    ivan.contact(phone="79161234567")
    assert ivan.db_user()["phone"] == "+79161234567"
    assert "📱 +79161234567" in ivan.window()["text"]
    assert texts.BTN_REMOVE_PHONE in ivan.buttons()
    ivan.press(texts.BTN_REMOVE_PHONE)
    assert ivan.db_user()["phone"] is None
    assert texts.BTN_ADD_PHONE in ivan.buttons()


def test_location_in_a_half_hour_zone(bot: Bot) -> None:
    ivan = person(bot)
    ivan.start()
    ivan.location(28.61, 77.21)  # New Delhi
    assert ivan.db_user()["time_zone"] == "Asia/Kolkata"
    assert "Asia/Kolkata (UTC+05:30)" in ivan.window()["text"]
    ivan.location(95.0, 0.0)  # off the map: no zone
    assert ivan.messages()[-1]["text"] == texts.LOCATION_UNKNOWN_ZONE
    assert ivan.db_user()["time_zone"] == "Asia/Kolkata"


# --- groups --------------------------------------------------------------------------------


def test_groups_are_paged_by_ten_with_the_pager_row(bot: Bot) -> None:
    ivan = person(bot)
    ivan.start()
    for n in range(24):
        _make_group(bot, ivan, f"Группа {n:02d}")
    ivan.press(texts.BTN_GROUPS)
    first = ivan.buttons()
    assert first[0] == "👑 Личная" and first[9] == "👑 Группа 08"
    assert first[10:15] == ["⏪", "⬅️", "1", "➡️", "⏩"]
    assert first[15:] == [texts.BTN_EXPORT_ALL, texts.BTN_MENU]
    ivan.press("➡️")
    assert ivan.buttons()[0] == "👑 Группа 09" and "2" in ivan.buttons()
    ivan.press("⏩")
    last = ivan.buttons()
    assert last[:5] == [f"👑 Группа {n}" for n in range(19, 24)]
    assert last[5:10] == ["⏪", "⬅️", "3", "➡️", "⏩"]


def test_group_window_for_owner_invite_recreate_revoke_and_radio(bot: Bot) -> None:
    owner = person(bot)
    owner.start()
    group_id, key = _make_group(bot, owner, "Смена")
    owner.press(texts.BTN_GROUPS)
    owner.press("👑 Смена")
    window = owner.window()
    assert "Группа Смена 👫" in window["text"] and "👑 Босс" in window["text"]
    assert f"?start=invite_{key}" in window["text"]
    assert (
        decode_startapp(owner.button(texts.BTN_TO_WEBAPP_GROUP)["payload"]) == f"/groups/{group_id}"
    )
    assert {
        texts.BTN_RECREATE_INVITE,
        texts.BTN_REVOKE_INVITE,
        texts.BTN_EXPORT_GROUP,
        texts.BTN_EXPORT_MINE,
        texts.BTN_WHO_IS_COMING,
    } <= set(owner.buttons())
    assert texts.BTN_LEAVE not in owner.buttons()  # the owner transfers first
    owner.press(texts.BTN_RECREATE_INVITE)
    [new] = _sql(
        bot.db_url, "SELECT key FROM invites WHERE group_id = $1 AND deleted_at IS NULL", group_id
    )
    assert new["key"] != key and f"invite_{new['key']}" in owner.window()["text"]
    owner.press(texts.BTN_REVOKE_INVITE)
    assert "Приглашение:" not in owner.window()["text"]
    assert texts.BTN_REVOKE_INVITE not in owner.buttons()
    owner.press("Игнор")
    [membership] = _sql(
        bot.db_url, "SELECT notify_mode FROM memberships WHERE group_id = $1", group_id
    )
    assert membership["notify_mode"] == "DISABLE" and "🔘 Игнор" in owner.buttons()


# --- invites -------------------------------------------------------------------------------


def test_invite_flow_new_member_kicked_and_revoked(bot: Bot) -> None:
    owner, anna = person(bot), person(bot, "Анна")
    owner.start()
    group_id, key = _make_group(bot, owner, "Хор")
    anna.start(f"invite_{key}")
    assert anna.window()["text"] == "👫 Тебя приглашают в группу Хор"
    assert anna.buttons() == [texts.BTN_ACCEPT, texts.BTN_DECLINE, texts.BTN_GROUPS, texts.BTN_MENU]
    anna.press(texts.BTN_ACCEPT)
    assert "Группа Хор 👫" in anna.window()["text"] and "Участник" in anna.window()["text"]
    assert texts.BTN_LEAVE in anna.buttons() and texts.BTN_RECREATE_INVITE not in anna.buttons()
    # Already a member: the link opens the group, its radio preset from the membership.
    _sql(
        bot.db_url,
        "UPDATE memberships SET notify_mode = 'SILENT' WHERE group_id = $1 AND role_id = 3",
        group_id,
    )
    anna.start(f"invite_{key}")
    assert "Группа Хор 👫" in anna.window()["text"] and "🔘 Тихо" in anna.buttons()
    # Kicked: the same link lets her back in.
    owner_id = owner.db_user()["id"]
    _domain(bot.db_url, members.kick_member, owner_id, group_id, anna.db_user()["id"])
    anna.start(f"invite_{key}")
    assert anna.window()["text"] == "👫 Тебя приглашают в группу Хор"
    anna.press(texts.BTN_ACCEPT)
    assert "Группа Хор 👫" in anna.window()["text"]
    # Leaving asks first.
    anna.press(texts.BTN_LEAVE)
    anna.press(texts.BTN_LEAVE_YES)
    assert texts.LEFT_GROUP_TOAST in anna.toasts() and anna.window()["text"] == texts.GROUPS_TITLE
    # Revoked: explained, then the menu.
    _domain(bot.db_url, invites.revoke_invite, owner_id, group_id)
    anna.start(f"invite_{key}")
    texts_seen = [m["text"] for m in anna.messages()[-2:]]
    assert texts_seen[0] == texts.INVITE_NOT_FOUND and texts.BTN_GROUPS in anna.buttons()
    anna.start("invite_nosuchkey")
    assert anna.messages()[-2]["text"] == texts.INVITE_NOT_FOUND


def test_join_decline_and_accept_after_the_invite_was_revoked(bot: Bot) -> None:
    owner, olga = person(bot), person(bot, "Ольга")
    owner.start()
    group_id, key = _make_group(bot, owner, "Клуб")
    olga.start(f"invite_{key}")
    olga.press(texts.BTN_DECLINE)
    assert texts.DECLINED_TOAST in olga.toasts() and olga.buttons()[0] == texts.BTN_GROUPS
    olga.start(f"invite_{key}")
    _domain(bot.db_url, invites.revoke_invite, owner.db_user()["id"], group_id)
    olga.press(texts.BTN_ACCEPT)
    assert (
        "Не получилось вступить в группу: Приглашение недействительно или отозвано"
        in olga.window()["text"]
    )
    # A join window whose dialog state expired (30-day TTL) says so instead of acting.
    _, fresh_key = _make_group(bot, owner, "Клуб 2")
    olga.start(f"invite_{fresh_key}")
    client = redis.Redis.from_url(bot.env["REDIS_URL"])
    [state_key] = client.keys(f"maxhack:dialog:*:{olga.user_id}")
    assert client.ttl(state_key) > 29 * 24 * 3600
    client.delete(state_key)
    client.close()
    olga.press(texts.BTN_ACCEPT)
    assert olga.window()["text"] == texts.JOIN_STALE


# --- ICS -----------------------------------------------------------------------------------


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


def test_ics_export_file_and_its_text_fallback(bot: Bot) -> None:
    owner = person(bot)
    owner.start()
    group_id, _ = _make_group(bot, owner, "Бег")
    _event(bot, owner, group_id, "Пробежка", [])
    owner.press(texts.BTN_GROUPS)
    owner.press("👑 Бег")
    owner.press(texts.BTN_EXPORT_GROUP)
    file_message = owner.messages()[-2]
    assert file_message["text"] == "📆 Все события в группе Бег"
    [attachment] = file_message["attachments"]
    assert attachment["type"] == "file" and attachment["filename"].startswith(
        f"group{group_id}_events_"
    )
    assert "Группа Бег 👫" in owner.window()["text"]  # the window is re-sent below the file
    fault = {
        "kind": "status",
        "method": "POST",
        "path": "/uploads",
        "status": 400,
        "code": "upload.forbidden",
        "message": "File extension is forbidden",
        "count": 1,
    }
    owner.emulator.control("POST", "/faults", fault)
    owner.press(texts.BTN_EXPORT_GROUP)
    fallback = owner.messages()[-2]
    assert "File extension is forbidden" in fallback["text"] and "Пробежка" in fallback["text"]
    [button] = [b for row in fallback["keyboard"] for b in row]
    assert (
        button["type"] == "open_app" and decode_startapp(button["payload"]) == f"/groups/{group_id}"
    )
    assert "Группа Бег 👫" in owner.window()["text"]


# --- stale, forged, flood ------------------------------------------------------------------


def _bot_sends(bot: Bot, person: Person, text: str, buttons: list[list[dict[str, Any]]]) -> str:
    """A message straight through the Bot API (an older bot version's window, a reminder)."""
    body = {
        "text": text,
        "format": "html",
        "attachments": [{"type": "inline_keyboard", "payload": {"buttons": buttons}}],
    }
    response = httpx.post(
        f"{bot.emulator.url}/messages",
        params={"chat_id": person.db_user()["dialog_chat_id"]},
        json=body,
        headers={"Authorization": bot.emulator.token},
    )
    assert response.status_code == 200, response.text
    mid: str = response.json()["message"]["body"]["mid"]
    return mid


def test_stale_and_forged_callbacks_get_a_friendly_answer_and_a_fresh_menu(bot: Bot) -> None:
    ivan = person(bot)
    ivan.start()
    forged = ["b0:menu", "b1:g:abc", "b1:nope", "respond:1:OK", "x" * 900, "b1:gl:1:2"]
    buttons = [
        [{"type": "callback", "text": f"old {n}", "payload": p}] for n, p in enumerate(forged)
    ]
    mid = _bot_sends(bot, ivan, "старое окно", buttons)
    for n in range(len(forged)):
        before = len(ivan.messages())
        ivan.press(f"old {n}", {"mid": mid})
        assert ivan.toasts()[-1] == texts.STALE_TOAST
        assert len(ivan.messages()) == before + 1
        assert ivan.buttons()[0] == texts.BTN_GROUPS
    # An answer button for an event that does not exist: told why, nothing recorded.
    mid = _bot_sends(
        bot,
        ivan,
        "напоминание",
        [[{"type": "callback", "text": "ok", "payload": "a1:999999:2:OK"}]],
    )
    ivan.press("ok", {"mid": mid})
    assert ivan.toasts()[-1].startswith("😵‍💫 Ответ не записан")
    [row] = _sql(bot.db_url, "SELECT count(*) AS failed FROM bot_updates WHERE status = 'failed'")
    assert row["failed"] == 0


def test_flood_is_slowed_then_refused_with_an_explanation(bot: Bot) -> None:
    ivan = person(bot)
    ivan.start()
    before = len(ivan.messages())
    for n in range(40):
        ivan.emulator.send_text(ivan.user_id, f"спам {n}")
    ivan.bot.settle()
    new = [m["text"] for m in ivan.messages()[before:]]
    answered = new.count(texts.FALLBACK)
    refused = new.count(texts.FLOOD)
    assert answered + refused == 40  # every message got an answer: nothing silently dropped
    assert refused >= 1 and answered >= 10


# --- reminder answers, who is coming ---------------------------------------------------------


def test_reminder_answer_is_recorded_changed_and_shown(bot: Bot) -> None:
    owner, anna = person(bot), person(bot, "Анна")
    owner.start()
    anna.start()
    group_id, key = _make_group(bot, owner, "Репетиция")
    anna.start(f"invite_{key}")
    anna.press(texts.BTN_ACCEPT)
    event_id = _event(bot, owner, group_id, "Прогон", [anna])
    [event] = _sql(bot.db_url, "SELECT starts_at FROM events WHERE id = $1", event_id)
    keyboard = answer_keyboard(event_id, event["starts_at"])
    mid = _bot_sends(bot, anna, "🔔 <b>Прогон</b>", keyboard.to_json_dict()["buttons"])
    reminder = {"mid": mid}
    anna.press("✅ Буду", reminder)
    anna.press("🔘 ✅ Буду", reminder)  # twice: idempotent
    [answer] = _sql(bot.db_url, "SELECT status FROM answers WHERE event_id = $1", event_id)
    assert answer["status"] == "OK"
    assert anna.toasts()[-2:] == ["Отклик записан: Буду 👍"] * 2
    shown = next(m for m in anna.messages() if m["mid"] == reminder["mid"])
    assert shown["text"] == "🔔 <b>Прогон</b>"
    assert [b["text"] for row in shown["keyboard"] for b in row] == [
        "🔘 ✅ Буду",
        "🤷 Не уверен",
        "❌ Не смогу",
    ]
    anna.press("❌ Не смогу", shown)
    [answer] = _sql(bot.db_url, "SELECT status FROM answers WHERE event_id = $1", event_id)
    assert answer["status"] == "NO" and anna.toasts()[-1] == "Отклик записан: Не буду 👎"
    # The organiser sees it in "who is coming".
    owner.press(texts.BTN_GROUPS)
    owner.press("👑 Репетиция")
    owner.press(texts.BTN_WHO_IS_COMING)
    owner.press("🗓 Прогон")
    who = owner.window()["text"]
    assert "🙋 Кто придёт: Прогон" in who and "❌ Не смогу (1): Анна Петров" in who
    # Someone who is not a recipient (the owner) cannot answer it.
    forged = _bot_sends(bot, owner, "🔔 <b>Прогон</b>", keyboard.to_json_dict()["buttons"])
    owner.press("✅ Буду", {"mid": forged})
    assert owner.toasts()[-1] == (
        "😵‍💫 Ответ не записан: Ответить может только получатель напоминаний этого события"
    )
    assert len(_sql(bot.db_url, "SELECT 1 FROM answers WHERE event_id = $1", event_id)) == 1


def test_dialog_state_survives_a_restart(bot: Bot) -> None:
    owner, vera = person(bot), person(bot, "Вера")
    owner.start()
    _, key = _make_group(bot, owner, "Йога")
    vera.start(f"invite_{key}")
    bot.stop()
    bot.start("bot_after_restart")
    vera.press(texts.BTN_ACCEPT)
    assert "Группа Йога 👫" in vera.window()["text"]
