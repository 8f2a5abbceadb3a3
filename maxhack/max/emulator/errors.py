"""Errors inside the emulator.

``ApiFailure`` is an error *answer* of the fake Bot API (becomes an HTTP response with the
MAX error body); ``EmulatorUsageError`` is a mistake by the test driving the emulator
(pressing a button that does not exist, an unknown user, …) and is raised to the caller
(or answered 400 ``emulator.usage`` on the control API).
"""

from __future__ import annotations

VALIDATION_CODE = "proto.payload"
NOT_FOUND_CODE = "not.found"


class ApiFailure(Exception):
    """Answer ``status`` with ``{"code": code, "message": message}``."""

    def __init__(
        self, status: int, code: str, message: str, *, retry_after: str | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after

    def body(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def bad_request(message: str, code: str = VALIDATION_CODE) -> ApiFailure:
    return ApiFailure(400, code, message)


def not_found(message: str) -> ApiFailure:
    return ApiFailure(404, NOT_FOUND_CODE, message)


class EmulatorUsageError(ValueError):
    """The emulator was asked for something impossible (bad test input)."""
