"""Settings of :class:`~maxhack.max.client.MaxClient` and its TLS context."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field

import certifi

from .retry import (
    DEFAULT_ATTACHMENT_BACKOFF_INITIAL_S,
    DEFAULT_ATTACHMENT_MAX_ATTEMPTS,
    DEFAULT_BACKOFF_INITIAL_S,
    DEFAULT_BACKOFF_MAX_S,
    DEFAULT_MAX_ATTEMPTS,
    RetryPolicy,
)

DEFAULT_BASE_URL = "https://platform-api2.max.ru"
DEFAULT_CONNECT_TIMEOUT_S = 5.0
DEFAULT_READ_TIMEOUT_S = 15.0
DEFAULT_POLL_TIMEOUT_S = 30
POLL_READ_MARGIN_S = 10.0


@dataclass(frozen=True, kw_only=True)
class MaxClientConfig:
    """Connection settings. ``ca_file`` adds a PEM bundle (e.g. the Минцифры root) on top of
    the default roots. A long poll reads for ``poll timeout + poll_read_margin_s`` seconds."""

    token: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    ca_file: str | None = None
    connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S
    read_timeout_s: float = DEFAULT_READ_TIMEOUT_S
    poll_timeout_s: int = DEFAULT_POLL_TIMEOUT_S
    poll_read_margin_s: float = POLL_READ_MARGIN_S
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backoff_initial_s: float = DEFAULT_BACKOFF_INITIAL_S
    backoff_max_s: float = DEFAULT_BACKOFF_MAX_S
    attachment_backoff_initial_s: float = DEFAULT_ATTACHMENT_BACKOFF_INITIAL_S
    attachment_max_attempts: int = DEFAULT_ATTACHMENT_MAX_ATTEMPTS

    def __post_init__(self) -> None:
        if not self.token or self.token != self.token.strip() or "\n" in self.token:
            raise ValueError("token must be a non-empty string without surrounding whitespace")

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.max_attempts,
            backoff_initial_s=self.backoff_initial_s,
            backoff_max_s=self.backoff_max_s,
            attachment_backoff_initial_s=self.attachment_backoff_initial_s,
            attachment_max_attempts=self.attachment_max_attempts,
        )


def make_ssl_context(ca_file: str | None) -> ssl.SSLContext:
    """certifi's roots plus, if given, the PEM bundle ``ca_file``."""
    context = ssl.create_default_context(cafile=certifi.where())
    if ca_file is not None:
        context.load_verify_locations(cafile=ca_file)
    return context
