"""The emulated MAX world: the bot, users, chats, messages, callbacks, uploads, updates.

Single-threaded by design: everything runs in the trio thread that serves the emulator, so
plain mutations are atomic with respect to other tasks (no ``await`` in between).
"""

from __future__ import annotations

import secrets
from collections import defaultdict

from .config import EmulatorConfig
from .errors import ApiFailure, EmulatorUsageError, not_found
from .records import (
    DIALOG_CHAT_ID_OFFSET,
    AnswerRecord,
    CallbackRecord,
    EmulatedUser,
    GroupChat,
    JsonDict,
    StoredMessage,
    Subscription,
    UploadRecord,
    now_ms,
)
from .updates import UpdateLog

MESSAGE_SEQ_BASE = 116_000_000_000_000_000


def chat_denied() -> ApiFailure:
    """403 ``chat.denied``: the user stopped the bot, never started it, or is blocked."""
    return ApiFailure(403, "chat.denied", "chat.denied")


class World:
    """State shared by the Bot API handlers, the user-action helpers and the webhook."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.users: dict[int, EmulatedUser] = {}
        self.group_chats: dict[int, GroupChat] = {}
        self.messages: dict[str, StoredMessage] = {}
        self.chat_messages: defaultdict[int, list[str]] = defaultdict(list)
        self.callbacks: dict[str, CallbackRecord] = {}
        self.answers: list[AnswerRecord] = []
        self.uploads: dict[str, UploadRecord] = {}
        self.upload_tokens: dict[str, UploadRecord] = {}
        self.subscription: Subscription | None = None
        self.updates = UpdateLog(
            without_marker=config.updates_without_marker,
            null_marker_when_empty=config.null_marker_when_empty,
        )
        self.base_url = f"http://{config.host}:{config.port}"
        self._message_counter = 0

    # --- identities ----------------------------------------------------------------------

    def bot_json(self) -> JsonDict:
        name = self.config.bot_name
        return {
            "user_id": self.config.bot_user_id,
            "first_name": name,
            "last_name": None,
            "username": self.config.bot_username,
            "is_bot": True,
            "last_activity_time": now_ms(),
            "name": name,
        }

    def user(self, user_id: int) -> EmulatedUser:
        try:
            return self.users[user_id]
        except KeyError:
            raise EmulatorUsageError(f"unknown user {user_id}") from None

    def ensure_user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        locale: str | None = None,
    ) -> EmulatedUser:
        """Register the user (or update the given profile fields)."""
        if user_id == self.config.bot_user_id:
            raise EmulatorUsageError("the bot cannot be a user")
        user = self.users.get(user_id)
        if user is None:
            user = EmulatedUser(user_id=user_id, first_name=first_name or f"User {user_id}")
            self.users[user_id] = user
        elif first_name is not None:
            user.first_name = first_name
        if last_name is not None:
            user.last_name = last_name
        if username is not None:
            user.username = username
        if locale is not None:
            user.locale = locale
        return user

    def sender_json(self, message: StoredMessage) -> JsonDict:
        if message.from_bot:
            return self.bot_json()
        user = self.users.get(message.sender_id)
        if user is None:
            return {"user_id": message.sender_id, "first_name": "", "is_bot": False}
        return user.to_json()

    def user_of_dialog(self, chat_id: int) -> EmulatedUser | None:
        return self.users.get(chat_id - DIALOG_CHAT_ID_OFFSET)

    # --- messages ------------------------------------------------------------------------

    def resolve_bot_target(
        self, *, chat_id: int | None, user_id: int | None
    ) -> tuple[int, str, int | None]:
        """(chat id, chat type, dialog user id) the bot may send to, or an ``ApiFailure``."""
        if user_id is not None:
            user = self.users.get(user_id)
            if user is None or not user.reachable:
                raise chat_denied()
            return user.chat_id, "dialog", user.user_id
        assert chat_id is not None
        group = self.group_chats.get(chat_id)
        if group is not None:
            if not group.bot_member:
                raise chat_denied()
            return chat_id, "chat", None
        dialog_user = self.user_of_dialog(chat_id)
        if dialog_user is None:
            raise not_found(f"chat {chat_id} not found")
        if not dialog_user.reachable:
            raise chat_denied()
        return chat_id, "dialog", dialog_user.user_id

    def new_message(
        self,
        *,
        chat_id: int,
        chat_type: str,
        dialog_user_id: int | None,
        sender_id: int,
        text: str | None,
        attachments: list[JsonDict],
        link: JsonDict | None = None,
        format: str | None = None,
        notify: bool = True,
    ) -> StoredMessage:
        """Store a new message in ``chat_id`` with a fresh ``mid`` and ``seq``."""
        self._message_counter += 1
        counter = self._message_counter
        message = StoredMessage(
            mid=f"mid.{chat_id % 2**64:016x}{counter:016x}",
            seq=MESSAGE_SEQ_BASE + counter,
            chat_id=chat_id,
            chat_type=chat_type,
            sender_id=sender_id,
            from_bot=sender_id == self.config.bot_user_id,
            dialog_user_id=dialog_user_id,
            timestamp=now_ms(),
            text=text,
            attachments=attachments,
            link=link,
            format=format,
            notify=notify,
        )
        self.messages[message.mid] = message
        self.chat_messages[chat_id].append(message.mid)
        return message

    def live_message(self, mid: str) -> StoredMessage:
        message = self.messages.get(mid)
        if message is None or message.deleted:
            raise not_found(f"message {mid} not found")
        return message

    def message_json(self, message: StoredMessage) -> JsonDict:
        return message.to_json(self.sender_json(message), self.config.bot_user_id)

    # --- updates -------------------------------------------------------------------------

    def publish(self, update: JsonDict) -> int:
        """Add an update (``timestamp`` filled in if missing); returns its number."""
        update.setdefault("timestamp", now_ms())
        return self.updates.publish(update)

    def new_callback_id(self) -> str:
        return secrets.token_urlsafe(24)


__all__ = ["World", "chat_denied"]
