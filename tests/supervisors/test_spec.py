"""Child spec, backoff, intensity and supervisor arguments are validated on construction."""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Any

import pytest

from supervisors import (
    BRUTAL,
    Backoff,
    ChildKind,
    ChildSpec,
    Intensity,
    Mailbox,
    Restart,
    Strategy,
    Supervisor,
)
from supervisors.testing import steady_child


async def noop(*, task_status: Any) -> None:
    task_status.started()


def spec(**overrides: Any) -> ChildSpec:
    options: dict[str, Any] = {"id": "worker", "start": noop, **overrides}
    return ChildSpec(**options)


def test_defaults() -> None:
    child = spec()
    assert child.restart is Restart.PERMANENT
    assert child.shutdown == 5.0
    assert child.kind is ChildKind.WORKER
    assert child.stop is None
    assert child.start_timeout == 5.0
    assert child.backoff == Backoff()
    assert child.mailboxes == ()
    assert child.snapshot is None


def test_documented_defaults_of_policies() -> None:
    assert Backoff() == Backoff(
        initial=0.5, maximum=30.0, factor=2.0, jitter="full", reset_after=30.0
    )
    assert Intensity() == Intensity(max_restarts=3, period=5.0)


@pytest.mark.parametrize(
    ("overrides", "error", "field"),
    [
        ({"id": ""}, ValueError, "ChildSpec.id"),
        ({"id": "   "}, ValueError, "ChildSpec.id"),
        ({"id": 7}, TypeError, "ChildSpec.id"),
        ({"start": None}, TypeError, "ChildSpec.start"),
        ({"restart": "permanent"}, TypeError, "ChildSpec.restart"),
        ({"shutdown": -1}, ValueError, "ChildSpec.shutdown"),
        ({"shutdown": math.nan}, ValueError, "ChildSpec.shutdown"),
        ({"shutdown": True}, TypeError, "ChildSpec.shutdown"),
        ({"shutdown": "brutal"}, TypeError, "ChildSpec.shutdown"),
        ({"kind": "worker"}, TypeError, "ChildSpec.kind"),
        ({"stop": "close"}, TypeError, "ChildSpec.stop"),
        ({"start_timeout": 0}, ValueError, "ChildSpec.start_timeout"),
        ({"start_timeout": -2.5}, ValueError, "ChildSpec.start_timeout"),
        ({"start_timeout": None}, TypeError, "ChildSpec.start_timeout"),
        ({"backoff": {"initial": 1}}, TypeError, "ChildSpec.backoff"),
        ({"mailboxes": [Mailbox("inbox", 1)]}, TypeError, "ChildSpec.mailboxes"),
        ({"mailboxes": ("inbox",)}, TypeError, "ChildSpec.mailboxes"),
        ({"snapshot": 3}, TypeError, "ChildSpec.snapshot"),
    ],
)
def test_nonsense_child_specs_are_rejected_naming_the_field(
    overrides: dict[str, Any], error: type[Exception], field: str
) -> None:
    with pytest.raises(error, match=re.escape(field)):
        spec(**overrides)


@pytest.mark.parametrize("shutdown", [0, 0.25, 30, math.inf, BRUTAL])
def test_accepted_shutdowns(shutdown: Any) -> None:
    assert spec(shutdown=shutdown).shutdown == shutdown


def test_brutal_is_a_readable_sentinel() -> None:
    assert repr(BRUTAL) == "BRUTAL"
    assert spec(shutdown=BRUTAL).shutdown is BRUTAL


def test_spec_is_frozen_and_hashable() -> None:
    child = spec()
    with pytest.raises(dataclasses.FrozenInstanceError):
        child.id = "other"  # type: ignore[misc]
    assert hash(child) == hash(spec())


@pytest.mark.parametrize(
    ("overrides", "error", "field"),
    [
        ({"initial": -0.1}, ValueError, "Backoff.initial"),
        ({"initial": math.inf, "maximum": math.inf}, ValueError, "Backoff.initial"),
        ({"initial": True}, TypeError, "Backoff.initial"),
        ({"initial": 5, "maximum": 1}, ValueError, "Backoff.maximum"),
        ({"maximum": math.inf}, ValueError, "Backoff.maximum"),
        ({"factor": 0.5}, ValueError, "Backoff.factor"),
        ({"factor": math.nan}, ValueError, "Backoff.factor"),
        ({"jitter": "equal"}, ValueError, "Backoff.jitter"),
        ({"reset_after": 0}, ValueError, "Backoff.reset_after"),
        ({"reset_after": "30"}, TypeError, "Backoff.reset_after"),
    ],
)
def test_nonsense_backoffs_are_rejected(
    overrides: dict[str, Any], error: type[Exception], field: str
) -> None:
    with pytest.raises(error, match=re.escape(field)):
        Backoff(**overrides)


def test_backoff_edge_values_are_accepted() -> None:
    assert Backoff(initial=0, maximum=0, factor=1, jitter="none").maximum == 0
    assert Backoff(reset_after=math.inf).reset_after == math.inf


@pytest.mark.parametrize(
    ("overrides", "error", "field"),
    [
        ({"max_restarts": -1}, ValueError, "Intensity.max_restarts"),
        ({"max_restarts": 1.5}, TypeError, "Intensity.max_restarts"),
        ({"max_restarts": False}, TypeError, "Intensity.max_restarts"),
        ({"period": 0}, ValueError, "Intensity.period"),
        ({"period": math.inf}, ValueError, "Intensity.period"),
        ({"period": None}, TypeError, "Intensity.period"),
    ],
)
def test_nonsense_intensities_are_rejected(
    overrides: dict[str, Any], error: type[Exception], field: str
) -> None:
    with pytest.raises(error, match=re.escape(field)):
        Intensity(**overrides)


def test_zero_restarts_is_a_valid_intensity() -> None:
    assert Intensity(max_restarts=0).max_restarts == 0


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        (("",), {}, ValueError, "Supervisor.id"),
        (("top", [steady_child("a"), steady_child("a")]), {}, ValueError, "duplicate child ids"),
        (("top", [steady_child("a"), steady_child("b")]), {"max_children": 1}, ValueError, "max"),
        (("top",), {"max_children": 0}, ValueError, "Supervisor.max_children"),
        (("top",), {"max_children": 2.0}, TypeError, "Supervisor.max_children"),
        (("top",), {"strategy": "one_for_one"}, TypeError, "Supervisor.strategy"),
        (("top",), {"intensity": (3, 5)}, TypeError, "Supervisor.intensity"),
        (("top", ["a"]), {}, TypeError, "ChildSpec"),
    ],
)
def test_nonsense_supervisors_are_rejected(
    args: tuple[Any, ...], kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        Supervisor(*args, **kwargs)


def test_supervisor_properties() -> None:
    sup = Supervisor("top", strategy=Strategy.REST_FOR_ONE)
    assert (sup.id, sup.strategy) == ("top", Strategy.REST_FOR_ONE)
    assert repr(sup) == "<Supervisor 'top' rest_for_one idle>"


def test_as_child_builds_a_supervisor_spec() -> None:
    sup = Supervisor("mid")
    child = sup.as_child(restart=Restart.TRANSIENT, shutdown=12.0, start_timeout=3.0)
    assert child.id == "mid"
    assert child.kind is ChildKind.SUPERVISOR
    assert child.restart is Restart.TRANSIENT
    assert (child.shutdown, child.start_timeout) == (12.0, 3.0)
    assert child.start == sup.run
    assert child.stop == sup.stop
    assert child.snapshot == sup.tree
    default = sup.as_child()
    assert (default.shutdown, default.start_timeout) == (30.0, 30.0)
