"""Shared pydantic configuration for every MAX model.

MAX adds fields without notice (real payloads already carry undocumented ones such as
``intent`` on buttons or ``callback_id`` on received keyboards), so every model ignores
unknown fields. Models are frozen: a parsed update is a value, not a mutable record.
Field names follow the wire format; the only exception is ``from`` (a Python keyword),
exposed as ``from_`` with an alias — always dump with ``by_alias=True``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class MaxModel(BaseModel):
    """Base of all MAX models: unknown fields ignored, immutable, aliases accepted."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    def to_json_dict(self) -> dict[str, Any]:
        """The wire form: aliases applied and ``None`` fields omitted.

        Omitting ``None`` matters for edits: ``attachments=None`` means "keep", ``[]`` means
        "remove all", and only the latter must reach the server.
        """
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class OpenMaxModel(BaseModel):
    """Base of the ``Unknown*`` fallbacks: unknown fields are kept, so nothing is lost.

    ``model_extra`` holds everything beyond the discriminator; dumping reproduces the
    original JSON object.
    """

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    def to_json_dict(self) -> dict[str, Any]:
        """The wire form (the original object for a fallback parsed from JSON)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)
