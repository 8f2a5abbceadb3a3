"""The bot side of a real `maxhack run` against the MAX emulator (another process)."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.support.emulator_process import EmulatorProcess
from tests.support.process import MaxhackProcess

SECRET = "X-Max-Bot-Api-Secret"


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[EmulatorProcess]:
    process = EmulatorProcess(tmp_path / "emulator.log").start()
    yield process
    process.stop()


def _bot_env(
    emulator: EmulatorProcess, database_url: str, redis_url: str, tmp: Path
) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DATA_DIR": str(tmp),
        "MAX_TOKEN": emulator.token,
        "MAX_API_URL": emulator.url,
        "MAX_POLL_TIMEOUT_S": "2",
    }


async def _inbox(url: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return list(
            await conn.fetch("SELECT dedup_key, status, handle_count FROM bot_updates ORDER BY id")
        )
    finally:
        await conn.close()


def _wait_inbox(url: str, count: int, timeout_s: float = 60) -> list[asyncpg.Record]:
    deadline = time.monotonic() + timeout_s
    rows: list[asyncpg.Record] = []
    while time.monotonic() < deadline:
        rows = asyncio.run(_inbox(url))
        # Handled = no longer pending ('failed' is a handler's verdict, e.g. flood control).
        if len(rows) >= count and all(r["status"] != "pending" for r in rows):
            return rows
        time.sleep(0.2)
    raise AssertionError(f"inbox never settled at {count}: {len(rows)} rows")


def test_bot_runs_polls_and_handles(
    emulator: EmulatorProcess, database_url: str, redis_url: str, tmp_path: Path
) -> None:
    bot = MaxhackProcess(
        env=_bot_env(emulator, database_url, redis_url, tmp_path), log_path=tmp_path / "bot.log"
    ).start()
    try:
        body = bot.wait_for_status(200)
        info = body["components"]["bot"]
        assert info["enabled"] is True
        assert info["username"] == emulator.state()["bot"]["username"]
        assert info["pollingLeader"] is True
        for user in (1, 2, 3):
            emulator.start_bot(user)
            for n in range(5):
                emulator.send_text(user, f"message {n}")
        rows = _wait_inbox(database_url, 18)
        assert len(rows) == 18
        assert len({r["dedup_key"] for r in rows}) == 18
        code, _ = bot.stop()
        assert code == 0, bot.log()
    finally:
        bot.kill()


def test_kill_9_loses_nothing_and_stores_each_update_once(
    emulator: EmulatorProcess, database_url: str, redis_url: str, tmp_path: Path
) -> None:
    env = _bot_env(emulator, database_url, redis_url, tmp_path)
    first = MaxhackProcess(env=env, log_path=tmp_path / "first.log").start()
    sent = 0
    try:
        first.wait_for_status(200)
        for user in range(70, 78):
            emulator.start_bot(user)
            sent += 1
        for n in range(40):
            emulator.send_text(70 + n % 8, f"before kill {n}")
            sent += 1
        time.sleep(0.3)  # part of it is polled and stored, part is not yet
        first.kill()  # SIGKILL: no graceful anything
    finally:
        first.kill()
    for n in range(10):
        emulator.send_text(70 + n % 8, f"while down {n}")
        sent += 1
    second = MaxhackProcess(env=env, log_path=tmp_path / "second.log").start()
    try:
        second.wait_for_status(200)
        rows = _wait_inbox(database_url, sent)
        # Every update stored exactly once (re-deliveries dropped by dedup) and handled.
        assert len(rows) == sent
        assert len({r["dedup_key"] for r in rows}) == sent
        assert all(r["handle_count"] == 1 for r in rows)
        # The stored marker was sent back to MAX: nothing is left uncommitted there.
        deadline = time.monotonic() + 10
        while emulator.state()["pending_updates"] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert emulator.state()["pending_updates"] == 0
    finally:
        second.kill()


def test_polling_leader_hands_over_between_processes(
    emulator: EmulatorProcess, database_url: str, redis_url: str, tmp_path: Path
) -> None:
    env = _bot_env(emulator, database_url, redis_url, tmp_path)
    first = MaxhackProcess(env=env, log_path=tmp_path / "first.log").start()
    second = MaxhackProcess(env=env, log_path=tmp_path / "second.log")
    try:
        assert first.wait_for_status(200)["components"]["bot"]["pollingLeader"] is True
        second.start()
        assert second.wait_for_status(200)["components"]["bot"]["pollingLeader"] is False
        emulator.start_bot(9)
        _wait_inbox(database_url, 1)
        first.send(signal.SIGKILL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            health = second.health()
            if health and health[1]["components"]["bot"]["pollingLeader"]:
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"second never became leader:\n{second.log()}")
        emulator.send_text(9, "after hand-over")
        rows = _wait_inbox(database_url, 2)
        assert len(rows) == 2
    finally:
        first.kill()
        second.kill()


def test_rejected_token_stops_the_bot_and_health_says_why(
    emulator: EmulatorProcess, database_url: str, redis_url: str, tmp_path: Path
) -> None:
    env = _bot_env(emulator, database_url, redis_url, tmp_path) | {"MAX_TOKEN": "wrong-token"}
    bot = MaxhackProcess(env=env, log_path=tmp_path / "bot.log").start()
    try:
        body = bot.wait_for_status(503)
        deadline = time.monotonic() + 10
        while "error" not in body["components"]["bot"] and time.monotonic() < deadline:
            time.sleep(0.2)
            health = bot.health()
            assert health is not None
            body = health[1]
        assert "401" in body["components"]["bot"]["error"]
        assert any("401" in problem for problem in body["problems"])
        assert "bot_token_rejected" in bot.log()
        code, _ = bot.stop()
        assert code == 0
    finally:
        bot.kill()


def test_webhook_mode_checks_the_secret_and_stores_updates(
    emulator: EmulatorProcess, database_url: str, redis_url: str, tmp_path: Path
) -> None:
    env = _bot_env(emulator, database_url, redis_url, tmp_path) | {
        "MAX_WEBHOOK_URL": "https://bot.example.test/max/webhook",
        "MAX_WEBHOOK_SECRET": "s3cret_value-1",
    }
    bot = MaxhackProcess(env=env, log_path=tmp_path / "bot.log").start()
    try:
        body = bot.wait_for_status(200)
        assert "poller" not in body["components"]["bot"]
        emulator.start_bot(42)  # the emulator then accepts the bot's replies to this user
        update = {
            "update_type": "bot_started",
            "timestamp": 1775025604499,
            "chat_id": 42 + 10**12,  # the emulator's dialog id for user 42
            "user": {"user_id": 42, "first_name": "Вебхук", "is_bot": False},
        }
        url = f"{bot.base_url}/max/webhook"
        missing = httpx.post(url, json=update, timeout=5)
        wrong = httpx.post(url, json=update, headers={SECRET: "s3cret_value-2"}, timeout=5)
        assert (missing.status_code, wrong.status_code) == (401, 401)
        assert "reason" in missing.json()
        good = httpx.post(url, json=update, headers={SECRET: "s3cret_value-1"}, timeout=5)
        again = httpx.post(url, json=update, headers={SECRET: "s3cret_value-1"}, timeout=5)
        assert good.status_code == 200 and good.json()["duplicate"] is False
        assert again.status_code == 200 and again.json()["duplicate"] is True
        not_json = httpx.post(url, content=b"{", headers={SECRET: "s3cret_value-1"}, timeout=5)
        assert not_json.status_code == 400
        rows = _wait_inbox(database_url, 1)
        assert len(rows) == 1
        code, _ = bot.stop()
        assert code == 0
    finally:
        bot.kill()


def test_metrics_in_prometheus_format(
    emulator: EmulatorProcess, database_url: str, redis_url: str, tmp_path: Path
) -> None:
    bot = MaxhackProcess(
        env=_bot_env(emulator, database_url, redis_url, tmp_path), log_path=tmp_path / "bot.log"
    ).start()
    try:
        bot.wait_for_status(200)
        response = httpx.get(f"{bot.base_url}/metrics", timeout=5)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        text = response.text
        assert 'maxhack_actor_running{actor="wheel"} 1.0' in text
        assert 'maxhack_store_up{store="postgres"} 1.0' in text
        assert 'maxhack_reminders_total{outcome="missed"}' in text
        assert 'maxhack_sender_queued{lane="bulk"}' in text
        assert "maxhack_reminder_triggers_in_horizon" in text
    finally:
        bot.kill()
