"""What users do: the user-side half of the emulator (mixed into ``Emulator``).

Every action takes effect at once: the resulting update is in the log when the method
returns (and wakes held long polls); the returned dict is that update as MAX would send it.
Users are registered on first use; a user's dialog with the bot is
``user_id + DIALOG_CHAT_ID_OFFSET``. The bot can message a user only after the user started
the bot or wrote to it, and not after they stopped it (403 ``chat.denied``).
"""

from __future__ import annotations

import hashlib

from .errors import EmulatorUsageError
from .media import vcard
from .records import CallbackRecord, EmulatedUser, GroupChat, JsonDict, StoredMessage, now_ms
from .world import World

DEFAULT_PHONE = "79990000000"
DEFAULT_LATITUDE = 55.7558
DEFAULT_LONGITUDE = 37.6173


class UserActions:
    """User-side operations over ``self.world``."""

    world: World

    def add_user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        locale: str | None = None,
    ) -> EmulatedUser:
        """Register a user (idempotent; given fields overwrite). Their dialog with the bot
        is ``user.chat_id``."""
        return self.world.ensure_user(
            user_id, first_name=first_name, last_name=last_name, username=username, locale=locale
        )

    def user(self, user_id: int) -> EmulatedUser:
        return self.world.user(user_id)

    def user_starts_bot(
        self, user_id: int, payload: str | None = None, *, first_name: str | None = None
    ) -> JsonDict:
        """The user presses Start (``payload``: deep-link data) → ``bot_started``; sends to
        them work again if they had stopped the bot."""
        user = self.add_user(user_id, first_name=first_name)
        user.started = True
        user.stopped = False
        update: JsonDict = {
            "update_type": "bot_started",
            "chat_id": user.chat_id,
            "user": user.to_json(),
            "user_locale": user.locale,
        }
        if payload is not None:
            update["payload"] = payload
        self.world.publish(update)
        return update

    def user_stops_bot(self, user_id: int) -> JsonDict:
        """The user stops the bot → ``bot_stopped``; sends to them now get 403."""
        user = self.world.user(user_id)
        user.stopped = True
        update: JsonDict = {
            "update_type": "bot_stopped",
            "chat_id": user.chat_id,
            "user": user.to_json(),
            "user_locale": user.locale,
        }
        self.world.publish(update)
        return update

    def user_sends_text(self, user_id: int, text: str, *, chat_id: int | None = None) -> JsonDict:
        """A text message from the user → ``message_created`` (dialog unless ``chat_id``)."""
        return self._user_message(user_id, text=text, attachments=[], chat_id=chat_id)

    def user_sends_contact(
        self,
        user_id: int,
        phone: str = DEFAULT_PHONE,
        *,
        name: str | None = None,
        owner_user_id: int | None = None,
        foreign: bool = False,
    ) -> JsonDict:
        """A ``contact`` attachment. Own contact (default): ``max_info`` is the sender and
        ``hash`` is :meth:`contact_hash` of sender and phone. ``foreign=True``: someone
        else's card — ``max_info`` is ``owner_user_id``'s profile (``None`` if not given)."""
        sender = self.world.user(user_id)
        owner = sender if not foreign else self.world.users.get(owner_user_id or 0)
        display = name or (owner.first_name if owner else "Контакт")
        payload: JsonDict = {
            "vcf_info": vcard(display, phone),
            "hash": self.contact_hash(owner.user_id, phone) if owner else None,
            "max_info": owner.to_json() if owner else None,
        }
        attachment = {"type": "contact", "payload": payload}
        return self._user_message(user_id, text=None, attachments=[attachment], chat_id=None)

    @staticmethod
    def contact_hash(user_id: int, phone: str) -> str:
        """The emulator's stand-in for MAX's (undocumented) contact hash."""
        return hashlib.sha256(f"{user_id}:{phone}".encode()).hexdigest()

    def user_sends_location(
        self,
        user_id: int,
        latitude: float = DEFAULT_LATITUDE,
        longitude: float = DEFAULT_LONGITUDE,
        *,
        chat_id: int | None = None,
    ) -> JsonDict:
        """A ``location`` attachment (coordinates at top level, no payload)."""
        attachment = {"type": "location", "latitude": latitude, "longitude": longitude}
        return self._user_message(user_id, text=None, attachments=[attachment], chat_id=chat_id)

    def user_presses_button(
        self,
        user_id: int,
        mid: str,
        *,
        payload: str | None = None,
        text: str | None = None,
    ) -> JsonDict | None:
        """Press a button of the bot's message ``mid``, found by ``payload`` or ``text``.

        ``callback`` → ``message_callback`` with a fresh ``callback_id`` (returned in the
        update); ``message`` → the user sends the button text; ``request_contact`` → own
        contact; ``request_geo_location`` → a location; ``link``/``open_app``/``clipboard``
        produce no update (returns ``None``). Raises ``EmulatorUsageError`` if the message
        is not visible to the user or has no such button.
        """
        world = self.world
        user = world.user(user_id)
        message = world.messages.get(mid)
        if message is None or message.deleted or not self._visible_to(message, user):
            raise EmulatorUsageError(f"message {mid} is not visible to user {user_id}")
        button = _find_button(message, payload=payload, text=text)
        kind = button.get("type")
        if kind == "callback":
            return self._callback(user, message, str(button.get("payload", "")))
        if kind == "message":
            return self.user_sends_text(user_id, str(button["text"]), chat_id=_group_of(message))
        if kind == "request_contact":
            return self.user_sends_contact(user_id)
        if kind == "request_geo_location":
            return self.user_sends_location(user_id, chat_id=_group_of(message))
        return None

    def user_adds_bot_to_chat(self, user_id: int, chat_id: int, title: str = "Команда") -> JsonDict:
        """The user adds the bot to group chat ``chat_id`` → ``bot_added``."""
        user = self.world.user(user_id)
        group = self.world.group_chats.setdefault(chat_id, GroupChat(chat_id=chat_id, title=title))
        group.bot_member = True
        group.member_ids.add(user_id)
        update: JsonDict = {
            "update_type": "bot_added",
            "chat_id": chat_id,
            "user": user.to_json(),
            "is_channel": False,
        }
        self.world.publish(update)
        return update

    def user_removes_bot_from_chat(self, user_id: int, chat_id: int) -> JsonDict:
        """→ ``bot_removed``; sends to the chat now get 403."""
        user = self.world.user(user_id)
        group = self.world.group_chats.get(chat_id)
        if group is None:
            raise EmulatorUsageError(f"unknown group chat {chat_id}")
        group.bot_member = False
        update: JsonDict = {
            "update_type": "bot_removed",
            "chat_id": chat_id,
            "user": user.to_json(),
            "is_channel": False,
        }
        self.world.publish(update)
        return update

    def inject_update(self, update: JsonDict) -> int:
        """Publish any update object as is (``timestamp`` filled in); returns its number."""
        if not isinstance(update.get("update_type"), str):
            raise EmulatorUsageError("an update needs a string update_type")
        return self.world.publish(dict(update))

    def _user_message(
        self, user_id: int, *, text: str | None, attachments: list[JsonDict], chat_id: int | None
    ) -> JsonDict:
        world = self.world
        user = world.user(user_id)
        if chat_id is None or chat_id == user.chat_id:
            user.started = True  # writing to the bot opens the dialog like Start does
            target, chat_type, dialog_user = user.chat_id, "dialog", user.user_id
        else:
            group = world.group_chats.get(chat_id)
            if group is None:
                raise EmulatorUsageError(f"unknown group chat {chat_id}")
            group.member_ids.add(user_id)
            target, chat_type, dialog_user = chat_id, "chat", None
        message = world.new_message(
            chat_id=target,
            chat_type=chat_type,
            dialog_user_id=dialog_user,
            sender_id=user_id,
            text=text,
            attachments=attachments,
        )
        update: JsonDict = {
            "update_type": "message_created",
            "message": world.message_json(message),
        }
        if chat_type == "dialog":
            update["user_locale"] = user.locale
        world.publish(update)
        return update

    def _callback(self, user: EmulatedUser, message: StoredMessage, payload: str) -> JsonDict:
        world = self.world
        callback_id = world.new_callback_id()
        timestamp = now_ms()
        world.callbacks[callback_id] = CallbackRecord(
            callback_id=callback_id,
            user_id=user.user_id,
            mid=message.mid,
            payload=payload,
            timestamp=timestamp,
        )
        update: JsonDict = {
            "update_type": "message_callback",
            "callback": {
                "timestamp": timestamp,
                "callback_id": callback_id,
                "payload": payload,
                "user": user.to_json(),
            },
            "message": world.message_json(message),
            "user_locale": user.locale,
        }
        world.publish(update)
        return update

    def _visible_to(self, message: StoredMessage, user: EmulatedUser) -> bool:
        if message.chat_id == user.chat_id:
            return True
        group = self.world.group_chats.get(message.chat_id)
        return group is not None and user.user_id in group.member_ids


def _find_button(message: StoredMessage, *, payload: str | None, text: str | None) -> JsonDict:
    if (payload is None) == (text is None):
        raise EmulatorUsageError("identify the button by exactly one of payload and text")
    for row in message.keyboard or []:
        for button in row:
            if payload is not None and button.get("payload") == payload:
                return button
            if text is not None and button.get("text") == text:
                return button
    raise EmulatorUsageError(f"message {message.mid} has no button {payload or text!r}")


def _group_of(message: StoredMessage) -> int | None:
    return message.chat_id if message.chat_type != "dialog" else None
