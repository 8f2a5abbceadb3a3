"""The Bot API operations of the emulator, independent of HTTP.

Each method takes the query parameters (``Mapping[str, str]``) and the decoded JSON body
as the HTTP layer received them and returns the JSON answer, or raises ``ApiFailure``.
Request bodies are validated with the client's own models (same limits as MAX: text ≤ 4000,
keyboard layout, …); a validation failure is a 400 ``proto.payload``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from pathlib import PurePosixPath
from typing import Any, TypeVar

import pydantic

from ..models import CallbackAnswer, MaxModel, NewMessageBody, SubscriptionRequestBody
from .config import MAX_POLL_LIMIT, MAX_POLL_TIMEOUT_S
from .errors import ApiFailure, bad_request, not_found
from .media import received_attachments
from .records import (
    AnswerRecord,
    JsonDict,
    MessageVersion,
    StoredMessage,
    Subscription,
    UploadRecord,
    now_ms,
)
from .world import World

UPLOAD_TYPES = frozenset({"image", "video", "audio", "file"})
DEFAULT_POLL_LIMIT = 100
DEFAULT_POLL_TIMEOUT_S = 30
SUCCESS: JsonDict = {"success": True}

_M = TypeVar("_M", bound=MaxModel)


class BotApi:
    """Bot API semantics over a :class:`World`. ``on_subscription_change`` is called after
    every change of ``world.subscription`` (the server restarts webhook delivery)."""

    def __init__(self, world: World, on_subscription_change: Callable[[], None]) -> None:
        self._world = world
        self._on_subscription_change = on_subscription_change

    # --- /me, /updates -------------------------------------------------------------------

    def get_me(self) -> JsonDict:
        return {
            **self._world.bot_json(),
            "description": "Напоминания для команд (эмулятор MAX)",
            "avatar_url": None,
            "full_avatar_url": None,
            "commands": [],
        }

    async def get_updates(self, query: Mapping[str, str]) -> JsonDict:
        if self._world.subscription is not None:
            raise ApiFailure(405, "method.not.allowed", "Long polling is off: a webhook is set")
        limit = _int_param(query, "limit", DEFAULT_POLL_LIMIT)
        timeout = _int_param(query, "timeout", DEFAULT_POLL_TIMEOUT_S)
        marker = _optional_int(query, "marker")
        if not 1 <= limit <= MAX_POLL_LIMIT:
            raise bad_request(f"limit must be within 1..{MAX_POLL_LIMIT}")
        if not 0 <= timeout <= MAX_POLL_TIMEOUT_S:
            raise bad_request(f"timeout must be within 0..{MAX_POLL_TIMEOUT_S}")
        types = [item for item in query.get("types", "").split(",") if item] or None
        updates, next_marker = await self._world.updates.poll(
            marker=marker, limit=limit, timeout_s=timeout, types=types
        )
        return {"updates": updates, "marker": next_marker}

    # --- messages ------------------------------------------------------------------------

    def send_message(self, query: Mapping[str, str], body: Any) -> JsonDict:
        chat_id = _optional_int(query, "chat_id")
        user_id = _optional_int(query, "user_id")
        if (chat_id is None) == (user_id is None):
            raise bad_request("exactly one of user_id and chat_id is required")
        request = _validate(NewMessageBody, body)
        attachments = list(request.attachments or ())
        if not request.text and not attachments:
            raise bad_request("message must have text or attachments")
        world = self._world
        target_chat, chat_type, dialog_user = world.resolve_bot_target(
            chat_id=chat_id, user_id=user_id
        )
        link = self._link_json(request)
        received = received_attachments(world, attachments)
        message = world.new_message(
            chat_id=target_chat,
            chat_type=chat_type,
            dialog_user_id=dialog_user,
            sender_id=world.config.bot_user_id,
            text=request.text,
            attachments=received,
            link=link,
            format=request.format,
            notify=request.notify is not False,
        )
        return {"message": world.message_json(message)}

    def edit_message(self, query: Mapping[str, str], body: Any) -> JsonDict:
        message = self._own_message(_required(query, "message_id"))
        self.apply_edit(message, _validate(NewMessageBody, body))
        return SUCCESS

    def apply_edit(self, message: StoredMessage, request: NewMessageBody) -> None:
        """Edit rule: ``None`` keeps text/attachments, ``[]`` removes every attachment."""
        if request.text is None and request.attachments is None and request.format is None:
            raise bad_request("nothing to edit")
        attachments = message.attachments
        if request.attachments is not None:
            attachments = received_attachments(self._world, request.attachments)
        message.history.append(_version(message))
        if request.text is not None:
            message.text = request.text
        if request.format is not None:
            message.format = request.format
        message.attachments = attachments

    def delete_message(self, query: Mapping[str, str]) -> JsonDict:
        message = self._own_message(_required(query, "message_id"))
        message.deleted = True
        return SUCCESS

    def get_message(self, mid: str) -> JsonDict:
        return self._world.message_json(self._world.live_message(mid))

    def answer(self, query: Mapping[str, str], body: Any) -> JsonDict:
        callback_id = query.get("callback_id", "").strip()
        if not callback_id:
            raise bad_request("callback_id is required")
        callback = self._world.callbacks.get(callback_id)
        if callback is None:
            raise bad_request(f"unknown callback_id {callback_id}")
        request = _validate(CallbackAnswer, body)
        if request.message is None and request.notification is None:
            raise bad_request("answer needs message or notification")
        if request.message is not None:
            self.apply_edit(self._world.live_message(callback.mid), request.message)
        record = AnswerRecord(
            callback_id=callback_id,
            user_id=callback.user_id,
            mid=callback.mid,
            notification=request.notification,
            message=request.message.to_json_dict() if request.message else None,
            at_ms=now_ms(),
        )
        callback.answers.append(record)
        self._world.answers.append(record)
        return SUCCESS

    # --- uploads -------------------------------------------------------------------------

    def create_upload(self, query: Mapping[str, str]) -> JsonDict:
        kind = query.get("type", "")
        if kind not in UPLOAD_TYPES:
            raise bad_request(f"type must be one of {sorted(UPLOAD_TYPES)}")
        upload = UploadRecord(upload_id=secrets.token_hex(12), kind=kind)
        self._world.uploads[upload.upload_id] = upload
        answer: JsonDict = {"url": f"{self._world.base_url}/_upload/{upload.upload_id}"}
        if kind in ("video", "audio"):
            # For video/audio MAX hands out the token with the URL.
            self._issue_token(upload)
            answer["token"] = upload.token
        return answer

    def receive_upload(self, upload_id: str, filename: str, data: bytes) -> JsonDict:
        upload = self._world.uploads.get(upload_id)
        if upload is None:
            raise not_found("upload url not found")
        if PurePosixPath(filename).suffix.lower() in self._world.config.forbidden_extensions:
            raise bad_request("File extension is forbidden", code="upload.forbidden")
        upload.filename = filename
        upload.data = data
        if upload.token is None:
            self._issue_token(upload)
        if upload.kind == "image":
            return {"photos": {upload.upload_id: {"token": upload.token}}}
        return {"token": upload.token}

    def _issue_token(self, upload: UploadRecord) -> None:
        upload.token = secrets.token_urlsafe(24)
        config = self._world.config
        if config.attachment_not_ready_first:
            upload.not_ready_remaining = config.attachment_not_ready_count
        self._world.upload_tokens[upload.token] = upload

    # --- subscriptions -------------------------------------------------------------------

    def get_subscriptions(self) -> JsonDict:
        subscription = self._world.subscription
        return {"subscriptions": [subscription.to_json()] if subscription else []}

    def subscribe(self, body: Any) -> JsonDict:
        request = _validate(SubscriptionRequestBody, body)
        scheme = request.url.split("://", 1)[0].lower()
        allowed = ("https",) if self._world.config.webhook_require_https else ("http", "https")
        if scheme not in allowed:
            raise bad_request("url must be an https:// URL")
        self._world.subscription = Subscription(
            url=request.url,
            secret=request.secret,
            update_types=request.update_types,
            time_ms=now_ms(),
        )
        self._on_subscription_change()
        return SUCCESS

    def unsubscribe(self, query: Mapping[str, str]) -> JsonDict:
        url = _required(query, "url")
        subscription = self._world.subscription
        if subscription is not None and subscription.url == url:
            self._world.subscription = None
            self._on_subscription_change()
        return SUCCESS

    # --- helpers -------------------------------------------------------------------------

    def _own_message(self, mid: str) -> StoredMessage:
        message = self._world.live_message(mid)
        if not message.from_bot:
            raise ApiFailure(403, "access.denied", "only the bot's own messages can be changed")
        return message

    def _link_json(self, request: NewMessageBody) -> JsonDict | None:
        if request.link is None:
            return None
        linked = self._world.messages.get(request.link.mid)
        if linked is None or linked.deleted:
            raise bad_request(f"linked message {request.link.mid} not found")
        return {
            "type": request.link.type,
            "sender": self._world.sender_json(linked),
            "chat_id": linked.chat_id,
            "message": linked.body_json(),
        }


def _version(message: StoredMessage) -> MessageVersion:
    return MessageVersion(
        text=message.text, attachments=list(message.attachments), replaced_at_ms=now_ms()
    )


def _validate(model: type[_M], body: Any) -> _M:
    if not isinstance(body, dict):
        raise bad_request("body must be a JSON object")
    try:
        return model.model_validate(body)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise bad_request(f"{where}: {first['msg']}") from None


def _required(query: Mapping[str, str], name: str) -> str:
    value = query.get(name, "").strip()
    if not value:
        raise bad_request(f"{name} is required")
    return value


def _optional_int(query: Mapping[str, str], name: str) -> int | None:
    value = query.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise bad_request(f"{name} must be an integer") from None


def _int_param(query: Mapping[str, str], name: str, default: int) -> int:
    value = _optional_int(query, name)
    return default if value is None else value
