"""Pure window builders: data in, (text, keyboard) out — every window of the bot.

Texts are HTML (names and titles escaped). Layout follows the original: one button per row
except the notify radio and the pager; ``open_app`` buttons carry the WebApp path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Final

from maxhack.bot.conversations import texts
from maxhack.bot.conversations.callbacks import Op, encode
from maxhack.bot.conversations.webapp import app_button, invite_link
from maxhack.domain.answers import OccurrencesView
from maxhack.domain.groups import MyGroup
from maxhack.domain.models import NotifyMode, Role, User
from maxhack.domain.permissions import Access
from maxhack.max.models import (
    BUTTON_TEXT_MAX_CHARS,
    Button,
    CallbackButton,
    Keyboard,
    NewMessageBody,
    RequestContactButton,
    RequestGeoLocationButton,
)
from maxhack.reminders.texts import format_when

PAGE_SIZE: Final = 10
WHO_EVENTS_MAX: Final = 20


@dataclass(frozen=True)
class Window:
    text: str
    keyboard: Keyboard

    def body(self) -> NewMessageBody:
        return NewMessageBody.with_keyboard(self.text, self.keyboard, format="html")


def _button(text: str, op: Op, *args: int | NotifyMode) -> CallbackButton:
    if len(text) > BUTTON_TEXT_MAX_CHARS:
        text = text[: BUTTON_TEXT_MAX_CHARS - 1] + "…"
    return CallbackButton(text=text, payload=encode(op, *args))


def _menu_row() -> list[Button]:
    return [_button(texts.BTN_MENU, Op.MENU)]


def _radio(current: NotifyMode, op: Op, *ids: int) -> list[list[Button]]:
    row: list[Button] = []
    for mode, label in texts.MODE_LABELS.items():
        shown = texts.RADIO_MARK + label if mode is current else label
        row.append(_button(shown, op, *ids, mode))
    return [[_button(texts.BTN_NOTIFY_LABEL, Op.LABEL)], row]


def menu(user: User, now: datetime, bot_username: str | None) -> Window:
    greeting = texts.greeting(now, user.time_zone)
    phrase, _, emoji = greeting.rpartition(" ")
    text = f"<b>{phrase}, {escape(user.first_name)} {emoji}</b>"
    rows: list[list[Button]] = [
        [_button(texts.BTN_GROUPS, Op.GROUPS, 0)],
        [_button(texts.BTN_PROFILE, Op.PROFILE)],
        [app_button(texts.BTN_WEBAPP, "/", bot_username)],
    ]
    return Window(text, Keyboard(buttons=rows))


def profile(user: User, now: datetime, bot_username: str | None) -> Window:
    name = " ".join(part for part in (user.first_name, user.last_name) if part)
    lines = [texts.PROFILE_TITLE, f"Я знаю тебя как {escape(name)}"]
    if user.phone:
        lines.append(f"📱 {escape(user.phone)}")
    lines.append(f"🌍 {texts.zone_label(user.time_zone, now)}")
    phone_button: Button = (
        _button(texts.BTN_REMOVE_PHONE, Op.REMOVE_PHONE)
        if user.phone
        else RequestContactButton(text=texts.BTN_ADD_PHONE)
    )
    rows: list[list[Button]] = [
        [phone_button],
        [RequestGeoLocationButton(text=texts.BTN_LOCATE, quick=True)],
        [app_button(texts.BTN_PICK_ZONE, "/settings", bot_username)],
        [app_button(texts.BTN_NAMES, "/profile", bot_username)],
        *_radio(user.notify_mode, Op.PROFILE_MODE),
        _menu_row(),
    ]
    return Window("\n".join(lines), Keyboard(buttons=rows))


def page_count(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def clamp_page(page: int, total: int) -> int:
    return min(max(page, 0), page_count(total) - 1)


def pager(page: int, pages: int) -> list[Button]:
    """«⏪ ⬅️ N ➡️ ⏩» (0-based ``page``, shown 1-based); callers skip it for one page."""
    return [
        _button(texts.PAGER_FIRST, Op.GROUPS, 0),
        _button(texts.PAGER_PREV, Op.GROUPS, max(page - 1, 0)),
        _button(str(page + 1), Op.GROUPS, page),
        _button(texts.PAGER_NEXT, Op.GROUPS, min(page + 1, pages - 1)),
        _button(texts.PAGER_LAST, Op.GROUPS, pages - 1),
    ]


def groups(items: Sequence[MyGroup], page: int) -> Window:
    """Groups in join order, ``PAGE_SIZE`` per page; the pager only with several pages."""
    page = clamp_page(page, len(items))
    pages = page_count(len(items))
    rows: list[list[Button]] = [
        [
            _button(
                f"{texts.ROLE_EMOJI[item.membership.role]} {item.group.name}",
                Op.GROUP,
                item.group.id,
            )
        ]
        for item in items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    ]
    if pages > 1:
        rows.append(pager(page, pages))
    rows.append([_button(texts.BTN_EXPORT_ALL, Op.EXPORT_ALL)])
    rows.append(_menu_row())
    return Window(texts.GROUPS_TITLE, Keyboard(buttons=rows))


def group(access: Access, invite_key: str | None, bot_username: str | None) -> Window:
    g = access.group
    manages = access.role.manages
    lines = [f"Группа {escape(g.name)} 👫"]
    lines.append(f"Твоя роль: {texts.ROLE_EMOJI[access.role]} {access.role.label}")
    if manages and invite_key is not None:
        lines.append(f"Приглашение: {escape(invite_link(bot_username, invite_key))}")
    rows: list[list[Button]] = [
        [app_button(texts.BTN_TO_WEBAPP_GROUP, f"/groups/{g.id}", bot_username)]
    ]
    if manages and not g.is_personal:
        rows.append([_button(texts.BTN_RECREATE_INVITE, Op.RECREATE_INVITE, g.id)])
        if invite_key is not None:
            rows.append([_button(texts.BTN_REVOKE_INVITE, Op.REVOKE_INVITE, g.id)])
    if manages or g.is_personal:
        rows.append([_button(texts.BTN_EXPORT_GROUP, Op.EXPORT_GROUP, g.id)])
    if not g.is_personal:
        rows.append([_button(texts.BTN_EXPORT_MINE, Op.EXPORT_MINE, g.id)])
    if manages:
        rows.append([_button(texts.BTN_WHO_IS_COMING, Op.WHO_EVENTS, g.id)])
    rows.extend(_radio(access.notify_mode, Op.GROUP_MODE, g.id))
    if not g.is_personal and access.role is not Role.OWNER:
        rows.append([_button(texts.BTN_LEAVE, Op.LEAVE_ASK, g.id)])
    rows.append([_button(texts.BTN_BACK_TO_GROUPS, Op.GROUPS, 0)])
    rows.append(_menu_row())
    return Window("\n".join(lines), Keyboard(buttons=rows))


def leave_confirm(access: Access) -> Window:
    text = texts.LEAVE_ASK.format(name=escape(access.group.name))
    rows: list[list[Button]] = [
        [_button(texts.BTN_LEAVE_YES, Op.LEAVE, access.group.id)],
        [_button(texts.BTN_LEAVE_NO, Op.GROUP, access.group.id)],
    ]
    return Window(text, Keyboard(buttons=rows))


def join(group_id: int, name: str) -> Window:
    rows: list[list[Button]] = [
        [_button(texts.BTN_ACCEPT, Op.JOIN_ACCEPT, group_id)],
        [_button(texts.BTN_DECLINE, Op.JOIN_DECLINE, group_id)],
        [_button(texts.BTN_GROUPS, Op.GROUPS, 0)],
        _menu_row(),
    ]
    return Window(texts.JOIN_TITLE.format(name=escape(name)), Keyboard(buttons=rows))


def who_events(access: Access, events: Sequence[tuple[int, str]]) -> Window:
    name = escape(access.group.name)
    rows: list[list[Button]] = [
        [_button(f"🗓 {title}", Op.WHO_EVENT, event_id)]
        for event_id, title in events[:WHO_EVENTS_MAX]
    ]
    rows.append([_button(texts.BTN_BACK_TO_GROUP, Op.GROUP, access.group.id)])
    rows.append(_menu_row())
    text = texts.WHO_PICK if events else texts.WHO_NO_EVENTS
    return Window(text.format(name=name), Keyboard(buttons=rows))


def who_is_coming(view: OccurrencesView, zone: str) -> Window:
    """Attendance of the next occurrence, grouped by answer (organisers only)."""
    lines = [texts.WHO_TITLE.format(title=escape(view.event.title))]
    if not view.occurrences:
        lines.append(texts.WHO_NO_NEXT)
    else:
        occurrence = view.occurrences[0]
        lines.append(f"🗓 {format_when(occurrence.starts_at, zone)}")
        by_status: dict[str | None, list[str]] = {key: [] for key in texts.WHO_HEADINGS}
        for attendance in occurrence.attendance or ():
            member = attendance.member
            full = " ".join(p for p in (member.first_name, member.last_name) if p)
            status = str(attendance.status) if attendance.status is not None else None
            by_status[status].append(escape(full))
        for key, heading in texts.WHO_HEADINGS.items():
            names = by_status[key]
            lines.append(f"{heading} ({len(names)}): {', '.join(names) if names else '—'}")
    rows: list[list[Button]] = [
        [_button(texts.BTN_BACK_TO_GROUP, Op.GROUP, view.event.group_id)],
        _menu_row(),
    ]
    return Window("\n".join(lines), Keyboard(buttons=rows))


def error(reason: str | None) -> Window:
    return Window(
        texts.error_text(escape(reason) if reason else None), Keyboard(buttons=[_menu_row()])
    )


def notice(text: str) -> Window:
    """A one-sentence explanation with the way back to the menu."""
    return Window(text, Keyboard(buttons=[_menu_row()]))
