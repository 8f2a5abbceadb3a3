"""Crash: KILLS × kill -9 of `maxhack run` at random moments during a burst of reminders.

The emulator (a separate process) logs every message; after the last restart has finished
the burst, each person must have exactly one message per event: lost = missing ones,
duplicated = extra ones. The bound for duplicates is the number of deliveries that were
'sending' (in flight) at the kills, read from the database right after each kill.
Usage: python -m bench.reminders_crash [--people 100] [--events 20] [--kills 20]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from bench._services import postgres_url
from tests.e2e.test_reminders_process import _messages_per_user, _plan_burst, _statuses
from tests.support.emulator_process import EmulatorProcess
from tests.support.process import MaxhackProcess


async def _reset(url: str) -> None:
    from maxhack.db.migrate import apply_migrations

    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        await apply_migrations(conn)
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    total = args.people * args.events
    tmp = Path(tempfile.mkdtemp(prefix="mh-crash-"))
    with postgres_url() as url:
        asyncio.run(_reset(url))
        emulator = EmulatorProcess(tmp / "emulator.log").start()
        try:
            due = datetime.now(UTC) + timedelta(seconds=15)
            users = asyncio.run(_plan_burst(url, people=args.people, events=args.events, due=due))
            for user in users:
                emulator.start_bot(user)
            env = {
                "DATABASE_URL": url,
                "REDIS_URL": "redis://127.0.0.1:6379/9",
                "DATA_DIR": str(tmp),
                "MAX_TOKEN": emulator.token,
                "MAX_API_URL": emulator.url,
                "MAX_RATE_LIMIT": "30",
                "MAX_CHAT_RATE_LIMIT": "30",
                "REPLICA_ID": "crash-bench",
            }
            in_flight = 0
            process = MaxhackProcess(env=env, log_path=tmp / "maxhack.log").start()
            process.wait_for_status(200)
            while datetime.now(UTC) < due:
                time.sleep(0.2)
            for _ in range(args.kills):
                time.sleep(rng.uniform(0.5, 3.0))
                process.kill()
                in_flight += asyncio.run(_statuses(url))["sending"]
                process = MaxhackProcess(env=env, log_path=tmp / "maxhack.log").start()
                process.wait_for_status(200)
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                statuses = asyncio.run(_statuses(url))
                if statuses["sent"] + statuses["failed"] + statuses["missed"] >= total:
                    break
                time.sleep(1)
            process.stop()
            per_user = _messages_per_user(emulator, users)
        finally:
            emulator.stop()
    lost = sum(max(0, args.events - per_user[u]) for u in users)
    duplicated = sum(max(0, per_user[u] - args.events) for u in users)
    print(f"{total} reminders, {args.kills} × kill -9 during the burst")
    print(f"  delivery states: {dict(Counter(statuses))}")
    print(f"  lost: {lost}   duplicated: {duplicated}   in flight at the kills: {in_flight}")


if __name__ == "__main__":
    main()
