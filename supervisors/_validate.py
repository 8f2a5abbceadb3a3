"""Small argument checks shared by the frozen config dataclasses (messages name the field)."""

from __future__ import annotations

import math


def real(owner: str, field: str, value: object) -> float:
    """Return ``value`` as a float; TypeError for bools and non-numbers, ValueError for NaN."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{owner}.{field} must be a number, got {value!r}")
    result = float(value)
    if math.isnan(result):
        raise ValueError(f"{owner}.{field} must not be NaN")
    return result


def integer(owner: str, field: str, value: object) -> int:
    """Return ``value`` if it is an int (not a bool), else raise TypeError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{owner}.{field} must be an int, got {value!r}")
    return value


def non_empty_str(owner: str, field: str, value: object) -> str:
    """Return ``value`` if it is a non-blank str."""
    if not isinstance(value, str):
        raise TypeError(f"{owner}.{field} must be a str, got {value!r}")
    if not value.strip():
        raise ValueError(f"{owner}.{field} must be a non-empty string")
    return value
