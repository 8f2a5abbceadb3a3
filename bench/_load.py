"""A minimal HTTP/1.1 keep-alive load generator (asyncio, raw sockets) for local benchmarks.

Each connection sends one request at a time and waits for the whole response (closed loop);
the latency of every request is recorded. The client is far cheaper per request than the
servers it measures, so on a small machine it is not the bottleneck.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_s: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile_ms(self, fraction: float) -> float:
        ordered = sorted(self.latencies_s)
        if not ordered:
            return float("nan")
        index = min(len(ordered) - 1, int(fraction * len(ordered)))
        return ordered[index] * 1000


def _request_bytes(host: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def _connection(
    base_url: str,
    path: str,
    headers: dict[str, str],
    deadline: float,
    warmup_until: float,
    latencies: list[float],
    counters: list[int],
) -> None:
    parts = urlsplit(base_url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    request = _request_bytes(parts.netloc, path, headers)
    try:
        while True:
            began = time.perf_counter()
            if began >= deadline:
                return
            writer.write(request)
            status = await _read_response(reader)
            ended = time.perf_counter()
            if began >= warmup_until:
                latencies.append(ended - began)
                counters[0] += 1
                if status != 200:
                    counters[1] += 1
    finally:
        writer.close()


def run_load(
    base_url: str,
    path: str,
    headers_per_connection: list[dict[str, str]],
    *,
    seconds: float,
    warmup_s: float,
) -> LoadResult:
    """Drive ``len(headers_per_connection)`` connections for ``warmup_s + seconds``."""

    async def main() -> LoadResult:
        latencies: list[float] = []
        counters = [0, 0]
        now = time.perf_counter()
        warmup_until = now + warmup_s
        deadline = warmup_until + seconds
        await asyncio.gather(
            *(
                _connection(base_url, path, headers, deadline, warmup_until, latencies, counters)
                for headers in headers_per_connection
            )
        )
        return LoadResult(counters[0], counters[1], seconds, latencies)

    return asyncio.run(main())
