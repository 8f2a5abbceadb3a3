"""The quart-trio application served by the http actor.

Every route answers both at `/<route>` and at `/api/<route>` (the WebApp's base URL may or
may not carry the prefix), and every error is the JSON envelope `{"reason": ...}`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from quart import Blueprint, Response, jsonify
from quart_trio import QuartTrio
from werkzeug.exceptions import HTTPException

from maxhack.config import Settings
from maxhack.health import HealthReport
from maxhack.resources.stores import Stores

API_PREFIX = "/api"


@dataclass(frozen=True)
class WebContext:
    """What request handlers may use. Providers are called per request: the stores change
    when the resources actor restarts (and raise `StoresUnavailable` while it is down)."""

    settings: Settings
    health: Callable[[], HealthReport]
    stores: Callable[[], Stores]
    bot_username: Callable[[], str | None]


def create_app(context: WebContext) -> QuartTrio:
    app = QuartTrio("maxhack")
    app.config["JSON_SORT_KEYS"] = False
    app.config["MAXHACK_CONTEXT"] = context
    routes = Blueprint("routes", __name__)

    @routes.get("/health")
    async def health() -> tuple[Response, int]:
        report = context.health()
        return jsonify(report.body), report.status_code

    app.register_blueprint(routes)
    app.register_blueprint(routes, url_prefix=API_PREFIX, name="api")
    _install_error_envelope(app)
    return app


def _install_error_envelope(app: QuartTrio) -> None:
    @app.errorhandler(HTTPException)
    async def http_error(error: HTTPException) -> tuple[Response, int]:
        status = error.code or 500
        return jsonify({"reason": error.name}), status

    @app.errorhandler(Exception)
    async def unexpected_error(error: Exception) -> tuple[Response, int]:
        app.logger.exception("unhandled error", extra={"action": "http_500"})
        return jsonify({"reason": "Internal Server Error"}), 500
