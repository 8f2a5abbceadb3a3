"""Fixtures for the e2e modules: `bot`, a real `maxhack run` against the MAX emulator.

The pair is module-scoped: each `test_bot_flows_*.py` module gets its own process pair and its
own database cloned from the migrated template; modules run one after another, so they can all
use the same Redis database (flushed when a pair starts). Distinct MAX user ids per test
(`bot_flow_support.person`) keep the tests of one module apart.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
import redis

from tests.conftest import _admin, with_database
from tests.e2e.bot_flow_support import REDIS_DB, Bot, _bot_env
from tests.support.emulator_process import EmulatorProcess


@pytest.fixture(scope="module")
def bot(
    service_urls: tuple[str, str], template_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Bot]:
    tmp = tmp_path_factory.mktemp("bot_flows")
    admin_url, base_redis = service_urls
    name = f"maxhack_bf_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(admin_url, f"CREATE DATABASE {name} TEMPLATE {template_database}"))
    db_url = with_database(admin_url, name)
    redis_url = base_redis.rstrip("/0123456789") + f"/{REDIS_DB}"
    redis.Redis.from_url(redis_url).flushdb()
    emulator = EmulatorProcess(tmp / "emulator.log").start()
    pair = Bot(emulator, db_url, _bot_env(emulator, db_url, redis_url, tmp), tmp)
    try:
        pair.start()
        yield pair
    finally:
        pair.stop()
        emulator.stop()
        asyncio.run(_admin(admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
