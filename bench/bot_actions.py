"""Bot conversation throughput: user actions handled end to end against the MAX emulator.

The whole application tree runs in this process (so the bridge counter of
`maxhack.bridge.crossings()` is readable); the emulator is a separate process with its rate
limit off, and the bot's own MAX rate limit is raised to its maximum (30/s — so the figure
is bounded by what MAX allows one bot, as in production). Each of USERS people does, in a
loop: /start (a new menu message) then a press of «👤 Профиль» (the window edited through
POST /answers). An action's latency runs from the user's request to the emulator until the
bot's reply is visible there. Prints the median over RUNS runs of: actions/s, p50/p99
latency, and bridge round trips per action.
Usage: python -m bench.bot_actions [--users 20] [--rounds 5] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import trio
import trio_asyncio

from maxhack.app import build_application
from maxhack.bridge import crossings
from maxhack.config import Settings
from tests.support import services
from tests.support.emulator_process import EmulatorProcess

POLL_S = 0.005
ACTION_TIMEOUT_S = 30.0


async def _wait(
    http: httpx.AsyncClient, user_id: int, check: Any, timeout_s: float = ACTION_TIMEOUT_S
) -> dict[str, Any]:
    with trio.fail_after(timeout_s):
        while True:
            data = (await http.get(f"/_emulator/users/{user_id}/messages")).json()["messages"]
            found = check(data)
            if found is not None:
                return found  # type: ignore[no-any-return]
            await trio.sleep(POLL_S)


async def _person(http: httpx.AsyncClient, user_id: int, rounds: int, out: list[float]) -> None:
    await http.post("/_emulator/users", json={"user_id": user_id, "first_name": "Бенч"})
    for _ in range(rounds):
        seen = len((await http.get(f"/_emulator/users/{user_id}/messages")).json()["messages"])
        began = time.perf_counter()
        await http.post(f"/_emulator/users/{user_id}/start", json={})
        menu = await _wait(http, user_id, lambda m, seen=seen: m[-1] if len(m) > seen else None)
        out.append(time.perf_counter() - began)
        versions = len(menu["history"])
        began = time.perf_counter()
        await http.post(
            f"/_emulator/users/{user_id}/press", json={"mid": menu["mid"], "text": "👤 Профиль"}
        )
        await _wait(
            http,
            user_id,
            lambda m, mid=menu["mid"], versions=versions: next(
                (x for x in m if x["mid"] == mid and len(x["history"]) > versions), None
            ),
        )
        out.append(time.perf_counter() - began)


async def _run(
    settings: Settings, emulator: EmulatorProcess, users: int, rounds: int, base: int
) -> dict[str, float]:
    async with trio_asyncio.open_loop():
        assert settings.DATABASE_URL and settings.REDIS_URL
        app = build_application(
            settings, database_url=settings.DATABASE_URL, redis_url=settings.REDIS_URL
        )
        async with trio.open_nursery() as nursery:
            await nursery.start(app.root.run)
            while app.bot is None or app.bot.status.username is None:  # noqa: ASYNC110
                await trio.sleep(0.05)
            latencies: list[float] = []
            async with httpx.AsyncClient(base_url=emulator.url, timeout=30) as http:
                before = crossings()
                began = time.perf_counter()
                async with trio.open_nursery() as people:
                    for n in range(users):
                        people.start_soon(_person, http, base + n, rounds, latencies)
                elapsed = time.perf_counter() - began
                used = crossings() - before
            nursery.cancel_scope.cancel()
        await app.aclose()
    latencies.sort()
    return {
        "actions_per_s": len(latencies) / elapsed,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "crossings_per_action": used / len(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="maxhack-bench-"))
    state.chmod(0o755)
    urls = services.start_all(state)
    emulator = EmulatorProcess(state / "emulator.log").start()
    try:
        os.environ.update(
            {
                "DATABASE_URL": urls["MAXHACK_TEST_DATABASE_URL"],
                "REDIS_URL": urls["MAXHACK_TEST_REDIS_URL"],
                "MAX_TOKEN": emulator.token,
                "MAX_API_URL": emulator.url,
                "MAX_POLL_TIMEOUT_S": "1",
                "MAX_RATE_LIMIT": "30",
                "MAX_CHAT_RATE_LIMIT": "30",
                "API_PORT": str(services.spare_port()),
                "DATA_DIR": str(state),
                "LOG_LEVEL": "WARNING",
            }
        )
        settings = Settings()
        results = [
            trio.run(_run, settings, emulator, args.users, args.rounds, 10_000 * (r + 1))
            for r in range(args.runs)
        ]
    finally:
        emulator.stop()
        services.stop_all(state)
        shutil.rmtree(state, ignore_errors=True)
    for key in results[0]:
        value = statistics.median(r[key] for r in results)
        print(f"{key:>22}: {value:8.2f}")


if __name__ == "__main__":
    main()
