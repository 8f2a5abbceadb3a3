"""The public API of maxhack.sender is pinned: changing it must be deliberate."""

from __future__ import annotations

import inspect

import maxhack.sender
from maxhack.sender import Sender


def test_package_exports() -> None:
    assert set(maxhack.sender.__all__) == {
        "Action",
        "ChatLimiter",
        "Lane",
        "LaneStats",
        "OutgoingCall",
        "Priority",
        "PriorityGate",
        "SendOutcome",
        "Sender",
        "SenderError",
        "SenderStats",
        "SenderStopped",
        "SlidingWindowLimiter",
    }
    for name in maxhack.sender.__all__:
        assert getattr(maxhack.sender, name) is not None


def test_sender_signature() -> None:
    parameters = inspect.signature(Sender).parameters
    assert list(parameters) == [
        "client_source",
        "rate_per_s",
        "chat_rate_per_s",
        "interactive_workers",
        "bulk_workers",
        "interactive_capacity",
        "bulk_capacity",
        "on_chat_denied",
        "on_unauthorized",
        "burst",
        "window_margin_s",
    ]
    for method in ("attempt_gate", "submit", "call", "stats", "run", "stop"):
        assert callable(getattr(Sender, method))
