"""The MAX emulator as a separate process, driven over its HTTP control API.

Tests that run `maxhack run` as a subprocess use this (their own thread is busy with
blocking waits, so an in-process trio emulator would not be served).
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support.services import spare_port

EMULATOR_TOKEN = "e2e-token-0123456789"


@dataclass
class EmulatorProcess:
    log_path: Path
    token: str = EMULATOR_TOKEN
    port: int = field(default_factory=spare_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> EmulatorProcess:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "maxhack",
                    "emulator",
                    "--port",
                    str(self.port),
                    "--token",
                    self.token,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/_emulator/state", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.05)
        raise AssertionError(f"emulator did not start:\n{self.log_path.read_text()}")

    def control(self, method: str, path: str, json: Any = None) -> Any:
        response = httpx.request(method, f"{self.url}/_emulator{path}", json=json, timeout=10)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = self.control("GET", "/state")
        return state

    def start_bot(self, user_id: int, payload: str | None = None) -> None:
        self.control("POST", f"/users/{user_id}/start", {"payload": payload} if payload else {})

    def send_text(self, user_id: int, text: str) -> None:
        self.control("POST", f"/users/{user_id}/text", {"text": text})

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
