"""Health probe results for the stores, as /health reports them."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CheckResult:
    """The latest probe of one store. `ok=False` before the first probe has run."""

    ok: bool
    latency_ms: float | None = None
    error: str | None = None
    checked_at: float | None = None  # wall clock (time.time())
    consecutive_failures: int = 0

    @classmethod
    def pending(cls) -> CheckResult:
        return cls(ok=False, error="not probed yet")

    def succeeded(self, latency_s: float) -> CheckResult:
        return CheckResult(ok=True, latency_ms=round(latency_s * 1000, 2), checked_at=time.time())

    def failed(self, error: BaseException | str) -> CheckResult:
        text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        return CheckResult(
            ok=False,
            error=text[:300],
            checked_at=time.time(),
            consecutive_failures=self.consecutive_failures + 1,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "latencyMs": self.latency_ms,
            "error": self.error,
            "checkedAt": self.checked_at,
            "consecutiveFailures": self.consecutive_failures,
        }
