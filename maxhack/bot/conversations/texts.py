"""Every user-facing text of the bot (Russian), kept from the original where it gave one.

New texts (explanations of failures, flood control, "who is coming") follow the same voice:
short, informal «ты», one emoji. Names and titles are user text: windows escape them (HTML).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from maxhack.domain.models import NotifyMode, Role
from maxhack.domain.zones import local_time, utc_offset_minutes

# --- main menu -------------------------------------------------------------------------------
MORNING: Final = "Доброе утро ☀️"
DAY: Final = "Добрый день 🌤️"
EVENING: Final = "Добрый вечер 🌅"
NIGHT: Final = "Доброй ночи 🌙"
BTN_GROUPS: Final = "👫 Группы"
BTN_PROFILE: Final = "👤 Профиль"
BTN_WEBAPP: Final = "🖼️ Вебапп"
BTN_MENU: Final = "🏠 Меню"

# --- profile ---------------------------------------------------------------------------------
PROFILE_TITLE: Final = "Профиль 👤"
BTN_ADD_PHONE: Final = "📞 Добавить телефон"
BTN_REMOVE_PHONE: Final = "🗑️ Удалить телефон"
BTN_LOCATE: Final = "📍 Определить часовой пояс"
BTN_PICK_ZONE: Final = "🌐 Выбрать часовой пояс"
BTN_NAMES: Final = "🪪 Изменить имя-фамилию"
BTN_NOTIFY_LABEL: Final = "🔔 Режим уведомлений:"
LABEL_TOAST: Final = "🤫🧏"
RADIO_MARK: Final = "🔘 "
MODE_LABELS: Final = {
    NotifyMode.DEFAULT: "Звук",
    NotifyMode.SILENT: "Тихо",
    NotifyMode.DISABLE: "Игнор",
}
FOREIGN_CONTACT: Final = (
    "🙅 Это не твой контакт: телефон можно взять только из твоего собственного — "
    "нажми «📞 Добавить телефон»."
)
CONTACT_WITHOUT_PHONE: Final = "🙅 В этом контакте нет номера телефона, поэтому сохранить нечего."
LOCATION_UNKNOWN_ZONE: Final = (
    "🌊 Не смог определить часовой пояс по этой точке — похоже, координаты неверные; "
    "выбери пояс вручную кнопкой «🌐 Выбрать часовой пояс»."
)

# --- groups ----------------------------------------------------------------------------------
GROUPS_TITLE: Final = "Твои группы 👫"
BTN_EXPORT_ALL: Final = "📆 Выгрузить все события"
PAGER_FIRST: Final = "⏪"
PAGER_PREV: Final = "⬅️"
PAGER_NEXT: Final = "➡️"
PAGER_LAST: Final = "⏩"
ROLE_EMOJI: Final = {Role.OWNER: "👑", Role.ADMIN: "🧑‍💻", Role.MEMBER: "👷‍♂️"}
BTN_TO_WEBAPP_GROUP: Final = "⬆️ В группу"
BTN_RECREATE_INVITE: Final = "Пересоздать приглашение 🎫"
BTN_REVOKE_INVITE: Final = "Удалить приглашение 🚮"
BTN_EXPORT_GROUP: Final = "📆 Выгрузить события группы"
BTN_EXPORT_MINE: Final = "📆 Выгрузить мои события"
BTN_WHO_IS_COMING: Final = "🙋 Кто придёт"
BTN_LEAVE: Final = "🚪 Покинуть группу"
LEAVE_ASK: Final = "🚪 Точно выйти из группы {name}? Напоминания её событий перестанут приходить."
BTN_LEAVE_YES: Final = "✅ Да, выйти"
BTN_LEAVE_NO: Final = "↩️ Нет, остаться"
BTN_BACK_TO_GROUPS: Final = "Твои группы ⏮️"
INVITE_REVOKED_TOAST: Final = "Приглашение удалено 🚮"
INVITE_RECREATED_TOAST: Final = "Новое приглашение готово 🎫"
LEFT_GROUP_TOAST: Final = "Ты вышел из группы 🚪"
SAVED_TOAST: Final = "Сохранено ✅"

# --- exports ---------------------------------------------------------------------------------
EXPORT_ALL_CAPTION: Final = "Все твои события во всех группах 📆"
EXPORT_GROUP_CAPTION: Final = "📆 Все события в группе {name}"
EXPORT_MINE_CAPTION: Final = "Все твои события в группе {name} 📆"
EXPORT_TOAST: Final = "📆 Готовлю файл…"
EXPORT_REFUSED: Final = (
    "📄 MAX не принял файл календаря ({reason}), поэтому вот события текстом — "
    "а все подробности в приложении:"
)
EXPORT_EMPTY: Final = "Событий пока нет."
BTN_OPEN_EVENTS: Final = "🗓 Открыть в приложении"

# --- join ------------------------------------------------------------------------------------
JOIN_TITLE: Final = "👫 Тебя приглашают в группу {name}"
BTN_ACCEPT: Final = "✅ Принять приглашение"
BTN_DECLINE: Final = "❌ Отказаться"
INVITE_NOT_FOUND: Final = (
    "😵‍💫 Не нашёл такое приглашение... Возможно, его удалили или пересоздали — "
    "попроси новую ссылку."
)
JOIN_FAILED: Final = "😵‍💫 Не получилось вступить в группу: {reason}."
JOIN_STALE: Final = (
    "⌛ Это приглашение уже не открыто в диалоге — перейди по ссылке-приглашению ещё раз."
)
JOINED_TOAST: Final = "Добро пожаловать в группу 👋"
DECLINED_TOAST: Final = "Приглашение отклонено"

# --- who is coming ---------------------------------------------------------------------------
WHO_PICK: Final = "🙋 Кто придёт — выбери событие группы {name}"
WHO_NO_EVENTS: Final = "🙋 В группе {name} пока нет событий."
WHO_TITLE: Final = "🙋 Кто придёт: {title}"
WHO_NO_NEXT: Final = "У события больше нет повторений."
WHO_HEADINGS: Final = {
    "OK": "✅ Буду",
    "MAYBE": "🤷 Не уверен",
    "NO": "❌ Не смогу",
    None: "— Нет ответа",
}
BTN_BACK_TO_GROUP: Final = "⏮️ К группе"

# --- errors ----------------------------------------------------------------------------------
FALLBACK: Final = "🤔"
UNKNOWN_ERROR: Final = "😵‍💫 Произошла неизвестная ошибка..."
FIX_HINT: Final = "Чтобы всё заработало, напиши /start"
REASON: Final = "Возможная причина: {reason}"
INTERNAL_REASON: Final = "сбой на нашей стороне, мы уже записали его в журнал"
MAX_UNAVAILABLE_REASON: Final = "MAX сейчас не отвечает, попробуй через минуту"
STALE_TOAST: Final = "😵‍💫 Эта кнопка устарела — открываю свежее меню"
FLOOD: Final = "⏳ Слишком часто: подожди пару секунд и повтори."
ANSWER_FAILED_TOAST: Final = "😵‍💫 Ответ не записан: {reason}"
ANSWER_STALE_TOAST: Final = "😵‍💫 Эта кнопка устарела — дождись следующего напоминания"


def greeting_for_hour(hour: int) -> str:
    """5–11 morning, 12–16 day, 17–22 evening, otherwise night (hour 16 is day: the
    original left it out and greeted «Доброй ночи» at four in the afternoon)."""
    if 5 <= hour <= 11:
        return MORNING
    if 12 <= hour <= 16:
        return DAY
    if 17 <= hour <= 22:
        return EVENING
    return NIGHT


def greeting(now: datetime, zone: str) -> str:
    """The greeting for the wall-clock hour in ``zone`` (half-hour zones included)."""
    return greeting_for_hour(local_time(now, zone).hour)


def zone_label(zone: str, now: datetime) -> str:
    """«Asia/Kolkata (UTC+05:30)»: the zone with its current offset."""
    minutes = utc_offset_minutes(zone, now)
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"{zone} (UTC{sign}{hours:02d}:{rest:02d})"


def error_text(reason: str | None) -> str:
    """The error window: what happened, why (one sentence), how to recover."""
    lines = [UNKNOWN_ERROR]
    if reason:
        lines.append(REASON.format(reason=reason))
    lines.append(FIX_HINT)
    return "\n".join(lines)
