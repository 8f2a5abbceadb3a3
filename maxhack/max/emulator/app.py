"""The emulator's ASGI application: Quart-trio routes behind :class:`EmulatorMiddleware`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from quart import Quart
from quart.typing import ResponseReturnValue
from quart_trio import QuartTrio
from werkzeug.exceptions import HTTPException

from .errors import ApiFailure, EmulatorUsageError
from .middleware import EmulatorMiddleware
from .routes_bot import register_bot_routes
from .routes_control import register_control_routes

if TYPE_CHECKING:
    from .emulator import Emulator

MAX_UPLOAD_BYTES = 64 * 1024 * 1024


def create_app(emulator: Emulator) -> EmulatorMiddleware:
    """A fresh ASGI app serving ``emulator``."""
    app: Quart = QuartTrio(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_UPLOAD_BYTES
    register_bot_routes(app, emulator.api)
    register_control_routes(app, emulator)

    @app.errorhandler(ApiFailure)
    async def api_failure(error: ApiFailure) -> ResponseReturnValue:
        headers = {"Retry-After": error.retry_after} if error.retry_after else {}
        return error.body(), error.status, headers

    @app.errorhandler(EmulatorUsageError)
    async def usage_error(error: EmulatorUsageError) -> ResponseReturnValue:
        return {"code": "emulator.usage", "message": str(error)}, 400

    @app.errorhandler(HTTPException)
    async def http_error(error: HTTPException) -> ResponseReturnValue:
        status = error.code or 500
        code = {404: "not.found", 405: "method.not.allowed"}.get(status, "error")
        return {"code": code, "message": error.description or error.name}, status

    return EmulatorMiddleware(
        app,
        token=emulator.config.token,
        faults=emulator.faults,
        rate_limiter=emulator.rate_limiter,
        request_log=emulator.request_log,
    )
