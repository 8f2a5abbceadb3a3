"""Users and the bot's own profile (reference §2, §4.2).

The schema marks ``first_name`` and ``is_bot`` as required; they get harmless defaults
here so that a payload missing one of them still yields the update (identity is
``user_id``, which stays required).
"""

from __future__ import annotations

from pydantic import Field

from ._base import MaxModel


class User(MaxModel):
    """A MAX user or bot. ``last_name`` may be ``None`` or ``""``; ``name`` is deprecated."""

    user_id: int
    first_name: str = ""
    last_name: str | None = None
    username: str | None = None
    is_bot: bool = False
    last_activity_time: int | None = None
    name: str | None = None

    @property
    def display_name(self) -> str:
        """First and last name joined, falling back to the deprecated ``name``."""
        full = " ".join(part for part in (self.first_name, self.last_name) if part)
        return full or (self.name or "")


class UserWithPhoto(User):
    """A user with profile description and avatars (seen inside membership updates)."""

    description: str | None = None
    avatar_url: str | None = None
    full_avatar_url: str | None = None


class BotCommand(MaxModel):
    """One entry of the bot's command menu."""

    name: str = Field(min_length=1, max_length=64)
    description: str | None = Field(default=None, max_length=128)


class BotInfo(UserWithPhoto):
    """``GET /me``: the bot's own profile; ``username`` is what deep links need."""

    commands: list[BotCommand] | None = None
