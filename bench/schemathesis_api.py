"""Fuzz the API with schemathesis (v4) against its own /openapi.json, authenticated.

Starts a throwaway PostgreSQL (or uses BENCH_DATABASE_URL), a fresh migrated database seeded
with a group, members, a tag, an invite and events, and the real API in process; then runs

    schemathesis run http://127.0.0.1:<port>/openapi.json -H "WebAppData: <signed>" \
        --checks not_a_server_error,response_schema_conformance,content_type_conformance ...

as the group's owner and prints its output; the exit code is schemathesis'. Usage:

    python -m bench.schemathesis_api [--max-examples 50] [--workers 2] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
from datetime import datetime

import asyncpg

from bench._services import postgres_url
from bench.api import with_database
from maxhack.db.migrate import apply_migrations
from maxhack.domain import events, groups, invites, tags
from maxhack.domain.db import in_transaction
from maxhack.domain.schedule import RepeatKind
from maxhack.domain.users import MaxProfile, ensure_user
from maxhack.web.testing import ThreadedApi, signed_init_data

FUZZ_MAX_ID = 900_001
NO_REDIS = "redis://127.0.0.1:1/0"  # never connected: the API does not use Redis
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"


async def prepare(admin_url: str, url: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute("DROP DATABASE IF EXISTS fuzz_api WITH (FORCE)")
        await conn.execute("CREATE DATABASE fuzz_api")
    finally:
        await conn.close()
    conn = await asyncpg.connect(url)
    try:
        await apply_migrations(conn)
    finally:
        await conn.close()
    pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
    try:
        owner = await in_transaction(pool, ensure_user, MaxProfile(FUZZ_MAX_ID, "Fuzz"))
        member = await in_transaction(pool, ensure_user, MaxProfile(FUZZ_MAX_ID + 1, "Other"))
        access = await in_transaction(
            pool, groups.create_group, owner, groups.GroupDraft("Fuzz team", None)
        )
        gid = access.group.id
        invite = await in_transaction(pool, invites.recreate_invite, owner, gid)
        await in_transaction(pool, invites.join_by_invite, member, invite.key)
        tag = await in_transaction(pool, tags.create_tag, owner, gid, tags.TagDraft("t", "red"))
        for n, repeat in enumerate(RepeatKind):
            draft = events.EventDraft(
                group_id=gid,
                title=f"Event {n}",
                schedule=events.ScheduleDraft(datetime(2031, 1, 1 + n, 9), repeat=repeat),
                participant_ids=(owner, member),
                tag_ids=(tag.id,),
            )
            await in_transaction(pool, events.create_event, owner, draft)
    finally:
        await pool.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--checks", default=CHECKS)
    args = parser.parse_args()
    with postgres_url() as admin_url:
        url = with_database(admin_url, "fuzz_api")
        asyncio.run(prepare(admin_url, url))
        with ThreadedApi(url, NO_REDIS) as api:
            command = [
                "schemathesis",
                "run",
                f"{api.base_url}/openapi.json",
                "--header",
                f"WebAppData: {signed_init_data(FUZZ_MAX_ID, first_name='Fuzz')}",
                "--checks",
                args.checks,
                "--max-examples",
                str(args.max_examples),
                "--workers",
                str(args.workers),
                "--seed",
                str(args.seed),
                "--generation-database",
                "none",
                "--no-color",
            ]
            return subprocess.run(command, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
