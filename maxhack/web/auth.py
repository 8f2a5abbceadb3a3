"""Who is calling: the ``WebAppData`` header turned into the acting user, cheaply.

Per request: the header is validated with :func:`~maxhack.web.initdata.validate_init_data`
(bot token ``MAX_TOKEN``, age ``WEBAPP_AUTH_MAX_AGE``), then the MAX user id is mapped to our
user id. That mapping never changes once made (users are never deleted and ``max_id`` is
unique), so it is cached in process without invalidation; a miss runs the upsert (user and
personal group on first sight) once for all concurrent requests of that MAX user
(:class:`~maxhack.web.coalesce.Coalescer`). Steady state: authentication costs no bridge
crossing at all. Validated header strings are cached too (bounded), but their freshness is
re-checked on every use.

Failures are :class:`~maxhack.web.errors.Unauthorized` (401) with a reason: header missing,
malformed, bad signature, expired, from the future, user id out of range, or auth unavailable
because ``MAX_TOKEN`` is not set.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

import asyncpg

from maxhack.bridge import run_aio
from maxhack.domain.db import in_transaction
from maxhack.domain.users import MaxProfile, ensure_user
from maxhack.web.coalesce import Coalescer
from maxhack.web.errors import Unauthorized
from maxhack.web.initdata import (
    MAX_FUTURE_SKEW_S,
    InitDataError,
    WebAppInitData,
    validate_init_data,
)

__all__ = ["AUTH_UNAVAILABLE", "WEBAPP_HEADER", "Authenticator", "Principal"]

WEBAPP_HEADER: Final = "WebAppData"
AUTH_UNAVAILABLE: Final = "WebApp authentication is unavailable: the bot token is not configured"
USER_CACHE_SIZE: Final = 100_000
INIT_DATA_CACHE_SIZE: Final = 4096
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    user_id: int
    max_id: int
    init_data: WebAppInitData


class _Lru(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class Authenticator:
    """Validates init data and resolves the acting user (see the module docstring)."""

    def __init__(
        self,
        *,
        bot_token: str | None,
        max_age_s: float,
        pool: Callable[[], asyncpg.Pool],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._bot_token = bot_token
        self._max_age_s = max_age_s
        self._pool = pool
        self._clock = clock
        self._user_ids: _Lru[int, int] = _Lru(USER_CACHE_SIZE)
        self._validated: _Lru[str, WebAppInitData] = _Lru(INIT_DATA_CACHE_SIZE)
        self._upserts: Coalescer[int] = Coalescer()

    @property
    def cached_users(self) -> int:
        return len(self._user_ids)

    @property
    def upserts(self) -> Coalescer[int]:
        return self._upserts

    def validate(self, raw: str | None) -> WebAppInitData:
        """The validated init data of a header value, else :class:`Unauthorized`."""
        if self._bot_token is None:
            raise Unauthorized(AUTH_UNAVAILABLE)
        now = self._clock()
        if raw is not None:
            cached = self._validated.get(raw)
            if cached is not None and self._fresh(cached, now):
                return cached
        try:
            data = validate_init_data(
                raw, bot_token=self._bot_token, max_age_s=self._max_age_s, now=now
            )
        except InitDataError as exc:
            raise Unauthorized(exc.reason) from None
        if not INT64_MIN <= data.user.id <= INT64_MAX:
            raise Unauthorized("WebApp init data user id is out of range")
        assert raw is not None
        self._validated.put(raw, data)
        return data

    def _fresh(self, data: WebAppInitData, now: float) -> bool:
        age = now - data.auth_date
        return -MAX_FUTURE_SKEW_S <= age <= self._max_age_s

    async def authenticate(self, raw: str | None) -> Principal:
        """Validate ``raw`` and return the caller, creating their user on first sight."""
        data = self.validate(raw)
        max_id = data.user.id
        user_id = self._user_ids.get(max_id)
        if user_id is None:
            profile = MaxProfile(
                max_id=max_id,
                first_name=data.user.first_name,
                last_name=data.user.last_name,
                username=data.user.username,
                photo_url=data.user.photo_url,
            )
            user_id = await self._upserts.get(max_id, lambda: self._upsert(profile))
            self._user_ids.put(max_id, user_id)
        return Principal(user_id=user_id, max_id=max_id, init_data=data)

    async def _upsert(self, profile: MaxProfile) -> int:
        return await run_aio(in_transaction, self._pool(), ensure_user, profile)
