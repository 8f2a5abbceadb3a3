"""ASGI layer in front of the Bot API: request log, injected faults, rate limit, auth.

Order per request: log start → injected latency → injected status/drop → global rate limit
(Bot API only) → ``Authorization`` check (Bot API only) → the route. The control API
(``/_emulator/…``) bypasses all of it; upload URLs (``/_upload/…``) see faults but need no
token and are not rate limited.

A *dropped* connection sends response headers and then closes the connection without a
body, which the client sees as a protocol/transport error.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import trio

from .errors import ApiFailure
from .faults import FaultPlan, FaultRule, RateLimiter, RequestLog
from .records import RequestRecord

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[..., Awaitable[None]]

CONTROL_PREFIX = "/_emulator"
UPLOAD_PREFIX = "/_upload/"
INVALID_TOKEN_BODY = ("verify.token", "Invalid access_token")
RATE_LIMITED_BODY = ("too.many.requests", "Too many requests")


class EmulatorMiddleware:
    """Wraps the Quart app; see the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str,
        faults: FaultPlan,
        rate_limiter: RateLimiter,
        request_log: RequestLog,
    ) -> None:
        self._app = app
        self._token = token
        self._faults = faults
        self._rate_limiter = rate_limiter
        self._log = request_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or path.startswith(CONTROL_PREFIX):
            await self._app(scope, receive, send)
            return
        method = str(scope["method"])
        started_at = self._log.clock()
        outcome: dict[str, Any] = {"status": None, "fault": None, "logged": False}

        def record() -> None:
            # Logged before the last byte leaves, so a client that got its answer always
            # finds the request in the log.
            if outcome["logged"]:
                return
            outcome["logged"] = True
            self._log.append(
                RequestRecord(
                    method=method,
                    path=path,
                    query=bytes(scope.get("query_string", b"")).decode("latin-1"),
                    status=outcome["status"],
                    started_at=started_at,
                    finished_at=self._log.clock(),
                    fault=outcome["fault"],
                )
            )

        async def logged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                outcome["status"] = int(message["status"])
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                record()
            await send(message)

        try:
            await self._handle(scope, receive, logged_send, method, path, outcome)
        finally:
            record()

    async def _handle(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        method: str,
        path: str,
        outcome: dict[str, Any],
    ) -> None:
        latency_s, rule = self._faults.take(method, path)
        if latency_s > 0:
            outcome["fault"] = f"latency:{latency_s}"
            await trio.sleep(latency_s)
        if rule is not None:
            outcome["fault"] = rule.describe
            if rule.kind == "status":
                await _send_failure(send, _failure_of(rule))
                return
            if not rule.after_handling:
                await _drop(send)
                outcome["status"] = None  # headers went out, but no response ever completes
                return
        is_bot_api = not path.startswith(UPLOAD_PREFIX)
        if is_bot_api and not self._rate_limiter.try_acquire():
            outcome["fault"] = outcome["fault"] or "rate_limit"
            await _send_failure(send, ApiFailure(429, *RATE_LIMITED_BODY))
            return
        if is_bot_api and _authorization(scope) != self._token:
            await _send_failure(send, ApiFailure(401, *INVALID_TOKEN_BODY))
            return
        if rule is not None:  # drop after handling: run the route, discard its answer
            await self._app(scope, receive, _discard)
            await _drop(send)
            outcome["status"] = None
            return
        await self._app(scope, receive, send)


def _authorization(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if bytes(name).lower() == b"authorization":
            return bytes(value).decode("latin-1")
    return None


def _failure_of(rule: FaultRule) -> ApiFailure:
    default_codes = {429: "too.many.requests", 500: "internal.error", 503: "service.unavailable"}
    return ApiFailure(
        rule.status,
        rule.code or default_codes.get(rule.status, "error"),
        rule.message or "injected fault",
        retry_after=rule.retry_after,
    )


async def _send_failure(send: Send, failure: ApiFailure) -> None:
    body = json.dumps(failure.body()).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if failure.retry_after is not None:
        headers.append((b"retry-after", failure.retry_after.encode("latin-1")))
    await send({"type": "http.response.start", "status": failure.status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _drop(send: Send) -> None:
    # Headers without a body, then the app returns: the server closes the connection
    # mid-response, which is as close to a cut cable as ASGI allows.
    await send({"type": "http.response.start", "status": 200, "headers": []})


async def _discard(message: Message) -> None:
    return None
