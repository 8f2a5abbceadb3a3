"""The API's route modules; each exposes one blueprint, registered at `/` and `/api`."""

from __future__ import annotations

from typing import Final

from quart import Blueprint

from maxhack.web.routes import (
    answers,
    auth,
    event_lists,
    events,
    groups,
    ics,
    invites,
    members,
    tags,
    users,
)
from maxhack.web.routes._common import PUBLIC_ATTRIBUTE, public

__all__ = ["PUBLIC_ATTRIBUTE", "ROUTE_BLUEPRINTS", "public"]

ROUTE_BLUEPRINTS: Final[tuple[Blueprint, ...]] = (
    auth.blueprint,
    users.blueprint,
    groups.blueprint,
    members.blueprint,
    invites.blueprint,
    tags.blueprint,
    event_lists.blueprint,
    ics.blueprint,
    events.blueprint,
    answers.blueprint,
)
