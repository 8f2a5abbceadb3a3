"""What /health reports: the supervision tree, the store probes and why anything is off.

A pure function of snapshots, so it is tested without a running process. 200 ("ok") only
when every actor in the tree is running and both stores answered their latest probe.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from maxhack.resources.checks import CheckResult
from supervisors import SupervisorSnapshot


@dataclass(frozen=True)
class HealthReport:
    status_code: int
    body: dict[str, Any]


def build_health_report(
    tree: SupervisorSnapshot,
    checks: Mapping[str, CheckResult],
    *,
    components: Mapping[str, Mapping[str, Any]] | None = None,
    extra_problems: Sequence[str] = (),
) -> HealthReport:
    """`components` carries extra per-actor facts (bot enabled or not, writer statistics);
    `extra_problems` are reasons known outside the tree (e.g. MAX rejected the token)."""
    problems = list(extra_problems)
    if not tree.all_running():
        problems.append("not every actor is running")
    problems.extend(f"{name} probe failed" for name, check in checks.items() if not check.ok)
    healthy = not problems
    body: dict[str, Any] = {
        "status": "ok" if healthy else "degraded",
        "problems": problems,
        "checks": {name: check.to_dict() for name, check in checks.items()},
        "tree": tree.to_dict(),
    }
    if components:
        body["components"] = {name: dict(info) for name, info in components.items()}
    return HealthReport(status_code=200 if healthy else 503, body=body)
