"""Inline keyboard and its buttons (reference §5.6), limits enforced at construction.

Limits (dev.max.ru keyboard page): button text 1..128 characters; at most 30 rows, 7
buttons per row and 210 buttons overall; a row that holds a ``link``, ``open_app``,
``request_geo_location`` or ``request_contact`` button holds at most 3 buttons. The page
is ambiguous about whether that 3 counts all buttons of such a row or only the wide ones;
we take the stricter reading (all buttons of the row), which the real server accepts too.

A keyboard that breaks a limit raises ``pydantic.ValidationError`` when it is built, so a
bug surfaces in our code instead of as a 400 from MAX. The emulator validates requests
with the same models.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from ._base import MaxModel

BUTTON_TEXT_MAX_CHARS = 128
CALLBACK_PAYLOAD_MAX_CHARS = 1024
CLIPBOARD_PAYLOAD_MAX_CHARS = 1024
LINK_URL_MAX_CHARS = 2048
OPEN_APP_PAYLOAD_MAX_CHARS = 512
# The schema says ``^[\w-]*$``; ``\w`` is ASCII-only in the JS/Java regex dialects the
# schema is written for (unlike Python), so spell it out.
OPEN_APP_PAYLOAD_PATTERN = r"^[A-Za-z0-9_-]*$"
KEYBOARD_MAX_ROWS = 30
KEYBOARD_MAX_BUTTONS = 210
ROW_MAX_BUTTONS = 7
ROW_MAX_BUTTONS_WITH_WIDE = 3
WIDE_BUTTON_TYPES = frozenset({"link", "open_app", "request_geo_location", "request_contact"})

ButtonText = Annotated[str, Field(min_length=1, max_length=BUTTON_TEXT_MAX_CHARS)]


class _ButtonBase(MaxModel):
    text: ButtonText


class CallbackButton(_ButtonBase):
    """Pressing it sends a ``message_callback`` update carrying ``payload``."""

    type: Literal["callback"] = "callback"
    payload: str = Field(max_length=CALLBACK_PAYLOAD_MAX_CHARS)


class LinkButton(_ButtonBase):
    """Opens ``url`` in the user's client."""

    type: Literal["link"] = "link"
    url: str = Field(min_length=1, max_length=LINK_URL_MAX_CHARS)


class RequestContactButton(_ButtonBase):
    """The user's client sends a message with a ``contact`` attachment."""

    type: Literal["request_contact"] = "request_contact"


class RequestGeoLocationButton(_ButtonBase):
    """The user's client sends a ``location``; ``quick`` skips the confirmation."""

    type: Literal["request_geo_location"] = "request_geo_location"
    quick: bool = False


class OpenAppButton(_ButtonBase):
    """Opens a mini app; ``payload`` becomes ``start_param`` in the init data."""

    type: Literal["open_app"] = "open_app"
    web_app: str | None = None
    contact_id: int | None = None
    payload: str | None = Field(
        default=None, max_length=OPEN_APP_PAYLOAD_MAX_CHARS, pattern=OPEN_APP_PAYLOAD_PATTERN
    )


class MessageButton(_ButtonBase):
    """The user's client sends ``text`` as a message from the user."""

    type: Literal["message"] = "message"


class ClipboardButton(_ButtonBase):
    """Copies ``payload`` to the user's clipboard."""

    type: Literal["clipboard"] = "clipboard"
    payload: str = Field(max_length=CLIPBOARD_PAYLOAD_MAX_CHARS)


Button = Annotated[
    CallbackButton
    | LinkButton
    | RequestContactButton
    | RequestGeoLocationButton
    | OpenAppButton
    | MessageButton
    | ClipboardButton,
    Field(discriminator="type"),
]


class Keyboard(MaxModel):
    """``{"buttons": [[Button, …], …]}``: rows of buttons, top to bottom."""

    buttons: list[list[Button]]

    @model_validator(mode="after")
    def _check_layout(self) -> Keyboard:
        if not self.buttons:
            raise ValueError("a keyboard needs at least one row")
        if len(self.buttons) > KEYBOARD_MAX_ROWS:
            raise ValueError(f"a keyboard holds at most {KEYBOARD_MAX_ROWS} rows")
        for index, row in enumerate(self.buttons):
            if not row:
                raise ValueError(f"row {index} is empty")
            if len(row) > ROW_MAX_BUTTONS:
                raise ValueError(f"row {index} holds more than {ROW_MAX_BUTTONS} buttons")
            has_wide = any(button.type in WIDE_BUTTON_TYPES for button in row)
            if has_wide and len(row) > ROW_MAX_BUTTONS_WITH_WIDE:
                raise ValueError(
                    f"row {index} has a link/open_app/request_* button and more than "
                    f"{ROW_MAX_BUTTONS_WITH_WIDE} buttons"
                )
        if sum(len(row) for row in self.buttons) > KEYBOARD_MAX_BUTTONS:
            raise ValueError(f"a keyboard holds at most {KEYBOARD_MAX_BUTTONS} buttons")
        return self

    def iter_buttons(self) -> list[Button]:
        """All buttons, row by row."""
        return [button for row in self.buttons for button in row]
