"""Models of the /users routes."""

from __future__ import annotations

import re
from typing import Annotated, Final

from pydantic import AfterValidator, Field

from maxhack.domain.models import NotifyMode, User
from maxhack.web.schemas.common import ApiModel, Id, Printable, Strip, TimeZoneInput, offset_now

__all__ = ["UserPatch", "UserResponse"]

PHONE_DIGITS_MIN: Final = 5
PHONE_DIGITS_MAX: Final = 15  # E.164
_PHONE_SEPARATORS = re.compile(r"[\s\-()]")
_PHONE = re.compile(rf"\+?[0-9]{{{PHONE_DIGITS_MIN},{PHONE_DIGITS_MAX}}}")


def _phone(value: str) -> str:
    """``""`` (clear), or digits with an optional ``+``; spaces, dashes and brackets dropped.
    Stored as ``+<digits>``."""
    if value == "":
        return value
    compact = _PHONE_SEPARATORS.sub("", value)
    if not _PHONE.fullmatch(compact):
        raise ValueError(
            f"must be a phone number of {PHONE_DIGITS_MIN}-{PHONE_DIGITS_MAX} digits, "
            "optionally starting with +"
        )
    return "+" + compact.lstrip("+")


FirstName = Annotated[str, Field(min_length=1, max_length=64), Strip, Printable]
LastName = Annotated[str, Field(max_length=64), Strip, Printable]
Phone = Annotated[str, Field(max_length=32), Strip, Printable, AfterValidator(_phone)]


class UserPatch(ApiModel):
    """Profile edit. Missing or null fields stay unchanged; ``""`` clears lastName or phone.
    ``photo`` (sent by the original WebApp) is ignored."""

    first_name: FirstName | None = None
    last_name: LastName | None = None
    phone: Phone | None = None
    timezone: TimeZoneInput | None = Field(
        default=None, description="Same as timeZone (legacy name)."
    )
    time_zone: TimeZoneInput | None = None
    notify_mode: NotifyMode | None = None


class UserResponse(ApiModel):
    id: Id
    max_id: int
    max_chat_id: int | None = Field(description="The bot dialog chat id (known from the bot only).")
    max_photo: str | None
    first_name: str
    last_name: str | None
    username: str | None
    phone: str | None
    time_zone: str = Field(description="IANA time zone.")
    utc_offset_minutes: int = Field(description="The zone's current UTC offset in minutes.")
    timezone: int = Field(description="Legacy: the current UTC offset in minutes.")
    notify_mode: NotifyMode

    @classmethod
    def of(cls, user: User) -> UserResponse:
        offset = offset_now(user.time_zone)
        return cls(
            id=user.id,
            max_id=user.max_id,
            max_chat_id=user.dialog_chat_id,
            max_photo=user.photo_url,
            first_name=user.first_name,
            last_name=user.last_name,
            username=user.username,
            phone=user.phone,
            time_zone=user.time_zone,
            utc_offset_minutes=offset,
            timezone=offset,
            notify_mode=user.notify_mode,
        )
