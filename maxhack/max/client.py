"""``MaxClient``: the MAX Bot API over ``httpx.AsyncClient`` (runs under trio via anyio).

Every method is one logical call; retries (see :mod:`maxhack.max.retry`) happen inside it
and sleep with ``trio.sleep``, so cancelling the caller cancels the wait or the request in
flight immediately (an in-flight request may still have reached MAX). Errors are always from
:mod:`maxhack.max.errors`.

The token travels only in the raw ``Authorization: <token>`` header of API requests (never
``Bearer``, never in the query) and is never logged; upload-host requests carry no token.
"""

from __future__ import annotations

import logging
import mimetypes
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote

import httpx
import pydantic
import trio

from .client_config import MaxClientConfig, make_ssl_context
from .errors import (
    MaxError,
    MaxOperationFailed,
    MaxTransportError,
    MaxUnexpectedResponse,
    api_error_from_response,
)
from .models import (
    BotInfo,
    CallbackAnswer,
    FileAttachmentRequest,
    GetSubscriptionsResult,
    MaxModel,
    Message,
    NewMessageBody,
    SendMessageResult,
    SimpleQueryResult,
    Subscription,
    SubscriptionRequestBody,
    Update,
    UpdateList,
    UploadedFileInfo,
    UploadEndpoint,
)
from .retry import (
    RetryMode,
)

logger = logging.getLogger(__name__)

DEFAULT_UPDATES_LIMIT = 100
UPLOAD_PART_NAME = "data"
_NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

_M = TypeVar("_M", bound=MaxModel)


class MaxClient:
    """Async MAX Bot API client. Use as ``async with MaxClient(config) as client:`` or call
    :meth:`aclose`. ``transport`` replaces the network (httpx's transport seam); ``rng``
    drives the backoff jitter (inject a seeded ``random.Random`` in tests). ``attempt_gate``
    is awaited before every HTTP attempt, retries included: the sender's rate limiter plugs
    in here so that no request, first try or retry, bypasses the rate limit."""

    def __init__(
        self,
        config: MaxClientConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        rng: random.Random | None = None,
        attempt_gate: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._config = config
        self._attempt_gate = attempt_gate
        self._policy = config.retry_policy()
        self._rng = rng or random.Random()
        self._auth_headers = {"Authorization": config.token}
        self._http = httpx.AsyncClient(
            base_url=config.base_url,
            transport=transport,
            verify=make_ssl_context(config.ca_file) if config.ca_file else True,
            timeout=httpx.Timeout(config.read_timeout_s, connect=config.connect_timeout_s),
        )

    @property
    def config(self) -> MaxClientConfig:
        return self._config

    async def aclose(self) -> None:
        """Close pooled connections. Idempotent."""
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # --- bot ---------------------------------------------------------------------------

    async def get_me(self) -> BotInfo:
        """``GET /me``: the bot's profile."""
        data = await self._api("GET", "/me", mode=RetryMode.IDEMPOTENT)
        return _parse(BotInfo, data, "GET /me")

    # --- updates -----------------------------------------------------------------------

    async def get_updates(
        self,
        marker: int | None = None,
        limit: int = DEFAULT_UPDATES_LIMIT,
        timeout: int | None = None,  # noqa: ASYNC109 - MAX's poll parameter, not a deadline
        types: Sequence[str] | None = None,
    ) -> tuple[list[Update], int | None]:
        """``GET /updates`` long poll. Sending ``marker`` commits every earlier update.

        Returns the updates and the marker to send next: the server's, or the ``marker``
        passed in when the server answered ``null`` (never go back to "no marker").
        ``timeout`` defaults to ``config.poll_timeout_s``; the HTTP read timeout is that
        plus ``poll_read_margin_s``.
        """
        poll_s = self._config.poll_timeout_s if timeout is None else timeout
        params: dict[str, str | int] = {"limit": limit, "timeout": poll_s}
        if marker is not None:
            params["marker"] = marker
        if types:
            params["types"] = ",".join(types)
        http_timeout = httpx.Timeout(
            self._config.read_timeout_s,
            connect=self._config.connect_timeout_s,
            read=poll_s + self._config.poll_read_margin_s,
        )
        data = await self._api(
            "GET", "/updates", mode=RetryMode.IDEMPOTENT, params=params, http_timeout=http_timeout
        )
        result = _parse(UpdateList, data, "GET /updates")
        return result.updates, result.marker if result.marker is not None else marker

    # --- messages ----------------------------------------------------------------------

    async def send_message(
        self,
        body: NewMessageBody,
        *,
        chat_id: int | None = None,
        user_id: int | None = None,
        disable_link_preview: bool = False,
    ) -> Message:
        """``POST /messages`` to exactly one of ``chat_id``/``user_id`` (else ``ValueError``).

        Not repeated after a possibly delivered failure (5xx, dropped connection, read
        timeout) — that could duplicate the message; the caller decides.
        """
        if (chat_id is None) == (user_id is None):
            raise ValueError("pass exactly one of chat_id and user_id")
        params: dict[str, str | int] = {}
        if chat_id is not None:
            params["chat_id"] = chat_id
        elif user_id is not None:
            params["user_id"] = user_id
        if disable_link_preview:
            params["disable_link_preview"] = "true"
        data = await self._api(
            "POST", "/messages", mode=RetryMode.SEND, params=params, json=body.to_json_dict()
        )
        return _parse(SendMessageResult, data, "POST /messages").message

    async def edit_message(self, mid: str, body: NewMessageBody) -> None:
        """``PUT /messages``: ``body.attachments=None`` keeps attachments, ``[]`` drops them."""
        data = await self._api(
            "PUT",
            "/messages",
            mode=RetryMode.IDEMPOTENT,
            params={"message_id": mid},
            json=body.to_json_dict(),
        )
        _check_success(data, "PUT /messages")

    async def delete_message(self, mid: str) -> None:
        """``DELETE /messages``. After a retry, 404 may mean the first attempt succeeded."""
        data = await self._api(
            "DELETE", "/messages", mode=RetryMode.IDEMPOTENT, params={"message_id": mid}
        )
        _check_success(data, "DELETE /messages")

    async def get_message(self, mid: str) -> Message:
        """``GET /messages/{mid}``."""
        path = f"/messages/{quote(mid, safe='')}"
        data = await self._api("GET", path, mode=RetryMode.IDEMPOTENT)
        return _parse(Message, data, f"GET {path}")

    async def answer_callback(
        self,
        callback_id: str,
        message: NewMessageBody | None = None,
        notification: str | None = None,
    ) -> None:
        """``POST /answers``: replace the pressed message and/or show a one-time toast.

        Retried like an idempotent call: re-applying the same replacement is harmless.
        """
        if not callback_id.strip():
            raise ValueError("callback_id must not be blank")
        if message is None and notification is None:
            raise ValueError("an answer needs a message or a notification")
        answer = CallbackAnswer(message=message, notification=notification)
        data = await self._api(
            "POST",
            "/answers",
            mode=RetryMode.IDEMPOTENT,
            params={"callback_id": callback_id},
            json=answer.to_json_dict(),
        )
        _check_success(data, "POST /answers")

    # --- uploads -----------------------------------------------------------------------

    async def upload_file(self, filename: str, data: bytes) -> str:
        """Upload ``data`` as a file; returns the token for ``FileAttachmentRequest``.

        Two requests: ``POST /uploads?type=file`` (authorised) gives a URL; a multipart POST
        of part ``data`` to that URL (no ``Authorization``) gives the token.
        """
        endpoint_data = await self._api(
            "POST", "/uploads", mode=RetryMode.IDEMPOTENT, params={"type": "file"}
        )
        endpoint = _parse(UploadEndpoint, endpoint_data, "POST /uploads")
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        files = {UPLOAD_PART_NAME: (filename, data, content_type)}
        operation = "POST <upload url>"
        response = await self._with_retries(
            operation,
            RetryMode.IDEMPOTENT,
            lambda: self._http.post(endpoint.url, files=files),
        )
        uploaded = _parse(UploadedFileInfo, _json_of(response, operation), operation)
        return uploaded.token

    async def send_file(
        self,
        filename: str,
        data: bytes,
        *,
        chat_id: int | None = None,
        user_id: int | None = None,
        text: str | None = None,
    ) -> Message:
        """Upload ``data`` and send it as the only attachment of a new message.

        The send is repeated on ``400 attachment.not.ready`` (1 s, 2 s, 4 s …, bounded by
        ``attachment_max_attempts``); then :class:`MaxAttachmentNotReady` propagates.
        """
        if (chat_id is None) == (user_id is None):
            raise ValueError("pass exactly one of chat_id and user_id")
        token = await self.upload_file(filename, data)
        body = NewMessageBody(text=text, attachments=[FileAttachmentRequest.from_token(token)])
        return await self.send_message(body, chat_id=chat_id, user_id=user_id)

    # --- webhooks ----------------------------------------------------------------------

    async def get_subscriptions(self) -> list[Subscription]:
        """``GET /subscriptions``."""
        data = await self._api("GET", "/subscriptions", mode=RetryMode.IDEMPOTENT)
        return _parse(GetSubscriptionsResult, data, "GET /subscriptions").subscriptions

    async def subscribe(
        self, url: str, update_types: Sequence[str] | None = None, secret: str | None = None
    ) -> None:
        """``POST /subscriptions``: MAX POSTs each update to ``url`` with ``secret`` in
        ``X-Max-Bot-Api-Secret``; long polling answers 405 while subscribed."""
        body = SubscriptionRequestBody(
            url=url, update_types=list(update_types) if update_types else None, secret=secret
        )
        data = await self._api(
            "POST", "/subscriptions", mode=RetryMode.IDEMPOTENT, json=body.to_json_dict()
        )
        _check_success(data, "POST /subscriptions")

    async def unsubscribe(self, url: str) -> None:
        """``DELETE /subscriptions?url=…``."""
        data = await self._api(
            "DELETE", "/subscriptions", mode=RetryMode.IDEMPOTENT, params={"url": url}
        )
        _check_success(data, "DELETE /subscriptions")

    # --- plumbing ----------------------------------------------------------------------

    async def _api(
        self,
        method: str,
        path: str,
        *,
        mode: RetryMode,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        http_timeout: httpx.Timeout | None = None,
    ) -> Any:
        operation = f"{method} {path}"

        def send() -> Awaitable[httpx.Response]:
            return self._http.request(
                method,
                path,
                params=params,
                json=json,
                headers=self._auth_headers,
                timeout=http_timeout if http_timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )

        response = await self._with_retries(operation, mode, send)
        return _json_of(response, operation)

    async def _with_retries(
        self,
        operation: str,
        mode: RetryMode,
        send: Callable[[], Awaitable[httpx.Response]],
    ) -> httpx.Response:
        budget = self._policy.start(mode, self._rng)
        while True:
            error: MaxError
            if self._attempt_gate is not None:
                await self._attempt_gate()
            try:
                response = await send()
            except httpx.RequestError as exc:
                error = MaxTransportError(
                    f"{type(exc).__name__}: {exc}",
                    maybe_delivered=not isinstance(exc, _NOT_SENT_ERRORS),
                    operation=operation,
                )
                cause: BaseException | None = exc
            else:
                if response.is_success:
                    return response
                error = api_error_from_response(
                    response.status_code,
                    response.content,
                    retry_after_header=response.headers.get("Retry-After"),
                    operation=operation,
                )
                cause = None
            delay_s = budget.next_delay(error)
            if delay_s is None:
                raise error from cause
            logger.warning(
                "retrying MAX call %s after %s",
                operation,
                type(error).__name__,
                extra={
                    "action": "max_retry",
                    "operation": operation,
                    "error_class": type(error).__name__,
                    "status": getattr(error, "status", None),
                    "attempts": budget.attempts,
                    "not_ready_attempts": budget.not_ready_attempts,
                    "delay_s": round(delay_s, 3),
                },
            )
            await trio.sleep(delay_s)


def _json_of(response: httpx.Response, operation: str) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise MaxUnexpectedResponse(f"{operation}: body is not JSON") from exc


def _parse(model: type[_M], data: Any, operation: str) -> _M:
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise MaxUnexpectedResponse(f"{operation}: unexpected body: {exc}") from exc


def _check_success(data: Any, operation: str) -> None:
    result = _parse(SimpleQueryResult, data, operation)
    if not result.success:
        raise MaxOperationFailed(200, None, result.message or "success=false", operation=operation)
