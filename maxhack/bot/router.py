"""Routing updates to handlers by update type (the bot issue grows filters on top)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from maxhack.max.models import Update

Handler = Callable[[Update, Any], Awaitable[None]]
H = TypeVar("H", bound=Handler)


class Router:
    """update_type → handlers, in registration order; `fallback` handles everything else.

    A handler receives the parsed update and the dispatcher's context object. Handlers must
    be idempotent: an update recorded but not marked handled before a crash is handled
    again after the restart.
    """

    def __init__(self) -> None:
        self._by_type: dict[str, list[Handler]] = {}
        self._fallback: list[Handler] = []

    def on(self, update_type: str) -> Callable[[H], H]:
        def register(handler: H) -> H:
            self._by_type.setdefault(update_type, []).append(handler)
            return handler

        return register

    def fallback(self, handler: H) -> H:
        self._fallback.append(handler)
        return handler

    def include(self, other: Router) -> None:
        """Add another router's handlers after this one's."""
        for update_type, handlers in other._by_type.items():
            self._by_type.setdefault(update_type, []).extend(handlers)
        self._fallback.extend(other._fallback)

    def handlers_for(self, update: Update) -> list[Handler]:
        update_type = getattr(update, "update_type", "unknown")
        return self._by_type.get(update_type, self._fallback)
