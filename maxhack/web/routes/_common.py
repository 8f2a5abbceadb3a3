"""Helpers shared by the route modules: public routes, the tag filter, domain conversions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Final, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from quart_schema import security_scheme

from maxhack.domain.models import UNSET, Unset
from maxhack.web.schemas.common import ID_MAX

__all__ = [
    "PUBLIC_ATTRIBUTE",
    "TagFilter",
    "absent_or",
    "public",
    "unset_if_missing",
    "utc_now",
]

PUBLIC_ATTRIBUTE: Final = "_maxhack_public"
MAX_FILTER_IDS: Final = 100
F = TypeVar("F", bound=Callable[..., object])
T = TypeVar("T")


def public(handler: F) -> F:
    """Mark a route as needing no authentication (and document it so)."""
    setattr(handler, PUBLIC_ATTRIBUTE, True)
    return security_scheme([])(handler)


def _id_list(value: object) -> tuple[int, ...] | None:
    """``"1,2, 3"`` (commas or spaces; blank items ignored) or a repeated parameter → ids;
    blank → no filter."""
    items = value if isinstance(value, list) else [value]
    ids: list[int] = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError("must be comma-separated ids")
        for part in item.replace(",", " ").split():
            if not (part.isascii() and part.isdigit()) or not 1 <= int(part) <= ID_MAX:
                raise ValueError("must be comma-separated positive integer ids")
            ids.append(int(part))
    if len(ids) > MAX_FILTER_IDS:
        raise ValueError(f"at most {MAX_FILTER_IDS} ids")
    return tuple(sorted(set(ids))) or None


IdList = Annotated[
    tuple[int, ...] | None,
    BeforeValidator(_id_list),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9, ]*$", "maxLength": 2000}),
]


class TagFilter(BaseModel):
    """``tag_ids``: comma-separated tag ids; keeps events bound to any of them."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    tag_ids: IdList = Field(default=None, description="Comma-separated tag ids (any of them).")


def unset_if_missing(model: BaseModel, field: str, value: T) -> T | Unset:
    """``UNSET`` when the client did not send ``field``, else ``value`` (``None`` = clear)."""
    return value if field in model.model_fields_set else UNSET


def absent_or(value: T | None) -> T | Unset:
    """``UNSET`` for ``None`` (a field that may not be cleared), else the value."""
    return UNSET if value is None else value


def utc_now() -> datetime:
    return datetime.now(UTC)
