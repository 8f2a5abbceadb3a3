"""The bot's answers to stale, forged and flooding input, reminder answers and a restart,
tapped through by emulated people: a real `maxhack run` against the MAX emulator (another
process), both driven over HTTP.

One process pair (the `bot` fixture, tests/e2e/conftest.py) serves the module; distinct MAX user
ids per test keep them apart. The restart test stops and restarts the module's bot process.
"""

from __future__ import annotations

from typing import Any

import httpx

from maxhack.bot.conversations import texts
from maxhack.reminders.answers import answer_keyboard
from tests.e2e.bot_flow_support import Bot, Person, _event, _make_group, _sql, person

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
