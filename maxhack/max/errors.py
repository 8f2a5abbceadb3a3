"""Errors raised by the MAX client — one hierarchy for the whole boundary.

    MaxError                      base of everything below
    ├─ MaxApiError                an error status; ``status``, ``code``, ``message``
    │  ├─ MaxBadRequest           400
    │  │  └─ MaxAttachmentNotReady   400 ``attachment.not.ready``: retry the send later
    │  ├─ MaxUnauthorized         401 (``verify.token``): token missing/revoked — never retried
    │  ├─ MaxForbidden            403
    │  │  └─ MaxChatDenied        403 ``chat.denied``: user stopped/blocked the bot
    │  ├─ MaxNotFound             404
    │  ├─ MaxMethodNotAllowed     405 (e.g. ``GET /updates`` while a webhook is active)
    │  ├─ MaxRateLimited          429; ``retry_after`` seconds if the server sent a numeric one
    │  ├─ MaxServerError          5xx
    │  └─ MaxOperationFailed      200 with ``{"success": false}``
    ├─ MaxTransportError          no (complete) response: connect error, timeout, dropped
    │                             connection; wraps the httpx exception as ``__cause__``
    └─ MaxUnexpectedResponse      a 2xx whose body is not the documented JSON

Branch on the class (i.e. on the HTTP status), not on ``code``: MAX documents codes only for
401, 400 ``attachment.not.ready`` and 403 ``chat.denied``. Error bodies that are not JSON, or
JSON without ``code``, still map by status (``code`` is then ``None``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

ATTACHMENT_NOT_READY_CODE = "attachment.not.ready"
CHAT_DENIED_CODE = "chat.denied"
VERIFY_TOKEN_CODE = "verify.token"
_ERROR_BODY_PREVIEW_CHARS = 200


class MaxError(Exception):
    """Base class of every error raised by :mod:`maxhack.max`."""


class MaxApiError(MaxError):
    """MAX answered with an error. ``status`` is the HTTP status; ``code``/``message`` come
    from the JSON body when it has them; ``operation`` is e.g. ``"POST /messages"``."""

    def __init__(
        self, status: int, code: str | None, message: str, *, operation: str | None = None
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.operation = operation
        where = f" ({operation})" if operation else ""
        super().__init__(f"MAX {status} {code or '-'}: {message}{where}")


class MaxBadRequest(MaxApiError):
    """400: the request was invalid."""


class MaxAttachmentNotReady(MaxBadRequest):
    """400 ``attachment.not.ready``: the uploaded file is still being processed."""


class MaxUnauthorized(MaxApiError):
    """401: the token is missing, malformed or revoked. Retrying cannot help."""


class MaxForbidden(MaxApiError):
    """403: no access."""


class MaxChatDenied(MaxForbidden):
    """403 ``chat.denied``: the user stopped or blocked the bot (or the chat is closed)."""


class MaxNotFound(MaxApiError):
    """404: unknown message/chat/path."""


class MaxMethodNotAllowed(MaxApiError):
    """405: e.g. long polling while a webhook subscription is active."""


class MaxRateLimited(MaxApiError):
    """429: too many requests. ``retry_after`` is the server's numeric ``Retry-After`` in
    seconds, ``None`` when absent or not a number (an HTTP date is not honoured)."""

    def __init__(
        self,
        status: int,
        code: str | None,
        message: str,
        *,
        operation: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(status, code, message, operation=operation)
        self.retry_after = retry_after


class MaxServerError(MaxApiError):
    """5xx: MAX failed or is unavailable."""


class MaxOperationFailed(MaxApiError):
    """200 with ``{"success": false}``; ``message`` carries MAX's explanation."""


class MaxTransportError(MaxError):
    """No complete response arrived. ``maybe_delivered`` is ``False`` only when the request
    provably never reached the server (connect failure), which makes even a non-idempotent
    call safe to repeat; otherwise MAX may have acted on it."""

    def __init__(self, message: str, *, maybe_delivered: bool, operation: str | None = None):
        self.maybe_delivered = maybe_delivered
        self.operation = operation
        where = f" ({operation})" if operation else ""
        super().__init__(f"{message}{where}")


class MaxUnexpectedResponse(MaxError):
    """A successful status with a body that does not match the documented shape."""


_BY_STATUS: Mapping[int, type[MaxApiError]] = {
    400: MaxBadRequest,
    401: MaxUnauthorized,
    403: MaxForbidden,
    404: MaxNotFound,
    405: MaxMethodNotAllowed,
    429: MaxRateLimited,
}
_BY_CODE: Mapping[tuple[int, str], type[MaxApiError]] = {
    (400, ATTACHMENT_NOT_READY_CODE): MaxAttachmentNotReady,
    (403, CHAT_DENIED_CODE): MaxChatDenied,
}


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a numeric ``Retry-After``; ``None`` for absent, dates or garbage."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds


def _code_and_message(body: bytes) -> tuple[str | None, str]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        data = None
    if isinstance(data, dict):
        code = data.get("code")
        message = data.get("message")
        return (
            code if isinstance(code, str) and code else None,
            message if isinstance(message, str) else "",
        )
    return None, body[:_ERROR_BODY_PREVIEW_CHARS].decode("utf-8", errors="replace")


def api_error_from_response(
    status: int,
    body: bytes,
    *,
    retry_after_header: str | None = None,
    operation: str | None = None,
) -> MaxApiError:
    """The exception for an error response; the class depends on the status (and, for the
    two documented cases, on ``code``)."""
    code, message = _code_and_message(body)
    if status == 429:
        return MaxRateLimited(
            status,
            code,
            message,
            operation=operation,
            retry_after=parse_retry_after(retry_after_header),
        )
    cls = _BY_CODE.get((status, code or "")) or _BY_STATUS.get(status)
    if cls is None:
        cls = MaxServerError if status >= 500 else MaxApiError
    return cls(status, code, message, operation=operation)


__all__ = [
    "ATTACHMENT_NOT_READY_CODE",
    "CHAT_DENIED_CODE",
    "VERIFY_TOKEN_CODE",
    "MaxApiError",
    "MaxAttachmentNotReady",
    "MaxBadRequest",
    "MaxChatDenied",
    "MaxError",
    "MaxForbidden",
    "MaxMethodNotAllowed",
    "MaxNotFound",
    "MaxOperationFailed",
    "MaxRateLimited",
    "MaxServerError",
    "MaxTransportError",
    "MaxUnauthorized",
    "MaxUnexpectedResponse",
    "api_error_from_response",
    "parse_retry_after",
]
