"""HTTP API throughput: maxhack's API vs. a plain asyncio Quart + asyncpg baseline.

Same run, same database, same data: ``GET /users/me`` and ``GET /events/groups/{id}`` (a
group with 50 events) under 16 concurrent keep-alive connections, in two caller mixes:
``same-user`` (every connection is the same user: concurrent identical reads, which ours
coalesces) and ``16-users`` (one user per connection: no read is shared). Rounds alternate
between the servers; the medians of requests/s, p50 and p99 are printed with the ratio
ours/baseline. See ``bench._api_servers`` for what each server does. Usage:

    python -m bench.api [--seconds 3] [--rounds 3] [--connections 16]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bench._load import LoadResult, run_load
from bench._services import postgres_url
from maxhack.db.migrate import apply_migrations
from maxhack.domain import events, groups, invites, members
from maxhack.domain.db import in_transaction
from maxhack.domain.models import Role
from maxhack.domain.schedule import RepeatKind
from maxhack.domain.users import MaxProfile, ensure_user
from maxhack.web.testing import signed_init_data


def with_database(url: str, database: str) -> str:
    """``url`` pointing at another database of the same server."""
    return urlunsplit(urlsplit(url)._replace(path="/" + database))


EVENTS = 50
USERS = 16
BASE_MAX_ID = 500_000
WARMUP_S = 0.5
READY_TIMEOUT_S = 30


async def seed(url: str) -> int:
    """Migrate, then one group with USERS admins and EVENTS weekly events; its id."""
    conn = await asyncpg.connect(url)
    try:
        await apply_migrations(conn)
    finally:
        await conn.close()
    pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
    try:
        ids = [
            await in_transaction(pool, ensure_user, MaxProfile(BASE_MAX_ID + n, f"User {n}"))
            for n in range(USERS)
        ]
        owner = ids[0]
        access = await in_transaction(
            pool, groups.create_group, owner, groups.GroupDraft("Bench", None)
        )
        group_id = access.group.id
        invite = await in_transaction(pool, invites.recreate_invite, owner, group_id)
        for user_id in ids[1:]:
            await in_transaction(pool, invites.join_by_invite, user_id, invite.key)
            await in_transaction(
                pool, members.update_member, owner, group_id, user_id, role=Role.ADMIN
            )
        for n in range(EVENTS):
            draft = events.EventDraft(
                group_id=group_id,
                title=f"Event {n}",
                description="A weekly meeting of the whole team",
                schedule=events.ScheduleDraft(
                    datetime(2031, 1, 1 + n % 28, 9, 0), repeat=RepeatKind.WEEKLY
                ),
                duration_min=60,
                participant_ids=tuple(ids[:4]),
                reminder_offsets=(60, 15, 0),
            )
            await in_transaction(pool, events.create_event, owner, draft)
        return group_id
    finally:
        await pool.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(kind: str, url: str) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench._api_servers", kind, url, str(port)],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ | {"PYTHONPATH": os.getcwd()},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if "READY" not in line:
            raise RuntimeError(f"{kind} server did not start: {line!r}")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(READY_TIMEOUT_S)


def headers(mix: str, connections: int) -> list[dict[str, str]]:
    if mix == "same-user":
        value = signed_init_data(BASE_MAX_ID)
        return [{"WebAppData": value}] * connections
    return [{"WebAppData": signed_init_data(BASE_MAX_ID + n % USERS)} for n in range(connections)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    with postgres_url() as admin_url:
        url = with_database(admin_url, "bench_api")

        async def create() -> None:
            conn = await asyncpg.connect(admin_url)
            try:
                await conn.execute("DROP DATABASE IF EXISTS bench_api WITH (FORCE)")
                await conn.execute("CREATE DATABASE bench_api")
            finally:
                await conn.close()

        asyncio.run(create())
        group_id = asyncio.run(seed(url))
        routes = {
            "GET /users/me": "/users/me",
            "GET /events/groups/{id}": f"/events/groups/{group_id}",
        }
        results: dict[tuple[str, str, str], list[LoadResult]] = {}
        with server("ours", url) as ours, server("baseline", url) as baseline:
            for _ in range(args.rounds):
                for route, path in routes.items():
                    for mix in ("same-user", "16-users"):
                        for name, base in (("ours", ours), ("baseline", baseline)):
                            result = run_load(
                                base,
                                path,
                                headers(mix, args.connections),
                                seconds=args.seconds,
                                warmup_s=WARMUP_S,
                            )
                            assert result.errors == 0, (name, route, result.errors)
                            results.setdefault((route, mix, name), []).append(result)
    print(
        f"{args.connections} connections, {args.rounds} rounds x {args.seconds:.0f} s, "
        f"{EVENTS} events in the group; medians over rounds"
    )
    print(f"{'route':26} {'mix':10} {'server':9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for route in routes:
        for mix in ("same-user", "16-users"):
            rps = {}
            for name in ("ours", "baseline"):
                runs = results[(route, mix, name)]
                rps[name] = statistics.median(r.rps for r in runs)
                p50 = statistics.median(r.percentile_ms(0.50) for r in runs)
                p99 = statistics.median(r.percentile_ms(0.99) for r in runs)
                print(f"{route:26} {mix:10} {name:9} {rps[name]:8.0f} {p50:8.2f} {p99:8.2f}")
            print(f"{'':26} {mix:10} ratio ours/baseline: {rps['ours'] / rps['baseline']:.2f}")


if __name__ == "__main__":
    main()
