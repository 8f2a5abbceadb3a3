"""One structured log record per lifecycle event.

Every record carries ``extra={"action": <LogAction value>, "supervisor": <id>,
"child": <id or None>}`` plus event fields (``delay_s``, ``error``, ``reason``...), so a JSON
formatter can index them. The default logger is ``logging.getLogger("supervisors")``.
"""

from __future__ import annotations

import enum
import logging

LOGGER_NAME = "supervisors"


class LogAction(enum.StrEnum):
    """Values of the ``action`` field of the records a supervisor logs."""

    CHILD_STARTED = "child_started"  # INFO: reported started
    CHILD_START_FAILED = "child_start_failed"  # ERROR: raised/returned/timed out before started
    CHILD_EXITED = "child_exited"  # INFO (normal) / ERROR (exception): ended on its own
    CHILD_RESTARTING = "child_restarting"  # WARNING: will be started again after delay_s
    CHILD_STOPPING = "child_stopping"  # INFO: soft stop requested (or cancelled at once)
    CHILD_STOPPED = "child_stopped"  # INFO (WARNING if it raised while stopping)
    SUPERVISOR_STARTED = "supervisor_started"  # INFO: every initial child started
    SUPERVISOR_START_FAILED = "supervisor_start_failed"  # ERROR: run() raises ChildStartError
    SUPERVISOR_STOPPING = "supervisor_stopping"  # INFO: stop() honoured
    SUPERVISOR_STOPPED = "supervisor_stopped"  # INFO: run() returns normally
    SUPERVISOR_GAVE_UP = "supervisor_gave_up"  # ERROR: intensity exceeded


def log_event(
    logger: logging.Logger,
    level: int,
    action: LogAction,
    message: str,
    *args: object,
    supervisor: str,
    child: str | None = None,
    exc: BaseException | None = None,
    **fields: object,
) -> None:
    """Log ``message % args`` with the structured fields (and ``exc``'s traceback, if any)."""
    if not logger.isEnabledFor(level):
        return
    extra: dict[str, object] = {
        "action": action.value,
        "supervisor": supervisor,
        "child": child,
        **fields,
    }
    logger.log(level, message, *args, extra=extra, exc_info=exc)
