"""The quart-trio application served by the http actor.

Every route answers both at `/<route>` and at `/api/<route>` (the WebApp's base URL may or
may not carry the prefix), and every error is the JSON envelope `{"reason": ...}`
(:mod:`maxhack.web.errors`). Routes other than /health, /auth, /openapi.json and /docs need the
`WebAppData` header; a `before_request` hook authenticates before any validation runs.
`GET /openapi.json` and the docs at `/docs` are generated from the same pydantic models that
validate requests.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from quart import Blueprint, Response, g, jsonify, request
from quart_schema import APIKeySecurityScheme, Info, QuartSchema
from quart_trio import QuartTrio

from maxhack import __version__
from maxhack.bot.intake import WebhookIntake
from maxhack.config import Settings
from maxhack.health import HealthReport
from maxhack.resources.stores import Stores
from maxhack.web.auth import WEBAPP_HEADER, Authenticator
from maxhack.web.cors import install_cors
from maxhack.web.errors import install_error_handlers
from maxhack.web.openapi import API_PREFIX, ApiOpenAPIProvider, IdConverter, InviteKeyConverter
from maxhack.web.routes import PUBLIC_ATTRIBUTE, ROUTE_BLUEPRINTS, public
from maxhack.web.services import EXTENSION_KEY, ApiServices
from maxhack.web.webhook import webhook_blueprint

__all__ = ["API_PREFIX", "MAX_BODY_BYTES", "WebContext", "create_app"]

MAX_BODY_BYTES: Final = 1024 * 1024
METRICS_CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"
# quart-schema's own endpoints; they need no authentication.
_SCHEMA_ENDPOINTS: Final = frozenset({"openapi", "swagger_ui", "static"})


@dataclass(frozen=True)
class WebContext:
    """What request handlers may use. Providers are called per request: the stores change
    when the resources actor restarts (and raise `StoresUnavailable` while it is down)."""

    settings: Settings
    health: Callable[[], HealthReport]
    stores: Callable[[], Stores]
    bot_username: Callable[[], str | None]
    metrics: Callable[[], bytes] | None = None  # Prometheus text for GET /metrics
    webhook: WebhookIntake | None = None  # set in webhook mode: MAX POSTs updates here


async def _drain_body() -> None:
    """Read what is left of the request body before the response goes out.

    hypercorn's h11 protocol can stall a keep-alive connection when a response is sent before
    the request body was read and the body's tail then arrives in one read with the next
    request; routes and error paths that never read the body (405, 401, a GET with a body)
    would trigger it. Bounded by MAX_CONTENT_LENGTH; a body that cannot be read (too large,
    already streamed into a form parser) is left alone.
    """
    if request.content_length or "transfer-encoding" in request.headers:
        with contextlib.suppress(Exception):
            await request.get_data()


def create_app(context: WebContext) -> QuartTrio:
    app = QuartTrio("maxhack")
    app.config["JSON_SORT_KEYS"] = False
    app.config["MAXHACK_CONTEXT"] = context
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["invite_key"] = InviteKeyConverter
    app.url_map.strict_slashes = False
    QuartSchema(
        app,
        info=Info(title="MAX Уведомления API", version=__version__),
        openapi_provider_class=ApiOpenAPIProvider,
        redoc_ui_path=None,
        scalar_ui_path=None,
        swagger_ui_path="/docs",
        security_schemes={
            "WebAppData": APIKeySecurityScheme(in_="header", name=WEBAPP_HEADER),
        },
        security=[{"WebAppData": []}],
    )
    token = context.settings.MAX_TOKEN
    api = ApiServices(
        pool=lambda: context.stores().pg,
        auth=Authenticator(
            bot_token=None if token is None else token.get_secret_value(),
            max_age_s=context.settings.WEBAPP_AUTH_MAX_AGE,
            pool=lambda: context.stores().pg,
        ),
    )
    app.extensions[EXTENSION_KEY] = api

    health_routes = Blueprint("health", __name__)

    @health_routes.get("/health")
    @public
    async def health() -> tuple[Response, int]:
        """Liveness and readiness: the supervision tree and the store probes."""
        report = context.health()
        return jsonify(report.body), report.status_code

    metrics_source = context.metrics

    @health_routes.get("/metrics")
    @public
    async def metrics() -> Response:
        """Prometheus metrics: actors, stores, db writer, sender, reminders."""
        body = metrics_source() if metrics_source is not None else b""
        return Response(body, status=200, content_type=METRICS_CONTENT_TYPE)

    for blueprint in (health_routes, *ROUTE_BLUEPRINTS):
        app.register_blueprint(blueprint)
        app.register_blueprint(blueprint, url_prefix=API_PREFIX, name=f"api_{blueprint.name}")
    if context.webhook is not None:
        secret = context.settings.MAX_WEBHOOK_SECRET
        assert secret is not None  # the settings refuse a webhook URL without a secret
        webhook = webhook_blueprint(
            context.settings.MAX_WEBHOOK_PATH, secret.get_secret_value(), context.webhook
        )
        app.register_blueprint(webhook)
        for endpoint, view in app.view_functions.items():
            if endpoint.startswith(f"{webhook.name}."):
                setattr(view, PUBLIC_ATTRIBUTE, True)  # MAX authenticates with the secret

    @app.before_request
    async def authenticate() -> None:
        if request.method == "OPTIONS" or request.endpoint is None:
            return
        if request.endpoint in _SCHEMA_ENDPOINTS:
            return
        view = app.view_functions.get(request.endpoint)
        if getattr(view, PUBLIC_ATTRIBUTE, False):
            return
        g.principal = await api.auth.authenticate(request.headers.get(WEBAPP_HEADER))

    @app.after_request
    async def drain_unread_body(response: Response) -> Response:
        await _drain_body()
        return response

    install_cors(app, context.settings.CORS_ORIGINS)
    install_error_handlers(app)
    return app
