"""When a failed MAX call is repeated, and how long to wait first.

Two kinds of calls (reference §1.7):

* ``RetryMode.IDEMPOTENT`` — GET, PUT, DELETE, ``POST /answers`` (re-applying the same edit
  is harmless; at worst the toast shows twice), ``POST /subscriptions`` (setting the same
  subscription again is a no-op), ``POST /uploads`` and the upload itself (an unused upload
  URL or token costs nothing). Retried on 429, 5xx and transport errors.
* ``RetryMode.SEND`` — ``POST /messages``: a repeat after a lost response may duplicate the
  message, so only errors that prove nothing was sent are retried: 429, 400
  ``attachment.not.ready``, and transport errors with ``maybe_delivered=False`` (the
  connection was never established).

``400 attachment.not.ready`` is retried in every mode on its own schedule — 1 s, 2 s, 4 s …
(no jitter, as MAX's docs describe it), at most ``attachment_max_attempts`` attempts.
Everything else waits ``uniform(0, min(backoff_max_s, backoff_initial_s * 2**(n-1)))``
("full jitter") before attempt ``n+1``, at most ``max_attempts`` attempts in total; a
numeric ``Retry-After`` on a 429 replaces the jittered wait — unless it exceeds
``backoff_max_s``, in which case the 429 is raised at once so the caller (which owns the
pacing) can reschedule instead of blocking inside one call. 401 is never retried.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass, field

from .errors import (
    MaxAttachmentNotReady,
    MaxError,
    MaxRateLimited,
    MaxServerError,
    MaxTransportError,
)

DEFAULT_MAX_ATTEMPTS = 4
DEFAULT_BACKOFF_INITIAL_S = 0.5
DEFAULT_BACKOFF_MAX_S = 30.0
DEFAULT_ATTACHMENT_BACKOFF_INITIAL_S = 1.0
DEFAULT_ATTACHMENT_MAX_ATTEMPTS = 5


class RetryMode(enum.Enum):
    """Which errors a call may be repeated on (see the module docstring)."""

    IDEMPOTENT = "idempotent"
    SEND = "send"


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """Retry limits and backoff; immutable and shared by all calls of one client."""

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backoff_initial_s: float = DEFAULT_BACKOFF_INITIAL_S
    backoff_max_s: float = DEFAULT_BACKOFF_MAX_S
    attachment_backoff_initial_s: float = DEFAULT_ATTACHMENT_BACKOFF_INITIAL_S
    attachment_max_attempts: int = DEFAULT_ATTACHMENT_MAX_ATTEMPTS

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.attachment_max_attempts < 1:
            raise ValueError("attempt limits must be at least 1")
        if self.backoff_initial_s < 0 or self.backoff_max_s < 0:
            raise ValueError("backoff durations must not be negative")

    def start(self, mode: RetryMode, rng: random.Random) -> RetryBudget:
        """A fresh per-call budget."""
        return RetryBudget(policy=self, mode=mode, rng=rng)


@dataclass
class RetryBudget:
    """Attempt counters of one call. ``next_delay(error)`` → seconds to wait, or ``None``
    when the error must be raised."""

    policy: RetryPolicy
    mode: RetryMode
    rng: random.Random
    attempts: int = field(default=1)
    not_ready_attempts: int = field(default=0)

    def next_delay(self, error: MaxError) -> float | None:
        policy = self.policy
        if isinstance(error, MaxAttachmentNotReady):
            self.not_ready_attempts += 1
            if self.not_ready_attempts >= policy.attachment_max_attempts:
                return None
            delay = policy.attachment_backoff_initial_s * 2.0 ** (self.not_ready_attempts - 1)
            return min(delay, max(policy.backoff_max_s, policy.attachment_backoff_initial_s))
        if not self._retryable(error) or self.attempts >= policy.max_attempts:
            return None
        if isinstance(error, MaxRateLimited) and error.retry_after is not None:
            if error.retry_after > policy.backoff_max_s:
                return None
            self.attempts += 1
            return error.retry_after
        ceiling = min(policy.backoff_max_s, policy.backoff_initial_s * 2.0 ** (self.attempts - 1))
        self.attempts += 1
        return self.rng.uniform(0.0, ceiling)

    def _retryable(self, error: MaxError) -> bool:
        if isinstance(error, MaxRateLimited):
            return True
        if self.mode is RetryMode.IDEMPOTENT:
            return isinstance(error, MaxServerError | MaxTransportError)
        return isinstance(error, MaxTransportError) and not error.maybe_delivered
