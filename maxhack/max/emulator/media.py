"""Turning attachments as *sent* (``AttachmentRequest``) into attachments as *received*.

The real server resolves upload tokens into file descriptions and adds ids; so does this.
Upload tokens are checked here: unknown token → 400 ``attachment.invalid``; a fresh token
with ``not_ready_remaining > 0`` → 400 ``attachment.not.ready`` (and the counter drops by
one, so a later retry succeeds).
"""

from __future__ import annotations

import secrets
import zlib
from collections.abc import Sequence

from ..models import (
    AttachmentRequest,
    AudioAttachmentRequest,
    ContactAttachmentRequest,
    FileAttachmentRequest,
    ImageAttachmentRequest,
    InlineKeyboardAttachmentRequest,
    LocationAttachmentRequest,
    ShareAttachmentRequest,
    StickerAttachmentRequest,
    VideoAttachmentRequest,
)
from .errors import ApiFailure, bad_request
from .records import JsonDict, UploadRecord
from .world import World

EXCLUSIVE_ATTACHMENT_TYPES = frozenset({"file", "audio", "contact", "sticker"})
ATTACHMENT_NOT_READY_MESSAGE = "Key: errors.process.attachment.file.not.processed"
STICKER_SIZE_PX = 128


def received_attachments(world: World, requests: Sequence[AttachmentRequest]) -> list[JsonDict]:
    """Validate and convert; raises ``ApiFailure`` before any state changes except the
    not-ready counter of the token that was reported not ready."""
    if world.config.exclusive_media_attachments and len(requests) > 1:
        exclusive = [item.type for item in requests if item.type in EXCLUSIVE_ATTACHMENT_TYPES]
        if exclusive:
            raise bad_request(f"{exclusive[0]} attachment must be the only attachment")
    for item in requests:
        if isinstance(
            item, FileAttachmentRequest | VideoAttachmentRequest | AudioAttachmentRequest
        ):
            _check_ready(_upload_for(world, item.payload.token, item.type))
    return [_convert(world, item) for item in requests]


def _upload_for(world: World, token: str, kind: str) -> UploadRecord:
    upload = world.upload_tokens.get(token)
    if upload is None or upload.kind != kind:
        raise bad_request(f"unknown {kind} token", code="attachment.invalid")
    return upload


def _check_ready(upload: UploadRecord) -> None:
    if upload.not_ready_remaining > 0:
        upload.not_ready_remaining -= 1
        raise ApiFailure(400, "attachment.not.ready", ATTACHMENT_NOT_READY_MESSAGE)


def _convert(world: World, item: AttachmentRequest) -> JsonDict:
    if isinstance(item, InlineKeyboardAttachmentRequest):
        return {
            "type": "inline_keyboard",
            "payload": item.payload.to_json_dict(),
            "callback_id": secrets.token_urlsafe(16),
        }
    if isinstance(item, FileAttachmentRequest | VideoAttachmentRequest | AudioAttachmentRequest):
        upload = _upload_for(world, item.payload.token, item.type)
        converted: JsonDict = {
            "type": item.type,
            "payload": {"url": _file_url(world, upload), "token": item.payload.token},
        }
        if item.type == "file":
            converted.update(filename=upload.filename, size=len(upload.data))
        return converted
    if isinstance(item, ImageAttachmentRequest):
        return _image(world, item)
    if isinstance(item, StickerAttachmentRequest):
        code = item.payload.code
        return {
            "type": "sticker",
            "payload": {"code": code, "url": f"{world.base_url}/_stickers/{code}"},
            "width": STICKER_SIZE_PX,
            "height": STICKER_SIZE_PX,
        }
    if isinstance(item, ContactAttachmentRequest):
        payload = item.payload
        vcf = payload.vcf_info or _vcard(payload.name or "", payload.vcf_phone or "")
        owner = world.users.get(payload.contact_id) if payload.contact_id is not None else None
        return {
            "type": "contact",
            "payload": {"vcf_info": vcf, "max_info": owner.to_json() if owner else None},
        }
    if isinstance(item, LocationAttachmentRequest):
        return {"type": "location", "latitude": item.latitude, "longitude": item.longitude}
    if isinstance(item, ShareAttachmentRequest):
        return {"type": "share", "payload": {"url": item.payload.url, "token": item.payload.token}}
    raise bad_request(f"unsupported attachment {item.type}")  # pragma: no cover - exhaustive


def _image(world: World, item: ImageAttachmentRequest) -> JsonDict:
    payload = item.payload
    token = payload.token
    if payload.photos:
        token = next(iter(payload.photos.values())).token
    if token is not None:
        upload = _upload_for(world, token, "image")
        _check_ready(upload)
        url = _file_url(world, upload)
    else:
        url = payload.url or ""
        token = secrets.token_urlsafe(16)
    return {
        "type": "image",
        "payload": {"photo_id": zlib.crc32(token.encode()), "url": url, "token": token},
    }


def _file_url(world: World, upload: UploadRecord) -> str:
    return f"{world.base_url}/_upload/{upload.upload_id}"


def _vcard(name: str, phone: str) -> str:
    return f"BEGIN:VCARD\r\nVERSION:3.0\r\nTEL;TYPE=cell:{phone}\r\nFN:{name}\r\nEND:VCARD\r\n"


def vcard(name: str, phone: str) -> str:
    """A vCard 3.0 string shaped like the ones MAX sends in ``contact`` attachments."""
    return _vcard(name, phone)
