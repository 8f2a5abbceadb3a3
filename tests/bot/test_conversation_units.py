"""Pure parts of the conversations: greeting, payload codec, WebApp links, flood, state."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import trio
import trio.testing

from maxhack.bot.conversations import callbacks, texts
from maxhack.bot.conversations.callbacks import Op, encode, parse
from maxhack.bot.conversations.flood import FloodControl
from maxhack.bot.conversations.state import DialogState, decode_state, encode_state
from maxhack.bot.conversations.webapp import decode_startapp, startapp_payload
from maxhack.domain.models import NotifyMode


def test_greeting_covers_every_hour_without_gaps() -> None:
    expected = {h: texts.NIGHT for h in range(24)}
    expected.update({h: texts.MORNING for h in range(5, 12)})
    expected.update({h: texts.DAY for h in range(12, 17)})
    expected.update({h: texts.EVENING for h in range(17, 23)})
    assert {h: texts.greeting_for_hour(h) for h in range(24)} == expected


def test_greeting_uses_half_hour_zones() -> None:
    # 11:40 UTC is 17:10 in Kolkata (+05:30): evening, not the truncated 16 o'clock.
    now = datetime(2026, 1, 10, 11, 40, tzinfo=UTC)
    assert texts.greeting(now, "Asia/Kolkata") == texts.EVENING
    assert texts.greeting(now, "Asia/Kathmandu") == texts.EVENING  # +05:45
    assert texts.zone_label("Asia/Kolkata", now) == "Asia/Kolkata (UTC+05:30)"
    assert texts.zone_label("America/St_Johns", now) == "America/St_Johns (UTC−03:30)"


@pytest.mark.parametrize(
    ("op", "args"),
    [
        (Op.MENU, ()),
        (Op.GROUPS, (3,)),
        (Op.GROUP_MODE, (10**17, NotifyMode.SILENT)),
        (Op.PROFILE_MODE, (NotifyMode.DISABLE,)),
    ],
)
def test_payloads_round_trip_and_are_short(op: Op, args: tuple[int | NotifyMode, ...]) -> None:
    payload = encode(op, *args)
    assert len(payload) <= 64 and payload.startswith(callbacks.VERSION + ":")
    pressed = parse(payload)
    assert pressed is not None and pressed.op is op
    assert (*pressed.ids, *([pressed.mode] if pressed.mode else [])) == args


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "",
        "b0:menu",
        "b1",
        "b1:menu:1",
        "b1:g",
        "b1:g:-1",
        "b1:g:x",
        "b1:gm:1:q",
        "b1:zz",
        "a1:1:2:OK",
        "respond:1:OK",
        "b1:g:" + "9" * 19,
        "b1:g:1" + " " * 100,
    ],
)
def test_forged_or_old_payloads_parse_to_none(payload: str | None) -> None:
    assert parse(payload) is None


def test_startapp_payload_is_url_safe_and_decodes_to_the_path() -> None:
    for path in ("/", "/groups/123", "/profile", "/группы/" + "x" * 600):
        payload = startapp_payload(path)
        assert re.fullmatch(r"[A-Za-z0-9_-]+", payload) and len(payload) <= 512
        assert decode_startapp(payload) == (path if len(path) < 300 else "/")


def test_state_codec_rejects_other_versions_and_garbage() -> None:
    state = DialogState(window="join", group_id=5, invite_key="abc")
    assert decode_state(encode_state(state)) == state
    for raw in (None, b"", b"[]", b'{"v": 2, "window": "join"}', b'{"v": 1}', b"\xff"):
        assert decode_state(raw) is None


async def test_flood_passes_a_burst_slows_a_stream_and_refuses_a_flood(
    autojump_clock: trio.testing.MockClock,
) -> None:
    flood = FloodControl(rate_per_s=2.0, burst=3, max_wait_s=1.0)
    assert [flood.reserve(7) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert flood.reserve(7) == pytest.approx(0.5)  # slowed to the rate
    assert flood.reserve(7, age_s=0.6) is None  # would wait 1.0 s more: refused, told so
    assert flood.reserve(8) == 0.0  # other users are not affected
    began = trio.current_time()
    assert await flood.admit(7) is True
    assert trio.current_time() - began == pytest.approx(1.0)
    await trio.sleep(10)  # allowance recovers
    assert flood.reserve(7, age_s=30.0) == 0.0  # an old update within allowance still runs
    assert (flood.delayed, flood.refused) == (2, 1)
