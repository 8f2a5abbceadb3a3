"""`maxhack webhook set|delete|show`: manage the MAX webhook subscription of this bot.

`set` subscribes MAX_WEBHOOK_URL with MAX_WEBHOOK_SECRET; `delete` removes MAX_WEBHOOK_URL
(or every subscription with `--all`), which makes long polling possible again; `show`
prints the current subscriptions. Exit 0 on success, 1 on a MAX error, 2 on bad settings.
"""

from __future__ import annotations

import json
import sys

from maxhack.config import Settings
from maxhack.max import MaxClient, MaxClientConfig
from maxhack.max.errors import MaxError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _client(settings: Settings) -> MaxClient:
    assert settings.MAX_TOKEN is not None
    return MaxClient(
        MaxClientConfig(
            token=settings.MAX_TOKEN.get_secret_value(),
            base_url=str(settings.MAX_API_URL).rstrip("/"),
            ca_file=str(settings.MAX_CA_FILE) if settings.MAX_CA_FILE else None,
        )
    )


async def run_webhook_command(settings: Settings, action: str, *, delete_all: bool) -> int:
    if settings.MAX_TOKEN is None:
        print("maxhack: MAX_TOKEN is not set", file=sys.stderr)
        return EXIT_USAGE
    url = None if settings.MAX_WEBHOOK_URL is None else str(settings.MAX_WEBHOOK_URL)
    if action in {"set", "delete"} and url is None and not delete_all:
        print("maxhack: MAX_WEBHOOK_URL is not set", file=sys.stderr)
        return EXIT_USAGE
    async with _client(settings) as client:
        try:
            if action == "set":
                assert settings.MAX_WEBHOOK_SECRET is not None and url is not None
                await client.subscribe(url, secret=settings.MAX_WEBHOOK_SECRET.get_secret_value())
                print(f"maxhack: webhook set to {url}")
            elif action == "delete":
                targets = [s.url for s in await client.get_subscriptions()] if delete_all else [url]
                for target in targets:
                    assert target is not None
                    await client.unsubscribe(target)
                print(f"maxhack: {len(targets)} webhook subscription(s) deleted")
            else:
                subscriptions = await client.get_subscriptions()
                print(json.dumps([s.model_dump(mode="json") for s in subscriptions], indent=2))
        except MaxError as exc:
            print(f"maxhack: MAX refused: {exc}", file=sys.stderr)
            return EXIT_FAILED
    return EXIT_OK
