"""Keyboard and button limits are enforced when the model is built."""

from __future__ import annotations

import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st

from maxhack.max import models as m


def _callback(i: int = 0) -> m.CallbackButton:
    return m.CallbackButton(text=f"b{i}", payload=f"p{i}")


def _link(i: int = 0) -> m.LinkButton:
    return m.LinkButton(text=f"l{i}", url="https://max.ru")


def test_every_button_type_builds_and_serialises() -> None:
    buttons: list[m.Button] = [
        m.CallbackButton(text="Отложить", payload="snooze:1"),
        m.LinkButton(text="Сайт", url="https://max.ru"),
        m.RequestContactButton(text="Телефон"),
        m.RequestGeoLocationButton(text="Где я", quick=True),
        m.OpenAppButton(text="Открыть", web_app="maxhack_bot", payload="event-1_a"),
        m.MessageButton(text="Привет"),
        m.ClipboardButton(text="Код", payload="123456"),
    ]
    keyboard = m.Keyboard(buttons=[[button] for button in buttons])
    types = [row[0]["type"] for row in keyboard.to_json_dict()["buttons"]]
    assert types == [
        "callback",
        "link",
        "request_contact",
        "request_geo_location",
        "open_app",
        "message",
        "clipboard",
    ]
    assert m.Keyboard.model_validate(keyboard.to_json_dict()) == keyboard


@pytest.mark.parametrize("text", ["", "x" * (m.BUTTON_TEXT_MAX_CHARS + 1)])
def test_button_text_length(text: str) -> None:
    with pytest.raises(pydantic.ValidationError):
        m.CallbackButton(text=text, payload="p")


def test_button_text_limit_is_inclusive() -> None:
    assert m.MessageButton(text="x" * m.BUTTON_TEXT_MAX_CHARS).text


@pytest.mark.parametrize(
    ("build", "ok_len", "limit"),
    [
        (lambda v: m.CallbackButton(text="t", payload=v), 1024, m.CALLBACK_PAYLOAD_MAX_CHARS),
        (lambda v: m.ClipboardButton(text="t", payload=v), 1024, m.CLIPBOARD_PAYLOAD_MAX_CHARS),
        (lambda v: m.OpenAppButton(text="t", payload=v), 512, m.OPEN_APP_PAYLOAD_MAX_CHARS),
        (lambda v: m.LinkButton(text="t", url=v), 2048, m.LINK_URL_MAX_CHARS),
    ],
)
def test_payload_lengths(build: object, ok_len: int, limit: int) -> None:
    assert ok_len == limit
    assert callable(build)
    build("a" * limit)
    with pytest.raises(pydantic.ValidationError):
        build("a" * (limit + 1))


@pytest.mark.parametrize("payload", ["has space", "слово", "a/b", "x.y"])
def test_open_app_payload_pattern_rejects(payload: str) -> None:
    with pytest.raises(pydantic.ValidationError):
        m.OpenAppButton(text="t", payload=payload)


def test_open_app_payload_pattern_accepts_word_chars_and_dash() -> None:
    assert m.OpenAppButton(text="t", payload="event_42-abc").payload == "event_42-abc"


def test_row_limits() -> None:
    m.Keyboard(buttons=[[_callback(i) for i in range(7)]])
    with pytest.raises(pydantic.ValidationError, match="more than 7"):
        m.Keyboard(buttons=[[_callback(i) for i in range(8)]])
    m.Keyboard(buttons=[[_link(0), _callback(1), _callback(2)]])
    with pytest.raises(pydantic.ValidationError, match="more than 3"):
        m.Keyboard(buttons=[[_link(0), _callback(1), _callback(2), _callback(3)]])


@pytest.mark.parametrize(
    "wide",
    [
        m.LinkButton(text="l", url="https://a"),
        m.OpenAppButton(text="o"),
        m.RequestGeoLocationButton(text="g"),
        m.RequestContactButton(text="c"),
    ],
)
def test_each_wide_type_limits_its_row_to_three(wide: m.Button) -> None:
    with pytest.raises(pydantic.ValidationError):
        m.Keyboard(buttons=[[wide, wide, wide, wide]])


def test_row_count_and_total_limits() -> None:
    full = m.Keyboard(buttons=[[_callback(i) for i in range(7)] for _ in range(30)])
    assert len(full.iter_buttons()) == m.KEYBOARD_MAX_BUTTONS
    with pytest.raises(pydantic.ValidationError, match="30 rows"):
        m.Keyboard(buttons=[[_callback()] for _ in range(31)])
    with pytest.raises(pydantic.ValidationError):
        m.Keyboard(buttons=[])
    with pytest.raises(pydantic.ValidationError):
        m.Keyboard(buttons=[[_callback()], []])


@given(
    rows=st.lists(
        st.lists(st.sampled_from(["callback", "link", "message", "open_app"]), max_size=9),
        max_size=33,
    )
)
def test_layout_accepted_exactly_when_within_limits(rows: list[list[str]]) -> None:
    def make(kind: str) -> m.Button:
        if kind == "link":
            return m.LinkButton(text="l", url="https://a")
        if kind == "open_app":
            return m.OpenAppButton(text="o")
        if kind == "message":
            return m.MessageButton(text="m")
        return m.CallbackButton(text="c", payload="p")

    def row_ok(row: list[str]) -> bool:
        wide = any(kind in m.WIDE_BUTTON_TYPES for kind in row)
        return 1 <= len(row) <= (3 if wide else 7)

    expected = (
        1 <= len(rows) <= m.KEYBOARD_MAX_ROWS
        and all(row_ok(row) for row in rows)
        and sum(map(len, rows)) <= m.KEYBOARD_MAX_BUTTONS
    )
    try:
        m.Keyboard(buttons=[[make(kind) for kind in row] for row in rows])
        accepted = True
    except pydantic.ValidationError:
        accepted = False
    assert accepted == expected


def test_keyboard_limits_apply_inside_request_bodies() -> None:
    raw = {
        "text": "t",
        "attachments": [
            {
                "type": "inline_keyboard",
                "payload": {"buttons": [[{"type": "callback", "text": "x", "payload": "p"}] * 8]},
            }
        ],
    }
    with pytest.raises(pydantic.ValidationError):
        m.NewMessageBody.model_validate(raw)
