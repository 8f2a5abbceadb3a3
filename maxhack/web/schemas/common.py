"""Shared pieces of the API models: the base classes, bounded ids and texts, time zones.

Every model speaks camelCase on the wire and also accepts snake_case on input. Every text field
is bounded, stripped, and refuses NUL characters and lone surrogates (which PostgreSQL cannot
store), so bad text is a 400 naming the field, never a database error.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Final

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
)
from pydantic.alias_generators import to_camel

from maxhack.domain.zones import utc_offset_minutes, validate_zone, zone_for_offset_minutes

__all__ = [
    "ID_MAX",
    "ApiModel",
    "ErrorResponse",
    "Id",
    "Instant",
    "Printable",
    "Strip",
    "TimeZoneInput",
    "offset_now",
]

ID_MAX: Final = 2**63 - 1
MIN_YEAR: Final = 1970
MAX_YEAR: Final = 2200
ZONE_NAME_MAX: Final = 64
SECONDS_PER_MINUTE: Final = 60


class ApiModel(BaseModel):
    """Base of every API model: camelCase aliases, snake_case accepted, unknown keys ignored."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="ignore",
        frozen=True,
    )


class ErrorResponse(ApiModel):
    """Every error: a human-readable reason."""

    reason: str


def _printable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (no lone surrogates)") from None
    return value


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


Strip = BeforeValidator(_strip)
"""Metadata for text fields: surrounding whitespace is dropped before the length check."""
Printable = AfterValidator(_printable)
"""Metadata for text fields: NUL characters and lone surrogates are refused."""


Id = Annotated[int, Field(ge=1, le=ID_MAX, strict=False)]
"""A database id: a positive 64-bit integer."""


def _bounded(value: datetime) -> datetime:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"year must be between {MIN_YEAR} and {MAX_YEAR}")
    return value


Instant = Annotated[datetime, AfterValidator(_bounded)]
"""An ISO 8601 date-time; naive values mean wall-clock time in the relevant zone."""


def _zone(value: object) -> str:
    """IANA name, or one of the original product's UTC offsets in minutes."""
    if isinstance(value, bool):
        raise ValueError("expected an IANA time zone name or a UTC offset in minutes")
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        value = int(value.strip())
    if isinstance(value, int):
        return zone_for_offset_minutes(value)
    if isinstance(value, str) and 0 < len(value) <= ZONE_NAME_MAX:
        return validate_zone(value)
    raise ValueError("expected an IANA time zone name or a UTC offset in minutes")


TimeZoneInput = Annotated[
    str,
    BeforeValidator(_zone),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "maxLength": ZONE_NAME_MAX}, {"type": "integer"}]}
    ),
    Field(
        description="IANA time zone (e.g. Europe/Moscow), or one of the original UTC offsets "
        "in minutes (e.g. 180), which maps to a zone with that offset.",
        json_schema_extra={"examples": ["Europe/Moscow", 180]},
    ),
]


def offset_now(zone: str) -> int:
    """The zone's current UTC offset in minutes (computed once per zone and minute)."""
    return _offset_in_minute(zone, int(datetime.now(UTC).timestamp()) // SECONDS_PER_MINUTE)


@lru_cache(maxsize=1024)
def _offset_in_minute(zone: str, epoch_minute: int) -> int:
    at = datetime.fromtimestamp(epoch_minute * SECONDS_PER_MINUTE, UTC)
    return utc_offset_minutes(zone, at)
