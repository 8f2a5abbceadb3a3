"""Attachments as received inside messages (reference §4.5).

Discriminated by ``type``. An unknown ``type`` — or a known one whose shape does not
parse — becomes :class:`UnknownAttachment`, which keeps every field; parsing a message
never fails because of one odd attachment.

Note the one irregular shape: ``location`` has ``latitude``/``longitude`` at the top
level and no ``payload``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Tag, ValidationError, ValidatorFunctionWrapHandler
from pydantic.functional_validators import WrapValidator

from ._base import MaxModel, OpenMaxModel
from .keyboard import Keyboard
from .users import User

_VCF_TEL = re.compile(r"^TEL[^:]*:(?P<phone>.+)$", re.MULTILINE | re.IGNORECASE)
_VCF_FN = re.compile(r"^FN[^:]*:(?P<name>.+)$", re.MULTILINE | re.IGNORECASE)


class PhotoPayload(MaxModel):
    """Image payload: ``token`` lets the bot re-send the same image."""

    photo_id: int | None = None
    token: str | None = None
    url: str | None = None


class MediaPayload(MaxModel):
    """Video/audio/file/share payload."""

    url: str | None = None
    token: str | None = None


class StickerPayload(MaxModel):
    url: str | None = None
    code: str | None = None


class ContactPayload(MaxModel):
    """Shared contact. ``max_info`` is the MAX user the contact belongs to (if any);
    ``hash`` lets MAX-side verification prove the phone belongs to that account."""

    vcf_info: str | None = None
    hash: str | None = None
    max_info: User | None = None

    @property
    def vcf_phone(self) -> str | None:
        """The first ``TEL`` of the vCard, stripped (MAX sends it without a leading ``+``)."""
        match = _VCF_TEL.search(self.vcf_info or "")
        return match.group("phone").strip() if match else None

    @property
    def vcf_name(self) -> str | None:
        """The vCard ``FN`` (formatted name), if present."""
        match = _VCF_FN.search(self.vcf_info or "")
        return match.group("name").strip() if match else None


class Thumbnail(MaxModel):
    url: str | None = None


class ImageAttachment(MaxModel):
    type: Literal["image"] = "image"
    payload: PhotoPayload


class VideoAttachment(MaxModel):
    type: Literal["video"] = "video"
    payload: MediaPayload
    thumbnail: Thumbnail | None = None
    width: int | None = None
    height: int | None = None
    duration: int | None = None


class AudioAttachment(MaxModel):
    type: Literal["audio"] = "audio"
    payload: MediaPayload
    transcription: str | None = None


class FileAttachment(MaxModel):
    type: Literal["file"] = "file"
    payload: MediaPayload
    filename: str | None = None
    size: int | None = None


class StickerAttachment(MaxModel):
    type: Literal["sticker"] = "sticker"
    payload: StickerPayload
    width: int | None = None
    height: int | None = None


class ContactAttachment(MaxModel):
    type: Literal["contact"] = "contact"
    payload: ContactPayload


class LocationAttachment(MaxModel):
    type: Literal["location"] = "location"
    latitude: float
    longitude: float


class ShareAttachment(MaxModel):
    type: Literal["share"] = "share"
    payload: MediaPayload | None = None
    title: str | None = None
    description: str | None = None
    image_url: str | None = None


class InlineKeyboardAttachment(MaxModel):
    """A keyboard as received; ``callback_id`` is an undocumented field real payloads carry."""

    type: Literal["inline_keyboard"] = "inline_keyboard"
    payload: Keyboard
    callback_id: str | None = None


class UnknownAttachment(OpenMaxModel):
    """Any attachment we do not model (or could not parse); all fields are kept as extras."""

    type: str = ""


_KNOWN_ATTACHMENTS: dict[str, type[MaxModel]] = {
    "image": ImageAttachment,
    "video": VideoAttachment,
    "audio": AudioAttachment,
    "file": FileAttachment,
    "sticker": StickerAttachment,
    "contact": ContactAttachment,
    "location": LocationAttachment,
    "share": ShareAttachment,
    "inline_keyboard": InlineKeyboardAttachment,
}
_UNKNOWN_TAG = "unknown"


def _attachment_tag(value: Any) -> str:
    if isinstance(value, UnknownAttachment):
        return _UNKNOWN_TAG
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if isinstance(kind, str) and kind in _KNOWN_ATTACHMENTS else _UNKNOWN_TAG


def _fall_back_to_unknown(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    try:
        return handler(value)
    except ValidationError:
        if not isinstance(value, dict):
            raise
        return UnknownAttachment.model_validate(value)


AnyAttachment = (
    ImageAttachment
    | VideoAttachment
    | AudioAttachment
    | FileAttachment
    | StickerAttachment
    | ContactAttachment
    | LocationAttachment
    | ShareAttachment
    | InlineKeyboardAttachment
    | UnknownAttachment
)
"""Every received attachment class, for ``isinstance``/``match``."""

Attachment = Annotated[
    Annotated[ImageAttachment, Tag("image")]
    | Annotated[VideoAttachment, Tag("video")]
    | Annotated[AudioAttachment, Tag("audio")]
    | Annotated[FileAttachment, Tag("file")]
    | Annotated[StickerAttachment, Tag("sticker")]
    | Annotated[ContactAttachment, Tag("contact")]
    | Annotated[LocationAttachment, Tag("location")]
    | Annotated[ShareAttachment, Tag("share")]
    | Annotated[InlineKeyboardAttachment, Tag("inline_keyboard")]
    | Annotated[UnknownAttachment, Tag(_UNKNOWN_TAG)],
    Discriminator(_attachment_tag),
    WrapValidator(_fall_back_to_unknown),
]
"""Field type for a received attachment: tolerant discriminated union."""
