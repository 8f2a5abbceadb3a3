"""Domain errors: the one hierarchy every rule of the product raises.

The API maps each class to an HTTP status in one place (`maxhack.web.errors`); the bot shows
``reason`` to the user as is, so reasons are short Russian sentences without internal detail.

* :class:`DomainError` — base; never raised directly.
* :class:`NotFound` — the entity does not exist or is not visible (soft-deleted) → 404.
* :class:`Forbidden` — the actor's role does not allow the action → 403.
* :class:`Conflict` — the action contradicts the current state (already a member, owner must
  transfer first, personal group) → 409.
* :class:`Invalid` — a value is well-formed but not acceptable here (a participant who is not a
  member, a tag of another group, a time that is not an occurrence) → 409, as in the original.
"""

from __future__ import annotations

__all__ = ["Conflict", "DomainError", "Forbidden", "Invalid", "NotFound"]


class DomainError(Exception):
    """A rule of the product refused the action; :attr:`reason` says why (user-facing)."""

    default_reason = "Действие невозможно"

    def __init__(self, reason: str | None = None) -> None:
        self.reason: str = reason if reason is not None else self.default_reason
        super().__init__(self.reason)


class NotFound(DomainError):
    default_reason = "Не найдено"


class Forbidden(DomainError):
    default_reason = "Недостаточно прав"


class Conflict(DomainError):
    default_reason = "Конфликт с текущим состоянием"


class Invalid(DomainError):
    default_reason = "Недопустимое значение"
