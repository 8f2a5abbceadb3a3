"""Drive a real `maxhack run` process from a test: start, wait for /health, signal, wait."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support.services import spare_port

DEFAULT_WAIT_S = 60.0


@dataclass
class MaxhackProcess:
    """A `python -m maxhack run` child process with its own port and log file."""

    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=spare_port)
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *args: str) -> MaxhackProcess:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("MAXHACK_", "DATABASE_", "REDIS_"))
        }
        env.update({"API_HOST": "127.0.0.1", "API_PORT": str(self.port), "LOG_LEVEL": "INFO"})
        env.update(self.env)
        self.started_at = time.monotonic()
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "maxhack", "run", *args],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def health(self) -> tuple[int, dict[str, Any]] | None:
        try:
            response = httpx.get(f"{self.base_url}/health", timeout=2.0)
        except httpx.TransportError:
            return None
        return response.status_code, response.json()

    def wait_for_status(self, status: int, timeout_s: float = DEFAULT_WAIT_S) -> dict[str, Any]:
        """Poll /health until it answers `status`; return that body (fail with the log)."""
        deadline = time.monotonic() + timeout_s
        last: tuple[int, dict[str, Any]] | None = None
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"maxhack exited with {self.proc.returncode}:\n{self.log()}")
            last = self.health()
            if last is not None and last[0] == status:
                return last[1]
            time.sleep(0.1)
        raise AssertionError(f"/health never answered {status} (last: {last}):\n{self.log()}")

    def send(self, signum: int = signal.SIGTERM) -> None:
        assert self.proc is not None
        self.proc.send_signal(signum)

    def stop(self, signum: int = signal.SIGTERM, timeout_s: float = 30.0) -> tuple[int, float]:
        """Signal the process; return (exit code, seconds it took to exit)."""
        assert self.proc is not None
        began = time.monotonic()
        self.proc.send_signal(signum)
        code = self.proc.wait(timeout=timeout_s)
        return code, time.monotonic() - began

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]
