#!/usr/bin/env python3
"""Throwaway PostgreSQL and Redis servers for the test suite (standard library only).

Used two ways:
- by `scripts/test` (the README's test command): `services.py start STATE_DIR` starts both on
  spare loopback ports and prints `export MAXHACK_TEST_...=...` lines; `services.py stop
  STATE_DIR` stops them.
- by tests that need a server of their own to stop and start (the /health 503 test),
  through the `PostgresCluster` class.
Binaries come from Debian's `postgresql` and `redis-server` packages. PostgreSQL refuses to
run as root, so as root every server command runs as the `postgres` user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT_S = 30


def spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_bin_dir() -> Path:
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    if not candidates:
        raise RuntimeError("PostgreSQL binaries not found: apt-get install postgresql")
    return Path(candidates[-1]).parent


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@dataclass
class PostgresCluster:
    """One initdb'd cluster in `data_dir`, listening on 127.0.0.1:`port`."""

    data_dir: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def init(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.data_dir, "postgres", "postgres")
        self.data_dir.chmod(0o700)
        subprocess.run(
            _as_postgres(
                [
                    str(postgres_bin_dir() / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "--no-sync",
                    "-E",
                    "UTF8",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.data_dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=400 -c shared_buffers=64MB"
        )
        subprocess.run(
            _as_postgres(
                [
                    str(postgres_bin_dir() / "pg_ctl"),
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(self.data_dir / "server.log"),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    str(START_TIMEOUT_S),
                    "start",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            _as_postgres(
                [
                    str(postgres_bin_dir() / "pg_ctl"),
                    "-D",
                    str(self.data_dir),
                    "-m",
                    mode,
                    "-w",
                    "stop",
                ]
            ),
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


@dataclass
class RedisServer:
    data_dir: Path
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--daemonize",
                "yes",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.data_dir),
                "--pidfile",
                str(self.data_dir / "redis.pid"),
                "--logfile",
                str(self.data_dir / "redis.log"),
            ],
            check=True,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"redis did not start on port {self.port}")

    def stop(self) -> None:
        pid_file = self.data_dir / "redis.pid"
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid_file.read_text().strip()), 15)


def start_all(state_dir: Path) -> dict[str, str]:
    state_dir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(state_dir, "postgres", "postgres")
    cluster = PostgresCluster(state_dir / "pg", spare_port())
    cluster.init()
    cluster.start()
    redis = RedisServer(state_dir / "redis", spare_port())
    redis.start()
    (state_dir / "ports").write_text(f"{cluster.port} {redis.port}\n")
    return {"MAXHACK_TEST_DATABASE_URL": cluster.url, "MAXHACK_TEST_REDIS_URL": redis.url}


def stop_all(state_dir: Path) -> None:
    ports = (state_dir / "ports").read_text().split() if (state_dir / "ports").exists() else []
    if len(ports) == 2:
        PostgresCluster(state_dir / "pg", int(ports[0])).stop("immediate")
        RedisServer(state_dir / "redis", int(ports[1])).stop()


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in {"start", "stop"}:
        print("usage: services.py start|stop STATE_DIR", file=sys.stderr)
        return 2
    state_dir = Path(argv[1]).resolve()
    if argv[0] == "start":
        for name, value in start_all(state_dir).items():
            print(f"export {name}={value}")
    else:
        stop_all(state_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
