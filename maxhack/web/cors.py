"""Cross-origin access for the WebApp (served from another origin than the API).

``CORS_ORIGINS``: ``*`` allows any origin, an empty value sends no CORS headers, otherwise a
comma-separated list of allowed origins. The request's origin is echoed (never ``*``), so
credentials stay allowed, and ``Content-Disposition`` is exposed for ICS downloads. Preflight
requests are answered by Quart's automatic OPTIONS handling and skip authentication.
"""

from __future__ import annotations

from typing import Final

from quart import Response, request
from quart_trio import QuartTrio

__all__ = ["install_cors"]

ALLOWED_METHODS: Final = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
DEFAULT_ALLOWED_HEADERS: Final = "WebAppData, Content-Type"
PREFLIGHT_MAX_AGE_S: Final = 600


def install_cors(app: QuartTrio, origins: str) -> None:
    configured = {origin.strip().rstrip("/") for origin in origins.split(",") if origin.strip()}
    if not configured:
        return
    allow_any = "*" in configured

    @app.after_request
    async def add_cors_headers(response: Response) -> Response:
        origin = request.headers.get("Origin")
        if origin is None or not (allow_any or origin.rstrip("/") in configured):
            return response
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Access-Control-Expose-Headers"] = "Content-Disposition"
        response.vary.add("Origin")
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response.headers["Access-Control-Allow-Headers"] = request.headers.get(
                "Access-Control-Request-Headers", DEFAULT_ALLOWED_HEADERS
            )
            response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_S)
        return response
