"""What the emulator remembers: users, chats, messages, callbacks, uploads, requests.

Plain mutable dataclasses owned by one :class:`~maxhack.max.emulator.Emulator`; read them
from tests, mutate them only through the emulator. JSON helpers produce MAX wire shapes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

DIALOG_CHAT_ID_OFFSET = 10**12
"""A user's dialog with the bot has ``chat_id = user_id + DIALOG_CHAT_ID_OFFSET``."""

JsonDict = dict[str, Any]


def now_ms() -> int:
    """Wall-clock Unix time in milliseconds (MAX timestamps)."""
    return int(time.time() * 1000)


def dialog_chat_id(user_id: int) -> int:
    return user_id + DIALOG_CHAT_ID_OFFSET


@dataclass
class EmulatedUser:
    """A MAX user known to the emulator. ``stopped``: the user stopped the bot (sends get
    403 ``chat.denied`` until the next start); ``denied``: an injected 403 regardless."""

    user_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    locale: str = "ru"
    started: bool = False
    stopped: bool = False
    denied: bool = False

    @property
    def chat_id(self) -> int:
        return dialog_chat_id(self.user_id)

    @property
    def reachable(self) -> bool:
        """Whether the bot may message the user (started or wrote first, not stopped)."""
        return self.started and not (self.stopped or self.denied)

    def to_json(self) -> JsonDict:
        full_name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return {
            "user_id": self.user_id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "username": self.username,
            "is_bot": False,
            "last_activity_time": now_ms(),
            "name": full_name,
        }


@dataclass
class GroupChat:
    """A group chat; the bot can send to it once it is a member."""

    chat_id: int
    title: str
    bot_member: bool = False
    member_ids: set[int] = field(default_factory=set)


@dataclass
class MessageVersion:
    """A past state of a message, kept when it is edited."""

    text: str | None
    attachments: list[JsonDict]
    replaced_at_ms: int


@dataclass
class StoredMessage:
    """A message in some chat, as it is now. ``history`` holds the versions before each
    edit, oldest first; ``deleted`` messages stay here for inspection."""

    mid: str
    seq: int
    chat_id: int
    chat_type: str
    sender_id: int
    from_bot: bool
    dialog_user_id: int | None
    timestamp: int
    text: str | None
    attachments: list[JsonDict]
    link: JsonDict | None = None
    format: str | None = None
    notify: bool = True
    deleted: bool = False
    history: list[MessageVersion] = field(default_factory=list)

    @property
    def keyboard(self) -> list[list[JsonDict]] | None:
        """The rows of the inline keyboard, if the message has one."""
        for attachment in self.attachments:
            if attachment.get("type") == "inline_keyboard":
                buttons: list[list[JsonDict]] = attachment["payload"]["buttons"]
                return buttons
        return None

    def body_json(self) -> JsonDict:
        body: JsonDict = {"mid": self.mid, "seq": self.seq}
        if self.text is not None:
            body["text"] = self.text
        if self.attachments:
            body["attachments"] = self.attachments
        return body

    def to_json(self, sender: JsonDict, bot_user_id: int) -> JsonDict:
        """The ``Message`` object; in a dialog ``recipient.user_id`` is the other party."""
        recipient: JsonDict = {"chat_id": self.chat_id, "chat_type": self.chat_type}
        if self.dialog_user_id is not None:
            recipient["user_id"] = self.dialog_user_id if self.from_bot else bot_user_id
        message: JsonDict = {
            "sender": sender,
            "recipient": recipient,
            "timestamp": self.timestamp,
            "body": self.body_json(),
        }
        if self.link is not None:
            message["link"] = self.link
        return message


@dataclass
class CallbackRecord:
    """One button press (``message_callback``) and the answers the bot gave to it."""

    callback_id: str
    user_id: int
    mid: str
    payload: str
    timestamp: int
    answers: list[AnswerRecord] = field(default_factory=list)


@dataclass
class AnswerRecord:
    """One ``POST /answers``: ``message`` is the replacement body as sent (or ``None``)."""

    callback_id: str
    user_id: int
    mid: str
    notification: str | None
    message: JsonDict | None
    at_ms: int


@dataclass
class UploadRecord:
    """One upload URL; ``token`` is set once bytes were posted (at once for video/audio)."""

    upload_id: str
    kind: str
    token: str | None = None
    filename: str | None = None
    data: bytes = b""
    not_ready_remaining: int = 0


@dataclass(frozen=True)
class RequestRecord:
    """One request to the Bot API or an upload URL. ``status`` is ``None`` when the
    connection was dropped; ``started_at``/``finished_at`` are ``time.monotonic()``."""

    method: str
    path: str
    query: str
    status: int | None
    started_at: float
    finished_at: float
    fault: str | None = None

    @property
    def duration_s(self) -> float:
        return self.finished_at - self.started_at


@dataclass
class Subscription:
    """The active webhook. Delivery starts from the first uncommitted update."""

    url: str
    secret: str | None
    update_types: list[str] | None
    time_ms: int

    def wants(self, update_type: str) -> bool:
        return not self.update_types or update_type in self.update_types

    def to_json(self) -> JsonDict:
        return {"url": self.url, "time": self.time_ms, "update_types": self.update_types or []}


@dataclass(frozen=True)
class WebhookDelivery:
    """One POST of an update to the webhook; ``status`` ``None`` = transport failure."""

    url: str
    seq: int
    update_type: str
    attempt: int
    status: int | None
    error: str | None
    at: float
