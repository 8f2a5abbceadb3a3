"""The OpenAPI document: quart-schema's, adjusted to this API.

* each route appears once, without the ``/api`` alias;
* id path parameters are documented as 1..2^63-1, invite keys by their pattern;
* routes answering 204 say so; every route documents the error envelope;
* every route requires the ``WebAppData`` header except the public ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from quart_schema import OpenAPIProvider
from werkzeug.routing import BaseConverter, IntegerConverter, Map, Rule

from maxhack.web.schemas.common import ID_MAX
from maxhack.web.validation import EMPTY_RESPONSE_ATTRIBUTE

__all__ = ["API_PREFIX", "ApiOpenAPIProvider", "IdConverter", "InviteKeyConverter"]

API_PREFIX: Final = "/api"
INVITE_KEY_PATTERN: Final = r"[A-Za-z0-9_-]{1,16}"


class IdConverter(IntegerConverter):
    """``<id:name>``: a positive 64-bit integer; anything else does not match (404)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, min=1, max=ID_MAX)


class InviteKeyConverter(BaseConverter):
    """``<invite_key:name>``: 1-16 URL-safe characters."""

    regex = INVITE_KEY_PATTERN


class ApiOpenAPIProvider(OpenAPIProvider):
    def generate_rules(self) -> Iterable[Rule]:
        for rule in super().generate_rules():
            if rule.rule.startswith(API_PREFIX + "/") or rule.endpoint == "static":
                continue
            yield rule

    def build_path_parameter(self, name: str, converter: BaseConverter) -> dict[str, Any]:
        parameter: dict[str, Any] = super().build_path_parameter(name, converter)
        if isinstance(converter, IdConverter):
            parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": ID_MAX}
        elif isinstance(converter, InviteKeyConverter):
            parameter["schema"] = {"type": "string", "pattern": f"^{INVITE_KEY_PATTERN}$"}
        return parameter

    def build_paths(self, rule: Rule) -> tuple[dict[str, Any], dict[str, Any]]:
        paths, components = super().build_paths(rule)
        func = self._app.view_functions[rule.endpoint]
        plain = getattr(func, EMPTY_RESPONSE_ATTRIBUTE, None)
        if plain is not None:
            status, media_type = plain
            response: dict[str, Any] = {"description": "No content"}
            if media_type is not None:
                response = {
                    "description": media_type,
                    "content": {media_type: {"schema": {"type": "string"}}},
                }
            for operations in paths.values():
                for operation in operations.values():
                    operation["responses"] = {**operation["responses"], status: response}
        return paths, components
