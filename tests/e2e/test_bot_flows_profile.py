"""The bot's first contact, menu and profile, tapped through by emulated people: a real
`maxhack run` against the MAX emulator (another process), both driven over HTTP.

One process pair (the `bot` fixture, tests/e2e/conftest.py) serves the module; distinct MAX user
ids per test keep them apart.
"""

from __future__ import annotations

from maxhack.bot.conversations import texts
from maxhack.bot.conversations.webapp import decode_startapp
from tests.e2e.bot_flow_support import Bot, _sql, person

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
