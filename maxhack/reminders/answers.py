"""Reminder answer buttons: the three choices and their short, versioned callback payloads.

Payload: `a1:<event_id>:<occurrence unix seconds>:<status>` — "a" for answer, "1" the format
version. Anything else (older format, forged, truncated) parses to None: the bot answers
it with a friendly message instead of acting on it.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from maxhack.max.models import CallbackButton, Keyboard

PAYLOAD_VERSION = "a1"
_PAYLOAD = re.compile(r"^a1:(\d{1,18}):(\d{1,12}):(OK|MAYBE|NO)$")


class AnswerStatus(enum.Enum):
    OK = "OK"
    MAYBE = "MAYBE"
    NO = "NO"


# Button texts and confirmations kept from the original product.
BUTTON_TEXT = {
    AnswerStatus.OK: "✅ Буду",
    AnswerStatus.MAYBE: "🤷 Не уверен",
    AnswerStatus.NO: "❌ Не смогу",
}
CONFIRMATION = {
    AnswerStatus.OK: "Отклик записан: Буду 👍",
    AnswerStatus.MAYBE: "Отклик записан: Подумаю 🤔",
    AnswerStatus.NO: "Отклик записан: Не буду 👎",
}


@dataclass(frozen=True)
class AnswerChoice:
    event_id: int
    occurrence_at: datetime
    status: AnswerStatus


def answer_payload(event_id: int, occurrence_at: datetime, status: AnswerStatus) -> str:
    return f"{PAYLOAD_VERSION}:{event_id}:{int(occurrence_at.timestamp())}:{status.value}"


def parse_answer_payload(payload: str | None) -> AnswerChoice | None:
    match = _PAYLOAD.match(payload or "")
    if match is None:
        return None
    return AnswerChoice(
        event_id=int(match[1]),
        occurrence_at=datetime.fromtimestamp(int(match[2]), UTC),
        status=AnswerStatus(match[3]),
    )


def answer_keyboard(event_id: int, occurrence_at: datetime) -> Keyboard:
    """One button per row, as in the original."""
    return Keyboard(
        buttons=[
            [
                CallbackButton(
                    text=BUTTON_TEXT[s], payload=answer_payload(event_id, occurrence_at, s)
                )
            ]
            for s in AnswerStatus
        ]
    )
