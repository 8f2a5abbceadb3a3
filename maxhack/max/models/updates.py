"""Updates: what long polling returns and webhooks deliver (reference §4.1, §4.4).

``parse_update`` never raises on a JSON object: an unknown ``update_type`` — or a known
one that fails to parse — becomes :class:`UnknownUpdate`, which keeps every field as an
extra and records why in ``parse_error`` (excluded from dumps). Consumers log and skip it
instead of losing the whole batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import Field, ValidationError

from ._base import MaxModel, OpenMaxModel
from .messages import Callback, Message
from .users import User, UserWithPhoto


class _Update(MaxModel):
    update_type: str
    timestamp: int


class MessageCreatedUpdate(_Update):
    """A new message; ``user_locale`` is set in dialogs only."""

    update_type: Literal["message_created"] = "message_created"
    message: Message
    user_locale: str | None = None


class MessageCallbackUpdate(_Update):
    """A button press. ``message`` is the bot message holding the keyboard (``None`` if it
    was deleted meanwhile)."""

    update_type: Literal["message_callback"] = "message_callback"
    callback: Callback
    message: Message | None = None
    user_locale: str | None = None


class MessageEditedUpdate(_Update):
    update_type: Literal["message_edited"] = "message_edited"
    message: Message


class MessageRemovedUpdate(_Update):
    update_type: Literal["message_removed"] = "message_removed"
    message_id: str
    chat_id: int
    user_id: int


class BotStartedUpdate(_Update):
    """The user pressed Start / opened a deep link; ``payload`` is the deep-link data."""

    update_type: Literal["bot_started"] = "bot_started"
    chat_id: int
    user: UserWithPhoto
    payload: str | None = None
    user_locale: str | None = None


class BotStoppedUpdate(_Update):
    """The user stopped the bot: sends to them fail with 403 ``chat.denied`` from now on."""

    update_type: Literal["bot_stopped"] = "bot_stopped"
    chat_id: int
    user: UserWithPhoto
    user_locale: str | None = None


class BotAddedUpdate(_Update):
    update_type: Literal["bot_added"] = "bot_added"
    chat_id: int
    user: UserWithPhoto
    is_channel: bool = False


class BotRemovedUpdate(_Update):
    update_type: Literal["bot_removed"] = "bot_removed"
    chat_id: int
    user: UserWithPhoto
    is_channel: bool = False


class UserAddedUpdate(_Update):
    """``inviter_id`` is ``None`` when the user joined by link."""

    update_type: Literal["user_added"] = "user_added"
    chat_id: int
    user: UserWithPhoto
    inviter_id: int | None = None
    is_channel: bool = False


class UserRemovedUpdate(_Update):
    """``admin_id`` is ``None`` when the user left voluntarily."""

    update_type: Literal["user_removed"] = "user_removed"
    chat_id: int
    user: UserWithPhoto
    admin_id: int | None = None
    is_channel: bool = False


class ChatTitleChangedUpdate(_Update):
    update_type: Literal["chat_title_changed"] = "chat_title_changed"
    chat_id: int
    user: UserWithPhoto
    title: str


class _DialogUpdate(_Update):
    chat_id: int
    user: UserWithPhoto
    user_locale: str | None = None


class DialogClearedUpdate(_DialogUpdate):
    update_type: Literal["dialog_cleared"] = "dialog_cleared"


class DialogRemovedUpdate(_DialogUpdate):
    update_type: Literal["dialog_removed"] = "dialog_removed"


class DialogMutedUpdate(_DialogUpdate):
    """``muted_until`` is in milliseconds in the fixtures."""

    update_type: Literal["dialog_muted"] = "dialog_muted"
    muted_until: int | None = None


class DialogUnmutedUpdate(_DialogUpdate):
    update_type: Literal["dialog_unmuted"] = "dialog_unmuted"


class BotAdminPermissionsChangedUpdate(_Update):
    update_type: Literal["bot_admin_permissions_changed"] = "bot_admin_permissions_changed"
    chat_id: int
    user_id: int | None = None
    bot_id: int | None = None
    is_channel: bool = False
    is_admin: bool = False
    permissions: list[str] | None = None


class UnknownUpdate(OpenMaxModel):
    """An update we do not model, or could not parse; every field is kept as an extra."""

    update_type: str = ""
    timestamp: int | None = None
    parse_error: str | None = Field(default=None, exclude=True)


Update = (
    MessageCreatedUpdate
    | MessageCallbackUpdate
    | MessageEditedUpdate
    | MessageRemovedUpdate
    | BotStartedUpdate
    | BotStoppedUpdate
    | BotAddedUpdate
    | BotRemovedUpdate
    | UserAddedUpdate
    | UserRemovedUpdate
    | ChatTitleChangedUpdate
    | DialogClearedUpdate
    | DialogRemovedUpdate
    | DialogMutedUpdate
    | DialogUnmutedUpdate
    | BotAdminPermissionsChangedUpdate
    | UnknownUpdate
)
"""Every update class, for ``isinstance``/``match``."""

UPDATE_CLASSES: Mapping[str, type[_Update]] = {
    cls.model_fields["update_type"].default: cls
    for cls in (
        MessageCreatedUpdate,
        MessageCallbackUpdate,
        MessageEditedUpdate,
        MessageRemovedUpdate,
        BotStartedUpdate,
        BotStoppedUpdate,
        BotAddedUpdate,
        BotRemovedUpdate,
        UserAddedUpdate,
        UserRemovedUpdate,
        ChatTitleChangedUpdate,
        DialogClearedUpdate,
        DialogRemovedUpdate,
        DialogMutedUpdate,
        DialogUnmutedUpdate,
        BotAdminPermissionsChangedUpdate,
    )
}
"""``update_type`` → model class for every modelled update."""


def parse_update(raw: Mapping[str, Any]) -> Update:
    """Parse one update object; never raises (see the module docstring)."""
    update_type = raw.get("update_type")
    cls = UPDATE_CLASSES.get(update_type) if isinstance(update_type, str) else None
    error: str | None = None
    if cls is not None:
        try:
            return cls.model_validate(raw)  # type: ignore[return-value]
        except ValidationError as exc:
            error = str(exc)
    try:
        unknown = UnknownUpdate.model_validate(raw)
    except ValidationError as exc:
        # The envelope itself is malformed (e.g. a non-integer timestamp): keep the rest.
        envelope = {"update_type": str(update_type or ""), "timestamp": None}
        unknown = UnknownUpdate.model_validate({**raw, **envelope})
        error = error or str(exc)
    return unknown.model_copy(update={"parse_error": error}) if error else unknown


def parse_updates(raws: Iterable[Any]) -> list[Update]:
    """Parse a batch; items that are not JSON objects become empty ``UnknownUpdate``s."""
    return [
        parse_update(raw)
        if isinstance(raw, Mapping)
        else UnknownUpdate(parse_error=f"not an object: {type(raw).__name__}")
        for raw in raws
    ]


def user_of(update: Update) -> User | None:
    """The user who caused the update, when the update names one."""
    if isinstance(update, MessageCallbackUpdate):
        return update.callback.user
    if isinstance(update, MessageCreatedUpdate | MessageEditedUpdate):
        return update.message.sender
    user = getattr(update, "user", None)
    return user if isinstance(user, User) else None
