"""HTTP errors: the API's exception hierarchy and the one mapping from errors to statuses.

Every error response is ``{"reason": ...}``. Statuses:

* 400 — the request is malformed: :class:`BadRequest` (validation, naming the field), or a
  werkzeug 4xx (bad multipart, ...);
* 401 — :class:`Unauthorized` (WebApp init data missing, invalid, expired; auth unavailable);
* 403/404/409 — domain errors, mapped by :data:`DOMAIN_STATUS`;
* 413 — body too large; 404/405 — unknown route or method;
* 503 — the stores are down (:class:`~maxhack.resources.stores.StoresUnavailable`, lost
  connections);
* 500 — a bug; logged with its traceback. Client input never causes one: constraint
  violations that slip past validation become 409, out-of-range data 400, and both are logged.
"""

from __future__ import annotations

import logging
from typing import Final

import asyncpg
from pydantic import ValidationError
from quart import Response
from quart_trio import QuartTrio
from werkzeug.exceptions import HTTPException

from maxhack.db.errors import is_connection_error
from maxhack.domain.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from maxhack.resources.stores import StoresUnavailable
from maxhack.web.schemas.common import ErrorResponse

__all__ = [
    "DOMAIN_STATUS",
    "ApiError",
    "BadRequest",
    "Unauthorized",
    "describe_validation_error",
    "error_response",
    "install_error_handlers",
]

log = logging.getLogger(__name__)

DOMAIN_STATUS: Final[dict[type[DomainError], int]] = {
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    Invalid: 409,
}
MAX_REASON_ERRORS = 5


class ApiError(Exception):
    """An error the API answers with ``status`` and ``reason``."""

    status = 500

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401


def error_response(status: int, reason: str) -> Response:
    return Response(
        ErrorResponse(reason=reason).model_dump_json(),
        status=status,
        content_type="application/json",
    )


def describe_validation_error(exc: ValidationError, *, prefix: str = "") -> str:
    """One line: ``field: message`` per error (the first few), fields in wire names."""
    parts = []
    for error in exc.errors(include_url=False, include_input=False)[:MAX_REASON_ERRORS]:
        location = ".".join(str(part) for part in error["loc"]) or "body"
        parts.append(f"{prefix}{location}: {error['msg']}")
    more = exc.error_count() - MAX_REASON_ERRORS
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


def _domain_status(error: DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in DOMAIN_STATUS:
            return DOMAIN_STATUS[cls]
    return 409


def install_error_handlers(app: QuartTrio) -> None:
    @app.errorhandler(DomainError)
    async def domain_error(error: DomainError) -> Response:
        return error_response(_domain_status(error), error.reason)

    @app.errorhandler(ApiError)
    async def api_error(error: ApiError) -> Response:
        return error_response(error.status, error.reason)

    @app.errorhandler(HTTPException)
    async def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        reason = error.name if status in (404, 405) else (error.description or error.name)
        return error_response(status, reason)

    @app.errorhandler(StoresUnavailable)
    async def stores_down(error: StoresUnavailable) -> Response:
        return error_response(503, "the database is not available right now")

    @app.errorhandler(asyncpg.IntegrityConstraintViolationError)
    async def constraint(error: asyncpg.IntegrityConstraintViolationError) -> Response:
        log.warning(
            "constraint violation reached the API",
            extra={"action": "http_constraint", "error": str(error)},
        )
        return error_response(409, "Конфликт с одновременным изменением, повторите запрос")

    @app.errorhandler(asyncpg.DataError)
    async def bad_data(error: asyncpg.DataError) -> Response:
        log.warning(
            "invalid data reached the database", extra={"action": "http_data", "error": str(error)}
        )
        return error_response(400, "a value is out of range")

    @app.errorhandler(Exception)
    async def unexpected_error(error: Exception) -> Response:
        if is_connection_error(error):
            log.warning("store connection lost", extra={"action": "http_503", "error": str(error)})
            return error_response(503, "the database is not available right now")
        log.exception("unhandled error", extra={"action": "http_500"})
        return error_response(500, "Internal Server Error")
