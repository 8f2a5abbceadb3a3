"""The flows of the original's §8, fixed: what each message, start and button press does.

Every flow takes a :class:`Turn` whose user was already upserted by the pipeline. Domain
errors propagate to the pipeline, which explains them to the user in one sentence; flows
only catch the ones they explain in their own words (join, answers, refused files).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from functools import cache
from html import escape
from typing import Final

import trio
from timezonefinder import TimezoneFinder

from maxhack.bot.conversations import queries, texts, windows
from maxhack.bot.conversations.callbacks import Op, Press
from maxhack.bot.conversations.queries import GroupView, InviteLookup
from maxhack.bot.conversations.turn import Turn
from maxhack.bot.conversations.webapp import app_button
from maxhack.bridge import run_aio
from maxhack.domain.errors import DomainError, Forbidden
from maxhack.domain.event_queries import EventItem
from maxhack.domain.ics_export import build_calendar
from maxhack.domain.models import AnswerStatus
from maxhack.domain.occurrences import next_occurrence
from maxhack.domain.users import UserUpdate
from maxhack.domain.zones import validate_zone
from maxhack.max.errors import MaxApiError
from maxhack.max.models import (
    Button,
    CallbackButton,
    ContactAttachment,
    InlineKeyboardAttachmentRequest,
    Keyboard,
    LocationAttachment,
    Message,
    NewMessageBody,
)
from maxhack.reminders import answers as reminder_answers
from maxhack.reminders.texts import format_when

log = logging.getLogger(__name__)

INVITE_PREFIX: Final = "invite_"
INVITE_KEY_MAX: Final = 64
PHONE_MAX_DIGITS: Final = 20
EXPORT_TEXT_MAX_EVENTS: Final = 20


# --- menu, start, fallback -------------------------------------------------------------------


async def show_menu(turn: Turn, *, new: bool = False) -> None:
    window = windows.menu(turn.me, turn.now, turn.bot_username)
    await (turn.show_new(window) if new else turn.show(window))


async def start(turn: Turn, payload: str | None) -> None:
    """/start or bot_started: a deep link's invite, otherwise the main menu."""
    if payload and payload.startswith(INVITE_PREFIX):
        await open_invite(turn, payload[len(INVITE_PREFIX) :])
        return
    await show_menu(turn, new=True)


async def fallback(turn: Turn) -> None:
    await turn.send_text(texts.FALLBACK)
    await show_menu(turn, new=True)


async def message(turn: Turn, msg: Message) -> None:
    text = (msg.body.text or "").strip()
    if text == "/start" or text.startswith("/start "):
        await start(turn, text[len("/start") :].strip() or None)
        return
    contacts = msg.body.attachments_of(ContactAttachment)
    if contacts:
        await contact(turn, contacts[0])
        return
    locations = msg.body.attachments_of(LocationAttachment)
    if locations:
        await location(turn, locations[0])
        return
    await fallback(turn)


# --- profile ---------------------------------------------------------------------------------


async def show_profile(turn: Turn, *, new: bool = False, toast: str | None = None) -> None:
    window = windows.profile(turn.me, turn.now, turn.bot_username)
    await (turn.show_new(window, toast=toast) if new else turn.show(window, toast=toast))


async def _update_me(turn: Turn, update: UserUpdate) -> None:
    turn.user = await run_aio(queries.update_profile, turn.stores, turn.me.id, update)


async def contact(turn: Turn, attachment: ContactAttachment) -> None:
    """Only the sender's own contact (no MAX owner, or the sender) with a phone is saved."""
    payload = attachment.payload
    if payload.max_info is not None and payload.max_info.user_id != turn.max_id:
        await turn.send_text(texts.FOREIGN_CONTACT)
        return
    digits = "".join(ch for ch in (payload.vcf_phone or "") if ch.isdigit())
    if not digits or len(digits) > PHONE_MAX_DIGITS:
        await turn.send_text(texts.CONTACT_WITHOUT_PHONE)
        return
    await _update_me(turn, UserUpdate(phone="+" + digits))
    await show_profile(turn, new=True)


@cache
def _zone_finder() -> TimezoneFinder:
    return TimezoneFinder()


def zone_at(latitude: float, longitude: float) -> str | None:
    """The IANA zone at a point (offline boundary data); ``None`` at sea or off the map."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return _zone_finder().timezone_at(lng=longitude, lat=latitude)


async def location(turn: Turn, attachment: LocationAttachment) -> None:
    # The boundary data loads once (~0.5 s) and lookups are CPU work: keep them off the loop.
    zone = await trio.to_thread.run_sync(zone_at, attachment.latitude, attachment.longitude)
    if zone is None:
        await turn.send_text(texts.LOCATION_UNKNOWN_ZONE)
        return
    await _update_me(turn, UserUpdate(time_zone=validate_zone(zone)))
    await show_profile(turn, new=True)


# --- groups ----------------------------------------------------------------------------------


async def show_groups(turn: Turn, page: int, *, new: bool = False) -> None:
    items = await run_aio(queries.my_groups, turn.stores, turn.me.id)
    window = windows.groups(items, page)
    await (turn.show_new(window) if new else turn.show(window))


async def show_group(
    turn: Turn, view: GroupView, *, new: bool = False, toast: str | None = None
) -> None:
    window = windows.group(view.access, view.invite_key, turn.bot_username)
    await (turn.show_new(window, toast=toast) if new else turn.show(window, toast=toast))


async def open_group(turn: Turn, group_id: int) -> None:
    await show_group(turn, await run_aio(queries.group_view, turn.stores, turn.me.id, group_id))


async def leave(turn: Turn, group_id: int) -> None:
    items = await run_aio(queries.leave, turn.stores, turn.me.id, group_id)
    await turn.show(windows.groups(items, 0), toast=texts.LEFT_GROUP_TOAST)


async def leave_ask(turn: Turn, group_id: int) -> None:
    view = await run_aio(queries.group_view, turn.stores, turn.me.id, group_id)
    await turn.show(windows.leave_confirm(view.access))


# --- invites and joining -----------------------------------------------------------------


async def open_invite(turn: Turn, key: str) -> None:
    if not key or len(key) > INVITE_KEY_MAX:
        found: InviteLookup | GroupView = InviteLookup(None, None, False)
    else:
        assert turn.chat_id is not None
        found = await run_aio(
            queries.open_invite, turn.stores, turn.me.id, turn.chat_id, turn.max_id, key
        )
    if isinstance(found, GroupView):
        await show_group(turn, found, new=True)
        return
    if found.group_id is None or found.group_name is None:
        await turn.send_text(texts.INVITE_NOT_FOUND)
        await show_menu(turn, new=True)
        return
    await turn.show_new(windows.join(found.group_id, found.group_name))


async def join_accept(turn: Turn, group_id: int) -> None:
    state = turn.state
    if state is None or state.window != "join" or state.group_id != group_id:
        await turn.show(windows.notice(texts.JOIN_STALE))
        return
    assert state.invite_key is not None and turn.chat_id is not None
    try:
        view = await run_aio(
            queries.accept_invite,
            turn.stores,
            turn.me.id,
            turn.chat_id,
            turn.max_id,
            state.invite_key,
        )
    except DomainError as exc:
        reason = exc.reason.rstrip(".")
        await turn.show(windows.notice(escape(texts.JOIN_FAILED.format(reason=reason))))
        return
    await show_group(turn, view, toast=texts.JOINED_TOAST)


async def join_decline(turn: Turn) -> None:
    if turn.chat_id is not None:
        await run_aio(queries.clear_state, turn.stores, turn.chat_id, turn.max_id)
    window = windows.menu(turn.me, turn.now, turn.bot_username)
    await turn.show(window, toast=texts.DECLINED_TOAST)


# --- ICS exports -----------------------------------------------------------------------------


def _export_text(items: list[EventItem], caption: str, now: datetime, zone: str) -> str:
    lines = []
    for item in items[:EXPORT_TEXT_MAX_EVENTS]:
        upcoming = next_occurrence(item.event.schedule, now, inclusive=True)
        when = format_when(upcoming, zone) if upcoming else "прошло"
        lines.append(f"• {escape(item.event.title)} — {when}")
    if len(items) > EXPORT_TEXT_MAX_EVENTS:
        lines.append(f"… и ещё {len(items) - EXPORT_TEXT_MAX_EVENTS}")
    return "\n".join([escape(caption), *lines] if lines else [escape(caption), texts.EXPORT_EMPTY])


async def export(turn: Turn, group_id: int | None, *, everything: bool) -> None:
    """Send the ICS file of one scope, then re-send the window below it. If MAX refuses the
    file, the events go as text with a WebApp link instead."""
    me = turn.me
    items, name = await run_aio(queries.export_items, turn.stores, me.id, group_id, everything)
    unix = int(time.time())
    if group_id is None:
        caption, filename = texts.EXPORT_ALL_CAPTION, f"user{me.id}_events_{unix}.ics"
    elif everything:
        caption = texts.EXPORT_GROUP_CAPTION.format(name=name)
        filename = f"group{group_id}_events_{unix}.ics"
    else:
        caption = texts.EXPORT_MINE_CAPTION.format(name=name)
        filename = f"user{me.id}_group{group_id}_events_{unix}.ics"
    if turn.callback_id is not None and not turn.answered:
        await turn.answer(toast=texts.EXPORT_TOAST)
    data = build_calendar(items, now=turn.now)
    chat_id, max_id = turn.chat_id, turn.max_id
    try:
        if chat_id is not None:
            await turn.call(lambda c: c.send_file(filename, data, chat_id=chat_id, text=caption))
        else:
            await turn.call(lambda c: c.send_file(filename, data, user_id=max_id, text=caption))
    except MaxApiError as exc:
        log.warning(
            "MAX refused the calendar file; sending text",
            extra={"action": "bot_ics_refused", "status": exc.status, "reason": exc.message},
        )
        path = "/" if group_id is None else f"/groups/{group_id}"
        text = texts.EXPORT_REFUSED.format(reason=escape(exc.message or str(exc.status)))
        body_text = text + "\n\n" + _export_text(items, caption, turn.now, me.time_zone)
        keyboard = Keyboard(buttons=[[app_button(texts.BTN_OPEN_EVENTS, path, turn.bot_username)]])
        await turn.send(NewMessageBody.with_keyboard(body_text, keyboard, format="html"))
    if group_id is None:
        await show_groups(turn, 0, new=True)
    else:
        view = await run_aio(queries.group_view, turn.stores, me.id, group_id)
        await show_group(turn, view, new=True)


# --- who is coming ---------------------------------------------------------------------------


async def who_events(turn: Turn, group_id: int) -> None:
    access, events = await run_aio(queries.group_event_titles, turn.stores, turn.me.id, group_id)
    if not access.role.manages:
        raise Forbidden()
    await turn.show(windows.who_events(access, events))


async def who_event(turn: Turn, event_id: int) -> None:
    view = await run_aio(queries.next_attendance, turn.stores, turn.me.id, event_id, turn.now)
    if not view.manages:
        raise Forbidden()
    await turn.show(windows.who_is_coming(view, turn.me.time_zone))


# --- reminder answers ------------------------------------------------------------------------


def answered_keyboard(choice: reminder_answers.AnswerChoice) -> Keyboard:
    """The reminder's three buttons with the chosen one marked (all still pressable)."""
    rows: list[list[Button]] = []
    for status in reminder_answers.AnswerStatus:
        label = reminder_answers.BUTTON_TEXT[status]
        if status is choice.status:
            label = texts.RADIO_MARK + label
        payload = reminder_answers.answer_payload(choice.event_id, choice.occurrence_at, status)
        rows.append([CallbackButton(text=label, payload=payload)])
    return Keyboard(buttons=rows)


async def reminder_answer(turn: Turn, payload: str) -> None:
    choice = reminder_answers.parse_answer_payload(payload)
    if choice is None:
        await turn.answer(toast=texts.ANSWER_STALE_TOAST)
        return
    try:
        await run_aio(
            queries.record_answer,
            turn.stores,
            turn.me.id,
            choice.event_id,
            choice.occurrence_at,
            AnswerStatus(choice.status.value),
        )
    except DomainError as exc:
        await turn.answer(toast=texts.ANSWER_FAILED_TOAST.format(reason=exc.reason))
        return
    # text=None keeps the reminder's text; only the keyboard changes to show the answer.
    body = NewMessageBody(
        attachments=[InlineKeyboardAttachmentRequest(payload=answered_keyboard(choice))]
    )
    confirmation = reminder_answers.CONFIRMATION[choice.status]
    if turn.pressed is None:
        await turn.answer(toast=confirmation)
    else:
        await turn.answer(message=body, toast=confirmation)


# --- button presses --------------------------------------------------------------------------


async def press(turn: Turn, pressed: Press) -> None:
    """Route a valid window button."""
    me = turn.me
    op = pressed.op
    if op is Op.MENU:
        await show_menu(turn)
    elif op is Op.PROFILE:
        await show_profile(turn)
    elif op is Op.LABEL:
        await turn.answer(toast=texts.LABEL_TOAST)
    elif op is Op.PROFILE_MODE:
        assert pressed.mode is not None
        await _update_me(turn, UserUpdate(notify_mode=pressed.mode))
        await show_profile(turn, toast=texts.SAVED_TOAST)
    elif op is Op.REMOVE_PHONE:
        await _update_me(turn, UserUpdate(phone=None))
        await show_profile(turn)
    elif op is Op.GROUPS:
        await show_groups(turn, pressed.id)
    elif op is Op.EXPORT_ALL:
        await export(turn, None, everything=False)
    elif op is Op.GROUP:
        await open_group(turn, pressed.id)
    elif op is Op.GROUP_MODE:
        assert pressed.mode is not None
        view = await run_aio(
            queries.set_group_mode, turn.stores, me.id, pressed.ids[0], pressed.mode
        )
        await show_group(turn, view, toast=texts.SAVED_TOAST)
    elif op is Op.RECREATE_INVITE:
        view = await run_aio(queries.recreate_invite, turn.stores, me.id, pressed.id)
        await show_group(turn, view, toast=texts.INVITE_RECREATED_TOAST)
    elif op is Op.REVOKE_INVITE:
        view = await run_aio(queries.revoke_invite, turn.stores, me.id, pressed.id)
        await show_group(turn, view, toast=texts.INVITE_REVOKED_TOAST)
    elif op is Op.EXPORT_GROUP:
        await export(turn, pressed.id, everything=True)
    elif op is Op.EXPORT_MINE:
        await export(turn, pressed.id, everything=False)
    elif op is Op.WHO_EVENTS:
        await who_events(turn, pressed.id)
    elif op is Op.WHO_EVENT:
        await who_event(turn, pressed.id)
    elif op is Op.LEAVE_ASK:
        await leave_ask(turn, pressed.id)
    elif op is Op.LEAVE:
        await leave(turn, pressed.id)
    elif op is Op.JOIN_ACCEPT:
        await join_accept(turn, pressed.id)
    elif op is Op.JOIN_DECLINE:
        await join_decline(turn)


async def stale(turn: Turn) -> None:
    """An old-format, forged or expired button: a friendly toast and a fresh menu."""
    await turn.answer(toast=texts.STALE_TOAST)
    await show_menu(turn, new=True)


def is_reminder_answer(payload: str) -> bool:
    return payload.startswith(reminder_answers.PAYLOAD_VERSION + ":")


def now_utc() -> datetime:
    return datetime.now(UTC)
