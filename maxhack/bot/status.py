"""Why the bot is not working, if it is not: shared by the bot actors and /health."""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass
class BotStatus:
    """`fatal_reason` is set when MAX refuses the token (401): the bot actors stop, the
    process keeps serving the API, and /health reports the reason until a restart."""

    enabled: bool
    disabled_reason: str | None = None
    fatal_reason: str | None = None
    username: str | None = None
    polling_leader: bool = False

    def token_rejected(self, error: BaseException) -> None:
        if self.fatal_reason is None:
            self.fatal_reason = f"MAX rejected the bot token (401): {error}"
            log.critical(
                "MAX rejected the bot token; bot actors are stopping",
                extra={"action": "bot_token_rejected"},
            )

    def to_dict(self) -> dict[str, object]:
        info: dict[str, object] = {"enabled": self.enabled}
        if self.disabled_reason:
            info["reason"] = self.disabled_reason
        if self.fatal_reason:
            info["error"] = self.fatal_reason
        if self.enabled:
            info["username"] = self.username
            info["pollingLeader"] = self.polling_leader
        return info
