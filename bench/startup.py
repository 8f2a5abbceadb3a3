"""Start-up, shutdown and idle memory of `maxhack run` on the embedded default.

For each of RUNS rounds: a cold start (empty DATA_DIR: initdb + migrations), then a warm
start (same DATA_DIR), each timed from process spawn to the first /health 200; the SIGTERM →
exit time; the RSS of the maxhack process (and with its embedded servers) after IDLE_S of
idling. Baseline in the same run: a minimal quart-trio app on hypercorn's trio worker,
spawn → first 200. Prints medians.  Usage: python -m bench.startup [--runs 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import httpx
import psutil

from tests.support.process import MaxhackProcess
from tests.support.services import spare_port

IDLE_S = 3.0
BASELINE_APP = textwrap.dedent(
    """
    import sys, trio
    from hypercorn.config import Config
    from hypercorn.trio import serve
    from quart_trio import QuartTrio
    app = QuartTrio("baseline")
    @app.get("/health")
    async def health():
        return {"status": "ok"}
    config = Config()
    config.bind = [f"127.0.0.1:{sys.argv[1]}"]
    trio.run(serve, app, config)
    """
)


def _wait_200(url: str, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.01)
    raise RuntimeError(f"{url} never answered 200")


def _rss_mb(pid: int) -> float:
    """RSS of the maxhack process itself (the embedded servers are separate daemons)."""
    return float(psutil.Process(pid).memory_info().rss) / 2**20


def _embedded_round(data_dir: Path) -> dict[str, float]:
    figures = {}
    for phase in ("cold", "warm"):
        process = MaxhackProcess(env={"DATA_DIR": str(data_dir)}, log_path=data_dir / "log")
        began = time.monotonic()
        process.start()
        try:
            process.wait_for_status(200, timeout_s=120)
            figures[f"{phase}_start_s"] = time.monotonic() - began
            if phase == "warm":
                time.sleep(IDLE_S)
                assert process.proc is not None
                figures["idle_rss_mb"] = _rss_mb(process.proc.pid)
            code, elapsed = process.stop()
            if code != 0:
                raise RuntimeError(f"exit code {code}:\n{process.log()}")
            figures[f"{phase}_shutdown_s"] = elapsed
        finally:
            process.kill()
    return figures


def _baseline_round() -> float:
    port = spare_port()
    began = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", BASELINE_APP, str(port)])
    try:
        _wait_200(f"http://127.0.0.1:{port}/health")
        return time.monotonic() - began
    finally:
        proc.terminate()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rounds = []
    baseline = []
    for _ in range(args.runs):
        data_dir = Path(tempfile.gettempdir()) / f"mh-bench-{uuid.uuid4().hex[:8]}"
        data_dir.mkdir(mode=0o755)
        try:
            rounds.append(_embedded_round(data_dir))
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)
        baseline.append(_baseline_round())
    base = statistics.median(baseline)
    print(f"runs: {args.runs} (medians)")
    for key in rounds[0]:
        value = statistics.median(r[key] for r in rounds)
        unit = "MB" if key.endswith("_mb") else "s"
        print(f"  {key:22s} {value:8.2f} {unit}")
    warm = statistics.median(r["warm_start_s"] for r in rounds)
    print(f"  baseline hello app     {base:8.2f} s   (warm start / baseline: {warm / base:.1f}x)")


if __name__ == "__main__":
    main()
