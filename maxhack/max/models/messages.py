"""Messages and button-press callbacks as received (reference §4.3, §4.4).

Identifiers: ``chat_id``/``user_id`` are int64 and may be negative (never assume a sign);
message ids (``mid``) are strings; ``seq`` is an int64 ordering number; every timestamp is
Unix milliseconds.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import Field

from ._base import MaxModel
from .attachments import Attachment, InlineKeyboardAttachment
from .keyboard import Keyboard
from .users import User

_A = TypeVar("_A")


class Recipient(MaxModel):
    """Where a message lives. In a dialog ``user_id`` is the *other party* of the message:
    the bot for a user's message, the user for the bot's own message."""

    chat_id: int | None = None
    chat_type: str = "dialog"
    user_id: int | None = None


class MarkupElement(MaxModel):
    """One formatting range of ``body.text`` (0-based ``from``, ``length`` in characters)."""

    type: str
    # validation/serialization aliases (not ``alias``) keep ``from_`` as the constructor name
    from_: int = Field(validation_alias="from", serialization_alias="from")
    length: int
    url: str | None = None
    user_link: str | None = None
    user_id: int | None = None


class MessageBody(MaxModel):
    """Content of a message: ``text`` and ``attachments`` are both optional."""

    mid: str
    seq: int = 0
    text: str | None = None
    attachments: list[Attachment] | None = None
    markup: list[MarkupElement] | None = None

    @property
    def keyboard(self) -> Keyboard | None:
        """The inline keyboard attached to this message, if any."""
        for attachment in self.attachments or ():
            if isinstance(attachment, InlineKeyboardAttachment):
                return attachment.payload
        return None

    def attachments_of(self, kind: type[_A]) -> list[_A]:
        """Attachments of one class, in order."""
        return [item for item in self.attachments or () if isinstance(item, kind)]


class LinkedMessage(MaxModel):
    """A forwarded or replied-to message (``type`` is ``forward`` or ``reply``)."""

    type: str
    sender: User | None = None
    chat_id: int | None = None
    message: MessageBody


class MessageStat(MaxModel):
    views: int = 0


class Message(MaxModel):
    """A message. ``sender`` is ``None`` for channel posts."""

    sender: User | None = None
    recipient: Recipient
    timestamp: int
    link: LinkedMessage | None = None
    body: MessageBody
    stat: MessageStat | None = None
    url: str | None = None

    @property
    def mid(self) -> str:
        return self.body.mid

    @property
    def text(self) -> str | None:
        return self.body.text

    @property
    def chat_id(self) -> int | None:
        return self.recipient.chat_id


class Callback(MaxModel):
    """A button press: answer it with ``POST /answers?callback_id=…``."""

    timestamp: int
    callback_id: str
    payload: str | None = None
    user: User
