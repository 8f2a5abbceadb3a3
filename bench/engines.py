"""Side by side on the same one-shot reminders: this engine vs APScheduler 3 vs a
once-a-minute due-rows scan (what the original did). Each engine runs in its own process
(so peak RSS is its own); "fired" means handed over for sending. Lateness = fired − due.

- maxhack:     triggers in PostgreSQL, the timer wheel (horizon heap + one-transaction
               fan-out into delivery rows) and the deliverer's release, up to the sender
               (a stub that records the time instead of calling MAX)
- apscheduler: AsyncIOScheduler, one `date` trigger job per reminder (in memory)
- minute-scan: every 60 s, fire everything due since the previous scan

Usage: python -m bench.engines [--count 100000] [--window 600]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

START_DELAY_S = 20.0


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def dues(count: int, window: float, start: float) -> list[float]:
    step = window / count
    return [start + i * step for i in range(count)]


# -- engines (run in a child process) ----------------------------------------------------------
def run_apscheduler(due_at: list[float]) -> list[float]:
    import asyncio

    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    lateness: list[float] = []

    async def main() -> None:
        scheduler = AsyncIOScheduler(timezone=UTC)
        done = asyncio.Event()

        def fire(due: float) -> None:
            lateness.append(time.time() - due)
            if len(lateness) == len(due_at):
                done.set()

        for due in due_at:
            scheduler.add_job(
                fire, "date", run_date=datetime.fromtimestamp(due, UTC), args=[due],
                misfire_grace_time=600,
            )  # fmt: skip
        scheduler.start()
        await done.wait()
        scheduler.shutdown(wait=False)

    asyncio.run(main())
    return lateness


def run_minute_scan(due_at: list[float]) -> list[float]:
    lateness: list[float] = []
    last = time.time()
    index = 0
    while index < len(due_at):
        time.sleep(60 - (time.time() % 60))  # wake at each minute, like a cron
        now = time.time()
        while index < len(due_at) and due_at[index] <= now:
            lateness.append(time.time() - due_at[index])
            index += 1
        last = now
    del last
    return lateness


def run_maxhack(due_at: list[float], url: str) -> list[float]:
    from bench._recording_engine import run_recording_engine

    return run_recording_engine(url, len(due_at))


def child(engine: str, spec: dict[str, Any]) -> None:
    due_at = dues(spec["count"], spec["window"], spec["start"])
    if engine == "apscheduler":
        lateness = run_apscheduler(due_at)
    elif engine == "minute-scan":
        lateness = run_minute_scan(due_at)
    else:
        lateness = run_maxhack(due_at, spec["url"])
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"engine": engine, "lateness": lateness, "peak_mb": peak_mb}))


# -- set-up and orchestration -----------------------------------------------------------------
async def _load(url: str, due_at: list[float]) -> None:
    import asyncpg

    from maxhack.db.migrate import apply_migrations

    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        await apply_migrations(conn)
        await conn.execute(
            "INSERT INTO users (max_id, first_name) VALUES (9000000, 'B');"
            "INSERT INTO groups (name) VALUES ('Bench');"
            "INSERT INTO memberships (user_id, group_id, role_id) VALUES (1, 1, 1)"
        )
        starts = [datetime.fromtimestamp(d, UTC) for d in due_at]
        await conn.execute(
            "INSERT INTO events (group_id, creator_id, title, starts_at, time_zone) "
            "SELECT 1, 1, 'R', s, 'UTC' FROM unnest($1::timestamptz[]) AS s",
            starts,
        )
        # What the planner writes for a one-off event with offset 0.
        await conn.execute(
            "INSERT INTO event_participants (event_id, user_id) SELECT id, 1 FROM events;"
            "INSERT INTO reminder_triggers (event_id, offset_min, occurrence_at, fire_at) "
            "SELECT id, 0, starts_at, starts_at FROM events"
        )
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--window", type=float, default=600.0)
    parser.add_argument("--child", default=None)
    parser.add_argument("--spec", default=None)
    args = parser.parse_args()
    if args.child:
        child(args.child, json.loads(args.spec))
        return

    import asyncio

    from bench._services import postgres_url

    with postgres_url() as url:
        start = time.time() + START_DELAY_S + args.count / 5000
        asyncio.run(_load(url, dues(args.count, args.window, start)))
        spec = json.dumps({"count": args.count, "window": args.window, "start": start, "url": url})
        procs = {
            engine: subprocess.Popen(
                [sys.executable, "-m", "bench.engines", "--child", engine, "--spec", spec],
                stdout=subprocess.PIPE,
            )
            for engine in ("maxhack", "apscheduler", "minute-scan")
        }
        results = [json.loads(p.communicate()[0]) for p in procs.values()]
    print(f"{args.count} one-shot reminders over {args.window:.0f} s, engines side by side")
    print(f"{'engine':12s} {'p50 ms':>9s} {'p99 ms':>9s} {'max ms':>9s} {'peak RSS MB':>12s}")
    for r in results:
        lat = r["lateness"]
        print(
            f"{r['engine']:12s} {pct(lat, 0.5) * 1000:9.1f} {pct(lat, 0.99) * 1000:9.1f} "
            f"{max(lat) * 1000:9.1f} {r['peak_mb']:12.0f}"
        )


if __name__ == "__main__":
    main()
