"""Request bodies we send (reference §3.2, §5.1–§5.7).

Construction validates what MAX would reject anyway (text ≤ 4000 characters, keyboard
layout, mutually exclusive image sources), so a bad body fails in our process with a
``pydantic.ValidationError`` before any request is made.

Serialise with ``to_json_dict()``: ``None`` fields are omitted, which is what makes the
edit rule work — ``attachments=None`` keeps the message's attachments, ``[]`` removes them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from ._base import MaxModel
from .keyboard import Keyboard

MESSAGE_TEXT_MAX_CHARS = 4000
SUBSCRIPTION_SECRET_PATTERN = r"^[A-Za-z0-9_-]{5,256}$"


class UploadedToken(MaxModel):
    """``{"token": …}`` — the result of an upload, used to attach video/audio/file."""

    token: str = Field(min_length=1)


class PhotoToken(MaxModel):
    token: str = Field(min_length=1)


class ImageRequestPayload(MaxModel):
    """Exactly one of ``url``, ``token`` or ``photos``."""

    url: str | None = None
    token: str | None = None
    photos: dict[str, PhotoToken] | None = None

    @model_validator(mode="after")
    def _exactly_one_source(self) -> ImageRequestPayload:
        sources = [value for value in (self.url, self.token, self.photos) if value is not None]
        if len(sources) != 1:
            raise ValueError("an image needs exactly one of url, token, photos")
        return self


class ImageAttachmentRequest(MaxModel):
    type: Literal["image"] = "image"
    payload: ImageRequestPayload


class VideoAttachmentRequest(MaxModel):
    type: Literal["video"] = "video"
    payload: UploadedToken


class AudioAttachmentRequest(MaxModel):
    type: Literal["audio"] = "audio"
    payload: UploadedToken


class FileAttachmentRequest(MaxModel):
    """A previously uploaded file; MAX wants it as the only attachment of its message."""

    type: Literal["file"] = "file"
    payload: UploadedToken

    @classmethod
    def from_token(cls, token: str) -> FileAttachmentRequest:
        return cls(payload=UploadedToken(token=token))


class StickerRequestPayload(MaxModel):
    code: str = Field(min_length=1)


class StickerAttachmentRequest(MaxModel):
    type: Literal["sticker"] = "sticker"
    payload: StickerRequestPayload


class ContactRequestPayload(MaxModel):
    name: str | None = None
    contact_id: int | None = None
    vcf_info: str | None = None
    vcf_phone: str | None = None


class ContactAttachmentRequest(MaxModel):
    type: Literal["contact"] = "contact"
    payload: ContactRequestPayload


class InlineKeyboardAttachmentRequest(MaxModel):
    type: Literal["inline_keyboard"] = "inline_keyboard"
    payload: Keyboard

    @classmethod
    def from_keyboard(cls, keyboard: Keyboard) -> InlineKeyboardAttachmentRequest:
        return cls(payload=keyboard)


class LocationAttachmentRequest(MaxModel):
    type: Literal["location"] = "location"
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class ShareRequestPayload(MaxModel):
    url: str | None = None
    token: str | None = None


class ShareAttachmentRequest(MaxModel):
    type: Literal["share"] = "share"
    payload: ShareRequestPayload


AttachmentRequest = Annotated[
    ImageAttachmentRequest
    | VideoAttachmentRequest
    | AudioAttachmentRequest
    | FileAttachmentRequest
    | StickerAttachmentRequest
    | ContactAttachmentRequest
    | InlineKeyboardAttachmentRequest
    | LocationAttachmentRequest
    | ShareAttachmentRequest,
    Field(discriminator="type"),
]


class NewMessageLink(MaxModel):
    """Reply to or forward the message ``mid``."""

    type: Literal["reply", "forward"]
    mid: str = Field(min_length=1)


class NewMessageBody(MaxModel):
    """Body of ``POST /messages`` and ``PUT /messages`` (and ``CallbackAnswer.message``).

    ``text=None`` / ``attachments=None`` are omitted on the wire; on an edit that keeps the
    current value (the rule is documented for attachments; the emulator applies it to text
    too). ``attachments=[]`` removes every attachment, keyboard included.
    """

    text: str | None = Field(default=None, max_length=MESSAGE_TEXT_MAX_CHARS)
    attachments: list[AttachmentRequest] | None = None
    link: NewMessageLink | None = None
    notify: bool | None = None
    format: Literal["markdown", "html"] | None = None

    @classmethod
    def with_keyboard(
        cls, text: str, keyboard: Keyboard, *, format: Literal["markdown", "html"] | None = None
    ) -> NewMessageBody:
        """A text message with one inline keyboard."""
        return cls(
            text=text,
            attachments=[InlineKeyboardAttachmentRequest(payload=keyboard)],
            format=format,
        )


class CallbackAnswer(MaxModel):
    """Body of ``POST /answers``: replace the pressed message and/or show a toast."""

    message: NewMessageBody | None = None
    notification: str | None = None


class SubscriptionRequestBody(MaxModel):
    """Body of ``POST /subscriptions``. ``secret`` comes back in ``X-Max-Bot-Api-Secret``."""

    url: str = Field(min_length=1)
    update_types: list[str] | None = None
    secret: str | None = Field(default=None, pattern=SUBSCRIPTION_SECRET_PATTERN)
