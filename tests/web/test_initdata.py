"""WebApp init-data validation (max-bot-api.md §7.2): known answers, rejections, round trips."""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maxhack.web.initdata import (
    DEFAULT_MAX_AGE_S,
    MAX_FUTURE_SKEW_S,
    InitDataBadSignature,
    InitDataError,
    InitDataExpired,
    InitDataFromFuture,
    InitDataMalformed,
    InitDataMissing,
    WebAppChat,
    WebAppInitData,
    WebAppUser,
    sign_init_data,
    validate_init_data,
)

TOKEN = "123456:TEST-token"
AUTH_DATE = 1_750_000_000
NOW = AUTH_DATE + 30.0
USER_JSON = (
    '{"id":123456789,"first_name":"Иван","last_name":"Петров","username":"ivan",'
    '"language_code":"ru"}'
)
# Computed once for TOKEN and the four pairs below, cross-checked with
# `openssl dgst -sha256 -hmac WebAppData` + `-mac HMAC -macopt hexkey:…`, and pinned.
PINNED_HASH = "70ddb4685f78d04a3206720e5e34e014b4bb872cf95ac54502493d5e4f236a94"
PINNED_RAW = (
    "query_id=AAHdF6IQAAAAAN0XohDhrOrc"
    "&user=%7B%22id%22%3A123456789%2C%22first_name%22%3A%22%D0%98%D0%B2%D0%B0%D0%BD%22"
    "%2C%22last_name%22%3A%22%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2%22%2C%22username%22"
    "%3A%22ivan%22%2C%22language_code%22%3A%22ru%22%7D"
    "&auth_date=1750000000&start_param=invite_abc"
    f"&hash={PINNED_HASH}"
)


def reference_hash(data_check_string: str, token: str) -> str:
    """The §7.2 formula written out literally, independent of the module."""
    secret = hmac.new(b"WebAppData", token.encode("utf-8"), hashlib.sha256).digest()
    return hmac.new(secret, data_check_string.encode("utf-8"), hashlib.sha256).hexdigest()


def signed(token: str = TOKEN, auth_date: int = AUTH_DATE, **extra: str) -> str:
    pairs = {"query_id": "AAH", "user": '{"id":42,"first_name":"Ann"}', "auth_date": str(auth_date)}
    return sign_init_data(pairs | extra, bot_token=token)


def validate(
    raw: str | None, *, now: float = NOW, max_age_s: float = DEFAULT_MAX_AGE_S
) -> WebAppInitData:
    return validate_init_data(raw, bot_token=TOKEN, now=now, max_age_s=max_age_s)


# --- known answers ---------------------------------------------------------------------------


def test_pinned_vector_validates() -> None:
    data = validate_init_data(PINNED_RAW, bot_token=TOKEN, now=NOW)
    assert data.user == WebAppUser(
        id=123456789, first_name="Иван", last_name="Петров", username="ivan", language_code="ru"
    )
    assert data.user.photo_url is None
    assert data.chat is None
    assert data.start_param == "invite_abc"
    assert data.query_id == "AAHdF6IQAAAAAN0XohDhrOrc"
    assert data.auth_date == AUTH_DATE
    assert dict(data.pairs) == {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": USER_JSON,
        "auth_date": "1750000000",
        "start_param": "invite_abc",
    }


def test_pinned_hash_equals_the_literal_formula() -> None:
    data_check_string = (
        "auth_date=1750000000\n"
        "query_id=AAHdF6IQAAAAAN0XohDhrOrc\n"
        "start_param=invite_abc\n"
        f"user={USER_JSON}"
    )
    assert reference_hash(data_check_string, TOKEN) == PINNED_HASH


def test_sign_init_data_reproduces_the_pinned_string() -> None:
    pairs = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": USER_JSON,
        "auth_date": "1750000000",
        "start_param": "invite_abc",
    }
    assert sign_init_data(pairs, bot_token=TOKEN) == PINNED_RAW


def test_hand_built_string_with_chat_and_unknown_keys() -> None:
    # Built without the module: pairs URL-encoded by hand, hash from the literal formula over
    # every key except hash (sorted), including keys the module does not know (ip, zz_future).
    chat = '{"id":-7000000000123,"type":"chat","title":"Команда"}'
    user = '{"id":9007199254740993,"first_name":"Ёжик","last_name":"В тумане","extra":true}'
    dcs = "\n".join(
        [
            "auth_date=1750000010",
            f"chat={chat}",
            "ip=203.0.113.7",
            "query_id=Q 1",
            f"user={user}",
            "zz_future=a&b=c",
        ]
    )
    raw = "&".join(
        [
            f"user={quote(user, safe='')}",
            f"chat={quote(chat, safe='')}",
            "query_id=Q+1",  # '+' is a space in query strings
            "auth_date=1750000010",
            "ip=203.0.113.7",
            f"zz_future={quote('a&b=c', safe='')}",
            f"hash={reference_hash(dcs, TOKEN)}",
        ]
    )
    data = validate_init_data(raw, bot_token=TOKEN, now=NOW)
    assert data.user.id == 9007199254740993
    assert (data.user.first_name, data.user.last_name) == ("Ёжик", "В тумане")
    assert data.chat == WebAppChat(id=-7000000000123, type="chat")
    assert data.query_id == "Q 1"
    assert data.start_param is None
    assert data.pairs["ip"] == "203.0.113.7"
    assert data.pairs["zz_future"] == "a&b=c"
    assert "hash" not in data.pairs


def test_uppercase_hex_hash_is_accepted() -> None:
    raw = PINNED_RAW.replace(PINNED_HASH, PINNED_HASH.upper())
    assert validate_init_data(raw, bot_token=TOKEN, now=NOW).user.id == 123456789


def test_still_encoded_fragment_value_is_unquoted_once() -> None:
    # The raw fragment value "WebAppData=<...>" percent-encodes the whole query string.
    encoded = quote(PINNED_RAW, safe="")
    assert "=" not in encoded
    assert validate_init_data(encoded, bot_token=TOKEN, now=NOW).user.first_name == "Иван"


# --- signature failures ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(PINNED_RAW.replace("invite_abc", "invite_abd"), id="tampered-start-param"),
        pytest.param(PINNED_RAW.replace("123456789", "123456780"), id="tampered-user-id"),
        pytest.param(PINNED_RAW.replace("1750000000", "1750000001"), id="tampered-auth-date"),
        pytest.param(PINNED_RAW + "&ip=1.2.3.4", id="unsigned-extra-key"),
        pytest.param(PINNED_RAW.replace("&start_param=invite_abc", ""), id="removed-key"),
        pytest.param(PINNED_RAW.replace(PINNED_HASH, "0" * 64), id="zero-hash"),
    ],
)
def test_tampered_data_is_rejected(raw: str) -> None:
    with pytest.raises(InitDataBadSignature) as info:
        validate_init_data(raw, bot_token=TOKEN, now=NOW)
    assert info.value.reason == "WebApp init data signature is invalid"


def test_wrong_token_is_rejected() -> None:
    with pytest.raises(InitDataBadSignature):
        validate_init_data(PINNED_RAW, bot_token="123456:other-token", now=NOW)
    with pytest.raises(InitDataBadSignature):
        validate_init_data(signed(token="999:x"), bot_token=TOKEN, now=NOW)


def test_empty_bot_token_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="bot_token"):
        validate_init_data(PINNED_RAW, bot_token="", now=NOW)
    with pytest.raises(ValueError, match="bot_token"):
        sign_init_data({"auth_date": "1"}, bot_token="")


# --- freshness -------------------------------------------------------------------------------


def test_age_limit_is_inclusive_and_defaults_to_a_day() -> None:
    assert DEFAULT_MAX_AGE_S == 86_400
    raw = signed()
    assert validate(raw, now=AUTH_DATE + 86_400).auth_date == AUTH_DATE
    with pytest.raises(InitDataExpired) as info:
        validate(raw, now=AUTH_DATE + 86_400.5)
    assert info.value.reason == "WebApp init data has expired"


def test_custom_max_age() -> None:
    raw = signed()
    validate(raw, now=AUTH_DATE + 3600, max_age_s=3600)
    with pytest.raises(InitDataExpired):
        validate(raw, now=AUTH_DATE + 3601, max_age_s=3600)


def test_future_skew_up_to_60_seconds() -> None:
    assert MAX_FUTURE_SKEW_S == 60
    raw = signed()
    validate(raw, now=AUTH_DATE - 60)
    with pytest.raises(InitDataFromFuture) as info:
        validate(raw, now=AUTH_DATE - 61)
    assert info.value.reason == "WebApp init data is dated in the future"


def test_default_now_is_the_wall_clock() -> None:
    with pytest.raises(InitDataExpired):
        validate_init_data(PINNED_RAW, bot_token=TOKEN, max_age_s=60)  # signed in 2025


def test_signature_is_checked_before_freshness() -> None:
    # An expired *and* forged string is reported as forged.
    raw = signed(token="999:x")
    with pytest.raises(InitDataBadSignature):
        validate(raw, now=AUTH_DATE + 10 * 86_400)


# --- malformed -------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_missing(raw: str | None) -> None:
    with pytest.raises(InitDataMissing) as info:
        validate(raw)
    assert info.value.reason == "WebApp init data is missing"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("not a query string", "not a valid query string"),
        ("auth_date=1&&hash=" + "0" * 64, "not a valid query string"),
        ("auth_date=1&hash=" + "0" * 64 + "&", "not a valid query string"),
        ("user=%FF&hash=" + "0" * 64, "not a valid query string"),
        ("=x&hash=" + "0" * 64, "empty name"),
        ("auth_date=1&auth_date=2&hash=" + "0" * 64, "'auth_date' more than once"),
        ("auth_date=1&hash=" + "0" * 64 + "&hash=" + "0" * 64, "'hash' more than once"),
        ("auth_date=1&user=%7B%7D", "no hash"),
        ("auth_date=1&hash=" + "z" * 64, "not 64 hexadecimal digits"),
        ("auth_date=1&hash=" + "0" * 63, "not 64 hexadecimal digits"),
        ("auth_date=1&hash=", "not 64 hexadecimal digits"),
        ("auth_date=1&hash=" + "٠" * 64, "not 64 hexadecimal digits"),  # Arabic-Indic zeros
        ("&".join(f"k{i}=v" for i in range(65)), "not a valid query string"),
    ],
)
def test_malformed(raw: str, reason: str) -> None:
    with pytest.raises(InitDataMalformed) as info:
        validate(raw)
    assert reason in info.value.reason


def test_duplicate_key_is_rejected_even_when_signed_as_last_value() -> None:
    raw = signed() + "&auth_date=1"
    with pytest.raises(InitDataMalformed, match="more than once"):
        validate(raw)


@pytest.mark.parametrize(
    ("pairs", "reason"),
    [
        ({"user": '{"id":1,"first_name":"A"}'}, "no valid auth_date"),
        ({"user": '{"id":1,"first_name":"A"}', "auth_date": "1_750_000_000"}, "auth_date"),
        ({"user": '{"id":1,"first_name":"A"}', "auth_date": "-5"}, "auth_date"),
        ({"user": '{"id":1,"first_name":"A"}', "auth_date": "1750000000.5"}, "auth_date"),
        ({"auth_date": str(AUTH_DATE)}, "no user"),
        ({"auth_date": str(AUTH_DATE), "user": "not json"}, "'user' is not a valid user"),
        ({"auth_date": str(AUTH_DATE), "user": '{"first_name":"A"}'}, "'user'"),
        ({"auth_date": str(AUTH_DATE), "user": '{"id":"1","first_name":"A"}'}, "'user'"),
        ({"auth_date": str(AUTH_DATE), "user": '{"id":1.5,"first_name":"A"}'}, "'user'"),
        ({"auth_date": str(AUTH_DATE), "user": '{"id":1}'}, "'user'"),
        ({"auth_date": str(AUTH_DATE), "user": "[1]"}, "'user'"),
        (
            {"auth_date": str(AUTH_DATE), "user": '{"id":1,"first_name":"A"}', "chat": '{"id":1}'},
            "'chat' is not a valid chat",
        ),
    ],
)
def test_signed_but_invalid_contents(pairs: dict[str, str], reason: str) -> None:
    with pytest.raises(InitDataMalformed) as info:
        validate(sign_init_data(pairs, bot_token=TOKEN))
    assert reason in info.value.reason


def test_reasons_do_not_echo_submitted_data() -> None:
    secret_looking = "SECRET-VALUE-123"
    raw = sign_init_data(
        {"auth_date": str(AUTH_DATE), "user": json.dumps({"id": secret_looking})}, bot_token=TOKEN
    )
    with pytest.raises(InitDataMalformed) as info:
        validate(raw)
    assert secret_looking not in info.value.reason
    assert str(info.value) == info.value.reason


def test_error_hierarchy() -> None:
    for cls in (
        InitDataMissing,
        InitDataMalformed,
        InitDataBadSignature,
        InitDataExpired,
        InitDataFromFuture,
    ):
        assert issubclass(cls, InitDataError)
        assert cls().reason == cls.default_reason
        assert cls("custom").reason == "custom"


def test_sign_rejects_hash_and_empty_keys() -> None:
    with pytest.raises(ValueError, match="hash"):
        sign_init_data({"hash": "x"}, bot_token=TOKEN)
    with pytest.raises(ValueError, match="empty key"):
        sign_init_data({"": "x"}, bot_token=TOKEN)


def test_result_is_immutable() -> None:
    data = validate_init_data(PINNED_RAW, bot_token=TOKEN, now=NOW)
    with pytest.raises(TypeError):
        data.pairs["user"] = "x"  # type: ignore[index]
    with pytest.raises(AttributeError):
        data.auth_date = 0  # type: ignore[misc]
    assert hash(data) == hash(validate_init_data(PINNED_RAW, bot_token=TOKEN, now=NOW))


# --- round trip ------------------------------------------------------------------------------

TEXT = st.text(st.characters(codec="utf-8"), max_size=40)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(
    extra=st.dictionaries(
        TEXT.filter(lambda k: k not in {"", "hash", "user", "chat", "auth_date"}),
        TEXT,
        max_size=6,
    ),
    first_name=TEXT,
    user_id=st.integers(-(2**63), 2**63 - 1),
)
def test_sign_then_validate_round_trips(
    extra: dict[str, str], first_name: str, user_id: int
) -> None:
    pairs = {
        "auth_date": str(AUTH_DATE),
        "user": json.dumps({"id": user_id, "first_name": first_name}),
    }
    pairs |= extra
    data = validate_init_data(sign_init_data(pairs, bot_token=TOKEN), bot_token=TOKEN, now=NOW)
    assert dict(data.pairs) == pairs
    assert (data.user.id, data.user.first_name) == (user_id, first_name)
    assert data.start_param == extra.get("start_param")
    assert data.query_id == extra.get("query_id")


def test_public_api() -> None:
    from maxhack.web import initdata

    assert sorted(initdata.__all__) == [
        "DEFAULT_MAX_AGE_S",
        "InitDataBadSignature",
        "InitDataError",
        "InitDataExpired",
        "InitDataFromFuture",
        "InitDataMalformed",
        "InitDataMissing",
        "MAX_FUTURE_SKEW_S",
        "WebAppChat",
        "WebAppInitData",
        "WebAppUser",
        "sign_init_data",
        "validate_init_data",
    ]
    assert all(hasattr(initdata, name) for name in initdata.__all__)
