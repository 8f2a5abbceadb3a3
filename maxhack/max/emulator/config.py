"""Settings of the MAX emulator."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

DEFAULT_TOKEN = "emulator-token"
DEFAULT_BOT_USER_ID = 900_000_001
DEFAULT_BOT_USERNAME = "maxhack_test_bot"
DEFAULT_BOT_NAME = "MAX Уведомления"
MAX_POLL_TIMEOUT_S = 90
MAX_POLL_LIMIT = 1000
WEBHOOK_RETRY_INITIAL_S = 60.0
WEBHOOK_RETRY_FACTOR = 2.5
WEBHOOK_MAX_ATTEMPTS = 10
WEBHOOK_TIMEOUT_S = 30.0
REQUEST_LOG_MAX_ENTRIES = 100_000


@dataclass(frozen=True, kw_only=True)
class EmulatorConfig:
    """How the fake MAX server behaves.

    ``port=0`` binds a free port (reported by ``Emulator.serve``). ``rate_limit_per_s``
    caps Bot API requests over a sliding one-second window (excess → 429; ``None`` = no
    limit). With ``attachment_not_ready_first`` the first ``attachment_not_ready_count``
    sends of each fresh upload token fail with 400 ``attachment.not.ready``.
    ``forbidden_extensions`` (lower case, with the dot, e.g. ``".exe"``) make uploads fail
    with "File extension is forbidden".

    Where the reference is ambiguous both readings are available (reference §9):
    ``updates_without_marker`` — ``"since_commit"`` (S33: a poll without ``marker`` returns
    every uncommitted update) or ``"last_only"`` (S32: only the newest one);
    ``null_marker_when_empty`` — answer ``"marker": null`` to an empty poll;
    ``exclusive_media_attachments`` — S33's "file/audio/contact/sticker must be the only
    attachment" (reject such a message with anything else, a keyboard included).
    Webhook retries wait ``webhook_retry_initial_s * webhook_retry_factor**(n-1)``.
    """

    host: str = "127.0.0.1"
    port: int = 0
    token: str = field(default=DEFAULT_TOKEN, repr=False)
    bot_user_id: int = DEFAULT_BOT_USER_ID
    bot_username: str = DEFAULT_BOT_USERNAME
    bot_name: str = DEFAULT_BOT_NAME
    rate_limit_per_s: float | None = None
    attachment_not_ready_first: bool = False
    attachment_not_ready_count: int = 1
    forbidden_extensions: frozenset[str] = frozenset()
    updates_without_marker: Literal["since_commit", "last_only"] = "since_commit"
    null_marker_when_empty: bool = False
    exclusive_media_attachments: bool = True
    webhook_require_https: bool = False
    webhook_retry_initial_s: float = WEBHOOK_RETRY_INITIAL_S
    webhook_retry_factor: float = WEBHOOK_RETRY_FACTOR
    webhook_max_attempts: int = WEBHOOK_MAX_ATTEMPTS
    webhook_timeout_s: float = WEBHOOK_TIMEOUT_S
    request_log_max_entries: int = REQUEST_LOG_MAX_ENTRIES

    def __post_init__(self) -> None:
        normalized = frozenset(
            ext.lower() if ext.startswith(".") else f".{ext.lower()}"
            for ext in self.forbidden_extensions
        )
        object.__setattr__(self, "forbidden_extensions", normalized)
        if self.rate_limit_per_s is not None and self.rate_limit_per_s <= 0:
            raise ValueError("rate_limit_per_s must be positive or None")
