"""Callback payloads of the window buttons: short, versioned, validated.

Format: ``b1:<op>[:<arg>...]`` — "b" for bot window, "1" the format version. Every op has
a fixed argument shape (integers or a notify-mode letter), so a payload is at most a few
dozen characters (MAX allows 1024). :func:`parse` returns ``None`` for anything else —
another version, an unknown op, a wrong argument count, a non-numeric id — and the bot
answers such a press with a friendly toast and a fresh menu instead of acting on it.
Payloads carry everything the action needs, so buttons keep working after a restart;
only the join window also needs its dialog state (the invite key is not put in a button).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Final

from maxhack.domain.models import NotifyMode

VERSION: Final = "b1"
_INT = re.compile(r"^\d{1,18}$")
MODE_CODES: Final = {NotifyMode.DEFAULT: "d", NotifyMode.SILENT: "s", NotifyMode.DISABLE: "x"}
_MODES_BY_CODE: Final = {code: mode for mode, code in MODE_CODES.items()}


class Op(enum.Enum):
    """What a button does; the value is its wire name, the comment its arguments."""

    MENU = "menu"  # -
    PROFILE = "prof"  # -
    LABEL = "lbl"  # - (the inert «Режим уведомлений» label)
    PROFILE_MODE = "pm"  # mode
    REMOVE_PHONE = "rph"  # -
    GROUPS = "gl"  # page
    EXPORT_ALL = "xa"  # -
    GROUP = "g"  # group
    GROUP_MODE = "gm"  # group, mode
    RECREATE_INVITE = "ri"  # group
    REVOKE_INVITE = "vi"  # group
    EXPORT_GROUP = "xg"  # group
    EXPORT_MINE = "xm"  # group
    WHO_EVENTS = "we"  # group
    WHO_EVENT = "wo"  # event
    LEAVE_ASK = "la"  # group
    LEAVE = "lv"  # group
    JOIN_ACCEPT = "ja"  # group
    JOIN_DECLINE = "jd"  # group


# Argument shape per op: "i" an id/number, "m" a notify mode code.
_SHAPES: Final[dict[Op, str]] = {
    Op.MENU: "",
    Op.PROFILE: "",
    Op.LABEL: "",
    Op.PROFILE_MODE: "m",
    Op.REMOVE_PHONE: "",
    Op.GROUPS: "i",
    Op.EXPORT_ALL: "",
    Op.GROUP: "i",
    Op.GROUP_MODE: "im",
    Op.RECREATE_INVITE: "i",
    Op.REVOKE_INVITE: "i",
    Op.EXPORT_GROUP: "i",
    Op.EXPORT_MINE: "i",
    Op.WHO_EVENTS: "i",
    Op.WHO_EVENT: "i",
    Op.LEAVE_ASK: "i",
    Op.LEAVE: "i",
    Op.JOIN_ACCEPT: "i",
    Op.JOIN_DECLINE: "i",
}
_OPS_BY_WIRE: Final = {op.value: op for op in Op}


@dataclass(frozen=True)
class Press:
    """A parsed button press: the op, its integer arguments and its mode (if it has one)."""

    op: Op
    ids: tuple[int, ...] = ()
    mode: NotifyMode | None = None

    @property
    def id(self) -> int:
        return self.ids[0]


def encode(op: Op, *args: int | NotifyMode) -> str:
    """The payload of a button (arguments must match the op's shape)."""
    shape = _SHAPES[op]
    if len(args) != len(shape):
        raise ValueError(f"{op} takes {len(shape)} arguments")
    parts = [VERSION, op.value]
    for kind, arg in zip(shape, args, strict=True):
        if kind == "m":
            assert isinstance(arg, NotifyMode)
            parts.append(MODE_CODES[arg])
        else:
            assert isinstance(arg, int) and arg >= 0
            parts.append(str(arg))
    return ":".join(parts)


def parse(payload: str | None) -> Press | None:
    """The press a payload encodes, or ``None`` if it is not a valid current payload."""
    if not payload or len(payload) > 64:
        return None
    parts = payload.split(":")
    if len(parts) < 2 or parts[0] != VERSION:
        return None
    op = _OPS_BY_WIRE.get(parts[1])
    if op is None:
        return None
    shape, args = _SHAPES[op], parts[2:]
    if len(args) != len(shape):
        return None
    ids: list[int] = []
    mode: NotifyMode | None = None
    for kind, arg in zip(shape, args, strict=True):
        if kind == "m":
            mode = _MODES_BY_CODE.get(arg)
            if mode is None:
                return None
        elif _INT.match(arg):
            ids.append(int(arg))
        else:
            return None
    return Press(op, tuple(ids), mode)
