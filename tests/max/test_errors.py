"""Error responses map to one hierarchy, by status first and documented code second."""

from __future__ import annotations

import pytest

from maxhack.max import errors as e


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, "proto.payload", e.MaxBadRequest),
        (400, "attachment.not.ready", e.MaxAttachmentNotReady),
        (401, "verify.token", e.MaxUnauthorized),
        (403, "access.denied", e.MaxForbidden),
        (403, "chat.denied", e.MaxChatDenied),
        (404, "not.found", e.MaxNotFound),
        (405, "method.not.allowed", e.MaxMethodNotAllowed),
        (429, "too.many.requests", e.MaxRateLimited),
        (500, "internal", e.MaxServerError),
        (502, None, e.MaxServerError),
        (503, "service.unavailable", e.MaxServerError),
        (418, "teapot", e.MaxApiError),
    ],
)
def test_class_by_status_and_code(status: int, code: str | None, expected: type) -> None:
    body = b'{"code": "%s", "message": "m"}' % (code or "").encode() if code else b"{}"
    error = e.api_error_from_response(status, body, operation="GET /me")
    assert type(error) is expected
    assert error.status == status
    assert error.code == code
    assert error.operation == "GET /me"


def test_subclass_relations() -> None:
    assert issubclass(e.MaxAttachmentNotReady, e.MaxBadRequest)
    assert issubclass(e.MaxChatDenied, e.MaxForbidden)
    for cls in (e.MaxApiError, e.MaxTransportError, e.MaxUnexpectedResponse):
        assert issubclass(cls, e.MaxError)


@pytest.mark.parametrize("body", [b"<html>Bad Gateway</html>", b"", b"[1, 2]", b"\xff\xfe"])
def test_non_json_bodies_still_map_by_status(body: bytes) -> None:
    error = e.api_error_from_response(502, body)
    assert isinstance(error, e.MaxServerError)
    assert error.code is None
    forbidden = e.api_error_from_response(403, body)
    assert type(forbidden) is e.MaxForbidden


def test_message_and_code_from_json_body() -> None:
    error = e.api_error_from_response(
        401, b'{"code":"verify.token","message":"Invalid access_token"}'
    )
    assert isinstance(error, e.MaxUnauthorized)
    assert error.message == "Invalid access_token"
    assert "verify.token" in str(error)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("3", 3.0),
        (" 1.5 ", 1.5),
        ("0", 0.0),
        (None, None),
        ("soon", None),
        ("-1", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", None),
        ("inf", None),
    ],
)
def test_retry_after_parsing(header: str | None, expected: float | None) -> None:
    error = e.api_error_from_response(429, b"{}", retry_after_header=header)
    assert isinstance(error, e.MaxRateLimited)
    assert error.retry_after == expected


def test_transport_error_records_whether_it_may_have_been_delivered() -> None:
    error = e.MaxTransportError("ConnectError: refused", maybe_delivered=False, operation="GET /me")
    assert error.maybe_delivered is False
    assert "GET /me" in str(error)
