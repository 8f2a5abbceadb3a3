"""Request parsing and response encoding for route handlers, documented in the OpenAPI schema.

* :func:`json_body` — the body parsed straight into a pydantic model (``data=`` argument);
* :func:`query` — the query string into a model (``args=`` argument);
* :func:`responds` — documents a response model for a status;
* :func:`json_response` — a model encoded by pydantic (camelCase, ISO dates) in one step.

Validation failures raise :class:`~maxhack.web.errors.BadRequest` naming the field, so they run
after authentication (a ``before_request`` hook) and become 400 ``{"reason": ...}``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, Final, TypeVar

from pydantic import BaseModel, ValidationError
from quart import Response, request
from quart_schema import document_querystring, document_request, document_response
from quart_schema.validation import DataSource

from maxhack.web.errors import BadRequest, describe_validation_error
from maxhack.web.schemas.common import ErrorResponse

__all__ = [
    "EMPTY_RESPONSE_ATTRIBUTE",
    "ERROR_STATUSES",
    "json_body",
    "json_response",
    "no_content",
    "query",
    "responds",
]

F = TypeVar("F", bound=Callable[..., Awaitable[Response]])
ERROR_STATUSES: Final = (400, 401, 403, 404, 409)
JSON: Final = "application/json"
EMPTY_RESPONSE_ATTRIBUTE: Final = "_maxhack_empty_response"


def json_response(value: BaseModel, status: int = 200) -> Response:
    return Response(value.model_dump_json(), status=status, content_type=JSON)


def no_content() -> Response:
    return Response("", status=204)


def json_body(model: type[BaseModel]) -> Callable[[F], F]:
    """Validate the JSON body against ``model`` and pass it as ``data=``.

    An empty body counts as ``{}`` (a PATCH with nothing to change is valid; a POST reports
    its missing fields).
    """

    def decorate(handler: F) -> F:
        document_request(model, source=DataSource.JSON)(handler)

        @wraps(handler)
        async def wrapper(*args: Any, **kwargs: Any) -> Response:
            raw = await request.get_data(as_text=False)
            if not raw.strip():
                raw = b"{}"  # no body: every required field is reported missing
            try:
                data = model.model_validate_json(raw)
            except ValidationError as exc:
                raise BadRequest(describe_validation_error(exc)) from None
            return await handler(*args, data=data, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def query(model: type[BaseModel]) -> Callable[[F], F]:
    """Validate the query string against ``model`` and pass it as ``args=``.

    A repeated parameter becomes a list (the model decides whether that is acceptable).
    """

    def decorate(handler: F) -> F:
        document_querystring(model)(handler)

        @wraps(handler)
        async def wrapper(*args: Any, **kwargs: Any) -> Response:
            values: dict[str, Any] = {}
            for key in request.args:
                found = request.args.getlist(key)
                values[key] = found if len(found) > 1 else found[0]
            try:
                parsed = model.model_validate(values)
            except ValidationError as exc:
                raise BadRequest(describe_validation_error(exc, prefix="query ")) from None
            return await handler(*args, args=parsed, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def responds(
    model: type[BaseModel] | None, status: int = 200, *, media_type: str | None = None
) -> Callable[[F], F]:
    """Document the success response (and the error envelope for the error statuses).

    Without a model the response is empty (204) or a non-JSON ``media_type`` body.
    """

    def decorate(handler: F) -> F:
        if model is not None:
            document_response(model, status)(handler)
        else:
            setattr(handler, EMPTY_RESPONSE_ATTRIBUTE, (status, media_type))
        for error_status in ERROR_STATUSES:
            document_response(ErrorResponse, error_status)(handler)
        return handler

    return decorate
