"""Where benchmarks find PostgreSQL: BENCH_DATABASE_URL, else a throwaway server of their own."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support import services


@contextmanager
def postgres_url() -> Iterator[str]:
    given = os.environ.get("BENCH_DATABASE_URL")
    if given:
        yield given
        return
    state = Path(tempfile.mkdtemp(prefix="maxhack-bench-"))
    state.chmod(0o755)
    try:
        yield services.start_all(state)["MAXHACK_TEST_DATABASE_URL"]
    finally:
        services.stop_all(state)
        shutil.rmtree(state, ignore_errors=True)
