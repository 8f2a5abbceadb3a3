"""Scale: the timer wheel over 1 000 000 future triggers (30 days) in PostgreSQL.

Two child processes, each running the wheel + deliverer (the sender stubbed to record hand
-over times, as in bench/engines.py): one over an empty database (baseline), one over the
database with 1 000 000 triggers plus PROBE reminders due in the next minute. Prints the RSS
of each after the first refill, the growth, the horizon refill time, and the lateness of the
probe reminders (p50/p99/max). Usage: python -m bench.reminders_scale [--triggers 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from typing import Any

import psutil

from bench._services import postgres_url

PROBES = 1000
PROBE_WINDOW_S = 60.0


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _load(url: str, triggers: int, probe_start: float) -> None:
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
        if triggers:
            # Far triggers: spread over the next 30 days, starting after the probes.
            await conn.execute(
                "INSERT INTO events (group_id, creator_id, title, starts_at, time_zone) "
                "SELECT 1, 1, 'F', now() + interval '1 hour' + n * (interval '30 days' / $1), "
                "'UTC' FROM generate_series(1, $1) AS n",
                triggers,
            )
        await conn.execute(
            "INSERT INTO events (group_id, creator_id, title, starts_at, time_zone) "
            "SELECT 1, 1, 'P', to_timestamp($1 + n * $2), 'UTC' FROM generate_series(0, $3 - 1) n",
            probe_start,
            PROBE_WINDOW_S / PROBES,
            PROBES,
        )
        await conn.execute(
            "INSERT INTO event_participants (event_id, user_id) SELECT id, 1 FROM events;"
            "INSERT INTO reminder_triggers (event_id, offset_min, occurrence_at, fire_at) "
            "SELECT id, 0, starts_at, starts_at FROM events;"
            "ANALYZE"
        )
    finally:
        await conn.close()


def child(url: str) -> None:
    from bench._recording_engine import run_recording_engine

    result: dict[str, Any] = {}

    async def measure(stats: Any) -> None:
        import trio

        await trio.sleep(3)
        result["rss_mb"] = psutil.Process().memory_info().rss / 2**20
        result["refill_s"] = stats.last_refill_s
        result["in_horizon"] = stats.triggers_in_horizon

    result["lateness"] = run_recording_engine(url, PROBES, during=measure)
    print(json.dumps(result))


def run_child(url: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.reminders_scale", "--child", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    data: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triggers", type=int, default=1_000_000)
    parser.add_argument("--child", default=None)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    with postgres_url() as url:
        asyncio.run(_load(url, 0, time.time() + 25))
        empty = run_child(url)
        began = time.perf_counter()
        asyncio.run(_load(url, args.triggers, time.time() + 60 + args.triggers / 20_000))
        load_s = time.perf_counter() - began
        full = run_child(url)
    print(f"{args.triggers} future triggers over 30 days (+{PROBES} probes in one minute)")
    print(f"  loading them into PostgreSQL took {load_s:.0f} s (not part of the engine)")
    print(f"  RSS empty database   {empty['rss_mb']:7.1f} MB")
    growth = full["rss_mb"] - empty["rss_mb"]
    print(f"  RSS 1M triggers      {full['rss_mb']:7.1f} MB  (growth {growth:.1f} MB)")
    refill_ms = full["refill_s"] * 1000
    print(f"  horizon refill       {refill_ms:7.1f} ms ({full['in_horizon']} triggers in horizon)")
    lat = full["lateness"]
    print(
        f"  probe lateness ({len(lat)}): p50 {pct(lat, 0.5) * 1000:.1f} ms, "
        f"p99 {pct(lat, 0.99) * 1000:.1f} ms, max {max(lat) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
