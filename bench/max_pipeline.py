"""MAX pipeline throughput against the emulator (a separate process, its rate limit off).

1. Outbound: messages/s through Sender + MaxClient (bulk lane, sender rate limit raised far
   above MAX's so the pipeline itself is measured), for N messages to 50 users.
   Baseline in the same run: the bare MaxClient, 16 concurrent tasks, no sender.
2. Inbound: updates/s from the emulator through Poller → inbox table → Dispatcher with a
   no-op handler, for N updates pre-loaded in the emulator (measured until every row is
   'done'), twice: with MAX's pacing (≥ 300 ms between polls, 100 per poll: the production
   ceiling is ~333/s) and unpaced (the pipeline's own capacity). Baseline in the same run:
   GET /updates alone, unpaced, draining the same backlog.
Prints the median of RUNS runs and the peak RSS of this process.
Usage: python -m bench.max_pipeline [--messages 2000] [--updates 3000] [--runs 3]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import trio
import trio_asyncio

from bench._services import postgres_url
from maxhack.bot.dispatcher import Dispatcher
from maxhack.bot.poller import Poller
from maxhack.bot.router import Router
from maxhack.bot.status import BotStatus
from maxhack.bridge import run_aio
from maxhack.db.migrate import apply_migrations
from maxhack.db.writer import DbWriter
from maxhack.max import MaxClient, MaxClientConfig
from maxhack.max.models import NewMessageBody
from maxhack.sender import Lane, OutgoingCall, Sender
from tests.support.emulator_process import EmulatorProcess

USERS = 50


def _client(emulator: EmulatorProcess, gate: Any = None) -> MaxClient:
    return MaxClient(
        MaxClientConfig(token=emulator.token, base_url=emulator.url, poll_timeout_s=1),
        attempt_gate=gate,
    )


async def outbound_sender(emulator: EmulatorProcess, count: int) -> float:
    holder: list[MaxClient] = []
    sender = Sender(lambda: holder[0], rate_per_s=100_000, chat_rate_per_s=100_000)
    holder.append(_client(emulator, sender.attempt_gate()))
    done = trio.Event()
    outcomes: list[Any] = []
    send_channel, receive_channel = trio.open_memory_channel[Any](count)
    async with trio.open_nursery() as nursery:
        await nursery.start(sender.run)
        began = time.perf_counter()

        async def collect() -> None:
            async for outcome in receive_channel:
                outcomes.append(outcome)
                if len(outcomes) == count:
                    done.set()
                    return

        nursery.start_soon(collect)
        for n in range(count):
            user = 1 + n % USERS
            await sender.submit(
                OutgoingCall(
                    action=lambda c, u=user, n=n: c.send_message(
                        NewMessageBody(text=f"reminder {n}"), user_id=u
                    ),
                    chat_id=user,
                    lane=Lane.BULK,
                    due_at=time.time(),
                    reply=send_channel,
                )
            )
        await done.wait()
        elapsed = time.perf_counter() - began
        sender.stop()
    await holder[0].aclose()
    failed = [o for o in outcomes if not o.ok]
    assert not failed, failed[:3]
    return count / elapsed


async def outbound_bare(emulator: EmulatorProcess, count: int) -> float:
    client = _client(emulator)
    began = time.perf_counter()
    async with trio.open_nursery() as nursery:
        for worker in range(16):

            async def work(w: int = worker) -> None:
                for n in range(w, count, 16):
                    await client.send_message(
                        NewMessageBody(text=f"reminder {n}"), user_id=1 + n % USERS
                    )

            nursery.start_soon(work)
    elapsed = time.perf_counter() - began
    await client.aclose()
    return count / elapsed


def preload_updates(emulator: EmulatorProcess, count: int) -> None:
    with httpx.Client(base_url=f"{emulator.url}/_emulator", timeout=10) as http:
        for n in range(count):
            user = 1 + n % USERS
            http.post(f"/users/{user}/text", json={"text": f"update {n}"}).raise_for_status()


async def inbound(emulator: EmulatorProcess, url: str, count: int, min_interval_s: float) -> float:
    pool = await run_aio(asyncpg.create_pool, url, min_size=2, max_size=8)
    try:
        await run_aio(pool.execute, "TRUNCATE bot_updates; DELETE FROM bot_poll_state")
        client = _client(emulator)
        writer = DbWriter(lambda: pool)
        router = Router()

        @router.fallback
        async def noop(update: Any, ctx: Any) -> None:
            return None

        dispatcher = Dispatcher(router, writer=writer, pool_source=lambda: pool)
        poller = Poller(
            client_source=lambda: client,
            pool_source=lambda: pool,
            dispatch_to=dispatcher.inbox,
            token=emulator.token,
            status=BotStatus(enabled=True),
            poll_timeout_s=1,
            min_interval_s=min_interval_s,
        )
        async with trio.open_nursery() as nursery:
            await nursery.start(writer.run)
            await nursery.start(dispatcher.run)
            began = time.perf_counter()
            await nursery.start(poller.run)
            while True:
                done = await run_aio(
                    pool.fetchval, "SELECT count(*) FROM bot_updates WHERE status = 'done'"
                )
                if done >= count:
                    break
                await trio.sleep(0.02)
            elapsed = time.perf_counter() - began
            poller.request_stop()
            dispatcher.stop_signal.request()
            writer.stop_signal.request()
        await client.aclose()
        return count / elapsed
    finally:
        await run_aio(pool.close)


async def inbound_bare(emulator: EmulatorProcess, count: int) -> float:
    client = _client(emulator)
    marker = None
    seen = 0
    began = time.perf_counter()
    while seen < count:
        updates, marker = await client.get_updates(marker=marker, limit=100, timeout=1)
        seen += len(updates)
    elapsed = time.perf_counter() - began
    await client.get_updates(marker=marker, limit=1, timeout=0)  # commit
    await client.aclose()
    return count / elapsed


async def migrate(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await apply_migrations(conn)
    finally:
        await conn.close()


async def main_async(args: argparse.Namespace, url: str) -> dict[str, list[float]]:
    keys = ("sender", "bare", "inbound", "unpaced", "poll")
    results: dict[str, list[float]] = {k: [] for k in keys}
    async with trio_asyncio.open_loop():
        await run_aio(migrate, url)
        for _ in range(args.runs):
            emulator = EmulatorProcess(Path(tempfile.mktemp(suffix=".log"))).start()
            try:
                for user in range(1, USERS + 1):
                    emulator.start_bot(user)
                await inbound_bare(emulator, USERS)  # consume the bot_started updates
                results["sender"].append(await outbound_sender(emulator, args.messages))
                results["bare"].append(await outbound_bare(emulator, args.messages))
                await trio.to_thread.run_sync(preload_updates, emulator, args.updates)
                results["inbound"].append(await inbound(emulator, url, args.updates, 0.3))
                await trio.to_thread.run_sync(preload_updates, emulator, args.updates)
                results["unpaced"].append(await inbound(emulator, url, args.updates, 0.0))
                await trio.to_thread.run_sync(preload_updates, emulator, args.updates)
                results["poll"].append(await inbound_bare(emulator, args.updates))
            finally:
                emulator.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--updates", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with postgres_url() as url:
        results = trio.run(main_async, args, url)
    med = {key: statistics.median(values) for key, values in results.items()}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"runs: {args.runs}, messages: {args.messages}, updates: {args.updates} (medians)")
    print(f"outbound: sender + client   {med['sender']:8.0f} msg/s")
    ratio_out = med["sender"] / med["bare"]
    print(f"outbound: bare client x16   {med['bare']:8.0f} msg/s   ratio {ratio_out:.2f}")
    print(f"inbound: poll+inbox+dispatch, MAX pacing {med['inbound']:7.0f} updates/s")
    print(f"inbound: poll+inbox+dispatch, unpaced    {med['unpaced']:7.0f} updates/s")
    ratio_in = med["unpaced"] / med["poll"]
    print(f"inbound: GET /updates only, unpaced      {med['poll']:7.0f} updates/s")
    print(f"inbound ratio unpaced pipeline / GET only: {ratio_in:.2f}")
    print(f"peak RSS of this process: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
