"""Validation of MAX WebApp init data (the ``WebAppData`` header).

The mini app sends ``window.WebApp.initData``: a URL-encoded query string signed by MAX with the
bot token (reference ``max-bot-api.md`` §7.2, the same scheme as Telegram's):

1. parse the string once with a strict query parser; every key must occur exactly once;
2. remove ``hash`` (64 hex digits);
3. data-check string = the remaining ``key=value`` pairs (values URL-decoded once), sorted by
   key, joined with ``\\n`` — every key is signed, including ones we do not know;
4. ``secret = HMAC_SHA256(key=b"WebAppData", msg=bot_token)``;
5. the data is authentic iff ``hex(HMAC_SHA256(key=secret, msg=data_check_string))`` equals
   ``hash`` (constant-time comparison);
6. then ``auth_date`` (Unix seconds) must be at most ``max_age_s`` old and at most
   :data:`MAX_FUTURE_SKEW_S` in the future;
7. only then are ``user``/``chat`` parsed as JSON.

Errors form one hierarchy rooted at :class:`InitDataError`; each carries an English ``reason``
fit for a 401 response body (``{"reason": ...}``) and never echoes the submitted data.

* :class:`InitDataMissing` — no init data at all;
* :class:`InitDataMalformed` — not a well-formed init-data string (bad query syntax, duplicate
  keys, no or non-hex ``hash``, bad ``auth_date``, ``user``/``chat`` not the expected JSON);
* :class:`InitDataBadSignature` — the hash does not match (tampered data or another bot's token);
* :class:`InitDataExpired` — signed too long ago;
* :class:`InitDataFromFuture` — ``auth_date`` too far in the future (clock skew or forgery).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeVar
from urllib.parse import parse_qsl, quote, unquote, urlencode

from pydantic import BaseModel, ConfigDict, StrictInt, ValidationError

__all__ = [
    "DEFAULT_MAX_AGE_S",
    "MAX_FUTURE_SKEW_S",
    "InitDataBadSignature",
    "InitDataError",
    "InitDataExpired",
    "InitDataFromFuture",
    "InitDataMalformed",
    "InitDataMissing",
    "WebAppChat",
    "WebAppInitData",
    "WebAppUser",
    "sign_init_data",
    "validate_init_data",
]

DEFAULT_MAX_AGE_S = 86_400.0
"""Default maximum age of ``auth_date`` (product spec §2.6: 24 h)."""
MAX_FUTURE_SKEW_S = 60.0
"""How far ``auth_date`` may lie in the future (clock skew between MAX and us)."""
MAX_FIELDS = 64
"""Upper bound on the number of pairs; real init data has fewer than ten."""

HASH_KEY = "hash"
SECRET_KEY_SALT = b"WebAppData"
_HEX_HASH = re.compile(r"[0-9a-fA-F]{64}")
# Unix seconds: plain ASCII digits (int() would also take "1_000", " 12" or non-ASCII digits).
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")


_Model = TypeVar("_Model", bound=BaseModel)


class InitDataError(Exception):
    """WebApp init data was rejected; :attr:`reason` says why (for a 401 body)."""

    default_reason = "invalid WebApp init data"

    def __init__(self, reason: str | None = None) -> None:
        self.reason: str = reason if reason is not None else self.default_reason
        super().__init__(self.reason)


class InitDataMissing(InitDataError):
    """No init data was supplied."""

    default_reason = "WebApp init data is missing"


class InitDataMalformed(InitDataError):
    """The init data is not a well-formed, complete init-data string."""

    default_reason = "WebApp init data is malformed"


class InitDataBadSignature(InitDataError):
    """The hash does not match the data and the bot token."""

    default_reason = "WebApp init data signature is invalid"


class InitDataExpired(InitDataError):
    """``auth_date`` is older than the allowed age."""

    default_reason = "WebApp init data has expired"


class InitDataFromFuture(InitDataError):
    """``auth_date`` lies too far in the future."""

    default_reason = "WebApp init data is dated in the future"


class WebAppUser(BaseModel):
    """The ``user`` object of init data (unknown keys are ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: StrictInt
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    photo_url: str | None = None


class WebAppChat(BaseModel):
    """The optional ``chat`` object of init data (unknown keys are ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: StrictInt
    type: str


@dataclass(frozen=True)
class WebAppInitData:
    """Validated init data.

    ``pairs`` holds every signed pair (URL-decoded, without ``hash``), including keys this
    module does not interpret (``ip``, future fields).
    """

    user: WebAppUser
    chat: WebAppChat | None
    start_param: str | None
    auth_date: int
    query_id: str | None
    pairs: Mapping[str, str] = field(hash=False)


def _secret_key(bot_token: str) -> bytes:
    if not bot_token:
        raise ValueError("bot_token must not be empty")
    return hmac.new(SECRET_KEY_SALT, bot_token.encode(), hashlib.sha256).digest()


def _data_check_string(pairs: Mapping[str, str]) -> str:
    return "\n".join(f"{key}={pairs[key]}" for key in sorted(pairs))


def _signature(pairs: Mapping[str, str], bot_token: str) -> str:
    secret = _secret_key(bot_token)
    return hmac.new(secret, _data_check_string(pairs).encode(), hashlib.sha256).hexdigest()


def _parse_pairs(raw: str) -> dict[str, str]:
    # Defensive: a still-encoded fragment value ("auth_date%3D...%26hash%3D...") has no "=".
    if "=" not in raw and "%3d" in raw.lower():
        raw = unquote(raw)
    try:
        parsed = parse_qsl(
            raw,
            keep_blank_values=True,
            strict_parsing=True,
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except ValueError as exc:  # includes UnicodeDecodeError from bad %-escapes
        raise InitDataMalformed("WebApp init data is not a valid query string") from exc
    pairs: dict[str, str] = {}
    for key, value in parsed:
        if not key:
            raise InitDataMalformed("WebApp init data has a field with an empty name")
        if key in pairs:
            raise InitDataMalformed(f"WebApp init data has the field {key!r} more than once")
        pairs[key] = value
    return pairs


def _parse_model(model: type[_Model], pairs: Mapping[str, str], key: str) -> _Model | None:
    value = pairs.get(key)
    if value is None:
        return None
    try:
        return model.model_validate_json(value)
    except ValidationError as exc:
        raise InitDataMalformed(
            f"WebApp init data field {key!r} is not a valid {key} object"
        ) from exc


def validate_init_data(
    raw: str | None,
    *,
    bot_token: str,
    max_age_s: float = DEFAULT_MAX_AGE_S,
    now: float | None = None,
) -> WebAppInitData:
    """Check the signature and freshness of ``raw`` init data and return its parsed contents.

    ``now`` is the current Unix time in seconds (default :func:`time.time`). The signature is
    checked before anything inside the data is trusted; freshness after it.
    Raises a subclass of :class:`InitDataError` on rejection, :class:`ValueError` for an empty
    ``bot_token`` (a configuration error, not the client's).
    """
    if raw is None or not raw.strip():
        raise InitDataMissing()
    pairs = _parse_pairs(raw)
    received = pairs.pop(HASH_KEY, None)
    if received is None:
        raise InitDataMalformed("WebApp init data has no hash")
    if not _HEX_HASH.fullmatch(received):
        raise InitDataMalformed("WebApp init data hash is not 64 hexadecimal digits")
    if not hmac.compare_digest(_signature(pairs, bot_token), received.lower()):
        raise InitDataBadSignature()

    auth_date_text = pairs.get("auth_date")
    if auth_date_text is None or not _UNIX_SECONDS.fullmatch(auth_date_text):
        raise InitDataMalformed("WebApp init data has no valid auth_date")
    auth_date = int(auth_date_text)
    current = time.time() if now is None else now
    if current - auth_date > max_age_s:
        raise InitDataExpired()
    if auth_date - current > MAX_FUTURE_SKEW_S:
        raise InitDataFromFuture()

    user = _parse_model(WebAppUser, pairs, "user")
    if user is None:
        raise InitDataMalformed("WebApp init data has no user")
    return WebAppInitData(
        user=user,
        chat=_parse_model(WebAppChat, pairs, "chat"),
        start_param=pairs.get("start_param"),
        auth_date=auth_date,
        query_id=pairs.get("query_id"),
        pairs=MappingProxyType(pairs),
    )


def sign_init_data(pairs: Mapping[str, str], *, bot_token: str) -> str:
    """Return a URL-encoded init-data string of ``pairs`` signed for ``bot_token``.

    The inverse of :func:`validate_init_data`, for tests and the emulator/WebApp dev tooling.
    Pairs keep their order; ``hash`` comes last. Values are percent-encoded like
    ``encodeURIComponent`` (space → ``%20``). Raises :class:`ValueError` if ``pairs`` already
    contains ``hash`` or an empty key.
    """
    if HASH_KEY in pairs:
        raise ValueError("pairs must not contain 'hash'; it is computed")
    if any(not key for key in pairs):
        raise ValueError("pairs must not contain an empty key")
    signed = [*pairs.items(), (HASH_KEY, _signature(pairs, bot_token))]
    return urlencode(signed, quote_via=quote, safe="")
