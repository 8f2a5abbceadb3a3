"""The bot's group windows, invites and ICS export, tapped through by emulated people: a real
`maxhack run` against the MAX emulator (another process), both driven over HTTP.

One process pair (the `bot` fixture, tests/e2e/conftest.py) serves the module; distinct MAX user
ids per test keep them apart.
"""

from __future__ import annotations

import redis

from maxhack.bot.conversations import texts
from maxhack.bot.conversations.webapp import decode_startapp
from maxhack.domain import invites, members
from tests.e2e.bot_flow_support import Bot, _domain, _event, _make_group, _sql, person

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
