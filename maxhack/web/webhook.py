"""The webhook route: MAX POSTs one bare Update per request with X-Max-Bot-Api-Secret.

The secret is compared in constant time; a wrong or missing one is 401. A valid update is
stored durably (deduplicated) before the 200, so MAX's retries and our crashes lose
nothing; handling happens afterwards in the dispatcher. MAX wants the 200 within 30 s.
"""

from __future__ import annotations

import hmac
import json
import logging

from quart import Blueprint, Response, jsonify, request

from maxhack.bot.intake import WebhookIntake
from maxhack.max.models import parse_update

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Max-Bot-Api-Secret"
MAX_BODY_BYTES = 1_000_000


def webhook_blueprint(path: str, secret: str, intake: WebhookIntake) -> Blueprint:
    routes = Blueprint("max_webhook", __name__)
    expected = secret.encode()

    @routes.post(path)
    async def receive_update() -> tuple[Response, int]:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            log.warning("webhook call with a wrong secret", extra={"action": "webhook_denied"})
            return jsonify({"reason": f"missing or wrong {SECRET_HEADER}"}), 401
        body = await request.get_data(cache=False)
        if len(body) > MAX_BODY_BYTES:
            return jsonify({"reason": "update too large"}), 413
        try:
            raw = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return jsonify({"reason": "body is not JSON"}), 400
        if not isinstance(raw, dict):
            return jsonify({"reason": "body must be one Update object"}), 400
        new = await intake.accept(parse_update(raw))
        return jsonify({"ok": True, "duplicate": not new}), 200

    return routes
