"""Reminder engine benchmarks against the MAX emulator (a separate process, rate limit off).

precision  N one-off reminders (offset 0, one recipient each) due at random moments over
           WINDOW seconds, the sender otherwise idle: lateness = when the emulator stored the
           message − due time; p50/p99/max per run, medians over RUNS.
burst      N reminders with offset 60 min all due at one moment, the sender at RATE/s: arrival
           times against the due time (early/late), the sender's utilisation during the burst
           (requests/s over the busy period ÷ rate, the person's taps included), and the
           latency of interactive calls (a person tapping a button every second) during the
           burst: p50/p99.
The engine runs in this process: writer, sender, deliverer, wheel on a throwaway (or
BENCH_DATABASE_URL) PostgreSQL. Usage:
    python -m bench.reminders precision [--count 10000] [--window 600] [--runs 3]
    python -m bench.reminders burst [--count 6000] [--rate 25] [--runs 1]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import trio
import trio_asyncio

from bench._services import postgres_url
from maxhack.bridge import run_aio
from maxhack.db.migrate import apply_migrations
from maxhack.db.writer import DbWriter
from maxhack.domain.events import EventDraft, ScheduleDraft, create_event
from maxhack.domain.groups import GroupDraft, create_group
from maxhack.domain.users import MaxProfile, ensure_user
from maxhack.max import MaxClient, MaxClientConfig
from maxhack.max.models import NewMessageBody
from maxhack.reminders.deliverer import Deliverer
from maxhack.reminders.stats import ReminderStats
from maxhack.reminders.wheel import Wheel
from maxhack.sender import Lane, Sender
from tests.support.emulator_process import EmulatorProcess

USERS = 200
PLAN_S_PER_EVENT = 0.006  # measured: creating one event through the domain services
FIRST_MAX_ID = 8_000_000


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _fresh_schema(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        await apply_migrations(conn)
    finally:
        await conn.close()


async def _plan(url: str, dues: list[datetime], offset_min: int, people: int) -> None:
    """One event per due time; recipients cycle over `people` users."""
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            owner = await ensure_user(conn, MaxProfile(max_id=FIRST_MAX_ID - 1, first_name="B"))
            group = (await create_group(conn, owner, GroupDraft("Bench", None))).group.id
            users = []
            for n in range(people):
                user = await ensure_user(conn, MaxProfile(max_id=FIRST_MAX_ID + n, first_name="U"))
                await conn.execute(
                    "INSERT INTO memberships (user_id, group_id, role_id) VALUES ($1, $2, 3)",
                    user,
                    group,
                )
                users.append(user)
            for n, due in enumerate(dues):
                await create_event(
                    conn,
                    owner,
                    EventDraft(
                        group_id=group,
                        title=f"R{n}",
                        schedule=ScheduleDraft(start=due + timedelta(minutes=offset_min)),
                        participant_ids=[users[n % people]],
                        reminder_offsets=[offset_min],
                    ),
                )
    finally:
        await conn.close()


@asynccontextmanager
async def engine(url: str, emulator: EmulatorProcess, rate: float) -> AsyncIterator[Sender]:
    pool = await run_aio(asyncpg.create_pool, url, min_size=2, max_size=10)
    holder: list[MaxClient] = []
    sender = Sender(lambda: holder[0], rate_per_s=rate, chat_rate_per_s=1000)
    holder.append(
        MaxClient(
            MaxClientConfig(token=emulator.token, base_url=emulator.url),
            attempt_gate=sender.attempt_gate(),
        )
    )
    writer = DbWriter(lambda: pool)
    stats = ReminderStats()
    deliverer = Deliverer(
        sender=sender, writer=writer, stats=stats, rate_per_s=rate, spread_s=120, grace_s=600
    )
    wheel = Wheel(pool_source=lambda: pool, deliver_to=deliverer.inbox, stats=stats, owner="bench")
    try:
        async with trio.open_nursery() as nursery:
            for actor in (writer, sender, deliverer, wheel):
                await nursery.start(actor.run)
            yield sender
            wheel.stop_signal.request()
            deliverer.stop_signal.request()
            sender.stop()
            writer.stop_signal.request()
    finally:
        await holder[0].aclose()
        await run_aio(pool.close)


def arrivals(emulator: EmulatorProcess, people: int) -> dict[str, float]:
    """Title → when the emulator stored the message (epoch seconds)."""
    stored: dict[str, float] = {}
    with httpx.Client(base_url=f"{emulator.url}/_emulator", timeout=30) as http:
        for n in range(people):
            body = http.get(f"/users/{FIRST_MAX_ID + n}/messages").json()
            for message in body["messages"]:
                title = message["text"].split("</b>")[0].split("<b>")[-1]
                stored[title] = message["timestamp"] / 1000
    return stored


async def run_precision(url: str, count: int, window: float) -> list[float]:
    await run_aio(_fresh_schema, url)
    emulator = EmulatorProcess(Path(tempfile.mktemp(suffix=".log"))).start()
    try:
        people = min(USERS, count)
        for n in range(people):
            emulator.start_bot(FIRST_MAX_ID + n)
        # Planning goes through the domain services (one event at a time, committed at the
        # end): leave it time, so no reminder is due before its trigger exists. Start times
        # are whole seconds, as the product stores them.
        start = datetime.now(UTC) + timedelta(seconds=20 + count * PLAN_S_PER_EVENT)
        dues = sorted(
            (start + timedelta(seconds=random.uniform(0, window))).replace(microsecond=0)
            for _ in range(count)
        )
        await run_aio(_plan, url, dues, 0, people)
        async with engine(url, emulator, rate=1000):
            await trio.sleep(max(0.0, (dues[-1] - datetime.now(UTC)).total_seconds() + 5))
        stored = await trio.to_thread.run_sync(arrivals, emulator, people)
        lateness = [stored[f"R{n}"] - due.timestamp() for n, due in enumerate(dues)]
        assert len(lateness) == count
        return lateness
    finally:
        emulator.stop()


async def run_burst(url: str, count: int, rate: float) -> dict[str, float]:
    await run_aio(_fresh_schema, url)
    emulator = EmulatorProcess(Path(tempfile.mktemp(suffix=".log"))).start()
    try:
        people = min(USERS, count)
        for n in range(people):
            emulator.start_bot(FIRST_MAX_ID + n)
        due = (datetime.now(UTC) + timedelta(seconds=150 + count * PLAN_S_PER_EVENT)).replace(
            microsecond=0
        )
        await run_aio(_plan, url, [due] * count, 60, people)
        taps: list[float] = []
        tap_times: list[float] = []
        async with engine(url, emulator, rate=rate) as sender:
            end = due.timestamp() + count / rate + 10
            while time.time() < end:
                began = time.perf_counter()
                await sender.call(
                    lambda c: c.send_message(NewMessageBody(text="tap"), user_id=FIRST_MAX_ID),
                    chat_id=None,
                    lane=Lane.INTERACTIVE,
                )
                taps.append(time.perf_counter() - began)
                tap_times.append(time.time())
                await trio.sleep(1.0)
        stored = await trio.to_thread.run_sync(arrivals, emulator, people)
        times = sorted(stored[f"R{n}"] for n in range(count))
        offsets = [t - due.timestamp() for t in times]
        busy = times[-1] - times[0]
        taps_in_burst = sum(1 for t in tap_times if times[0] <= t <= times[-1])
        return {
            "first_s": offsets[0],
            "last_s": offsets[-1],
            "late_share": sum(1 for o in offsets if o > 0) / count,
            "utilisation": (count - 1 + taps_in_burst) / busy / rate if busy > 0 else 1.0,
            "tap_p50_ms": pct(taps, 0.5) * 1000,
            "tap_p99_ms": pct(taps, 0.99) * 1000,
        }
    finally:
        emulator.stop()


async def main_async(args: argparse.Namespace, url: str) -> None:
    async with trio_asyncio.open_loop():
        if args.mode == "precision":
            runs = [await run_precision(url, args.count, args.window) for _ in range(args.runs)]
            keys = {"p50": 0.5, "p99": 0.99}
            print(f"precision: {args.count} reminders over {args.window:.0f} s, {args.runs} run(s)")
            for name, q in keys.items():
                value = statistics.median(pct(r, q) for r in runs) * 1000
                print(f"  lateness {name}: {value:8.1f} ms (median over runs)")
            print(f"  lateness max: {statistics.median(max(r) for r in runs) * 1000:8.1f} ms")
            print(f"  earliest:     {min(min(r) for r in runs) * 1000:8.1f} ms")
        else:
            results: list[dict[str, Any]] = [
                await run_burst(url, args.count, args.rate) for _ in range(args.runs)
            ]
            print(f"burst: {args.count} reminders (offset 60 min) due at one moment, {args.rate}/s")
            for key in results[0]:
                print(f"  {key:12s} {statistics.median(r[key] for r in results):10.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["precision", "burst"])
    parser.add_argument("--count", type=int, default=None)
    parser.add_argument("--window", type=float, default=600.0)
    parser.add_argument("--rate", type=float, default=25.0)
    parser.add_argument("--runs", type=int, default=None)
    args = parser.parse_args()
    if args.count is None:
        args.count = 10_000 if args.mode == "precision" else 6_000
    if args.runs is None:
        args.runs = 3 if args.mode == "precision" else 1
    with postgres_url() as url:
        trio.run(main_async, args, url)


if __name__ == "__main__":
    main()
