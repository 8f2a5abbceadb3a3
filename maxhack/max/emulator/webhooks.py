"""Webhook delivery: POST each update, as a bare ``Update`` object, to the subscription URL.

One delivery task runs per active subscription (the emulator cancels it when the
subscription changes or is removed). It starts at the first uncommitted update — switching
from long polling to a webhook hands over the backlog — and walks the update log in order:
an update is committed once delivered, filtered out by ``update_types``, or given up after
``webhook_max_attempts`` failed attempts. A delivery succeeds only on HTTP 200; failures
are retried after ``webhook_retry_initial_s * webhook_retry_factor**(attempt-1)`` seconds.
Cancelled mid-retry, the update stays uncommitted and the next delivery task sends it again
(at-least-once, like MAX).
"""

from __future__ import annotations

import logging
import time

import httpx
import trio

from .config import EmulatorConfig
from .records import JsonDict, Subscription, WebhookDelivery
from .updates import UpdateLog

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Max-Bot-Api-Secret"
WEBHOOK_OK_STATUS = 200


async def deliver_updates(
    *,
    updates: UpdateLog,
    subscription: Subscription,
    http: httpx.AsyncClient,
    config: EmulatorConfig,
    journal: list[WebhookDelivery],
) -> None:
    """Deliver forever (until cancelled)."""
    while True:
        seq, update = await updates.wait_next(updates.committed)
        update_type = str(update.get("update_type", ""))
        if subscription.wants(update_type):
            await _deliver_one(seq, update, subscription, http, config, journal)
        updates.commit(seq + 1)


async def _deliver_one(
    seq: int,
    update: JsonDict,
    subscription: Subscription,
    http: httpx.AsyncClient,
    config: EmulatorConfig,
    journal: list[WebhookDelivery],
) -> None:
    headers = {SECRET_HEADER: subscription.secret} if subscription.secret else {}
    update_type = str(update.get("update_type", ""))
    for attempt in range(1, config.webhook_max_attempts + 1):
        status: int | None = None
        error: str | None = None
        try:
            response = await http.post(
                subscription.url, json=update, headers=headers, timeout=config.webhook_timeout_s
            )
            status = response.status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        journal.append(
            WebhookDelivery(
                url=subscription.url,
                seq=seq,
                update_type=update_type,
                attempt=attempt,
                status=status,
                error=error,
                at=time.monotonic(),
            )
        )
        if status == WEBHOOK_OK_STATUS:
            return
        if attempt < config.webhook_max_attempts:
            await trio.sleep(
                config.webhook_retry_initial_s * config.webhook_retry_factor ** (attempt - 1)
            )
    logger.warning(
        "webhook delivery given up",
        extra={"action": "emulator_webhook_given_up", "seq": seq, "update_type": update_type},
    )
