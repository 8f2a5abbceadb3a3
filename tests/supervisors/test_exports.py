"""The public API is pinned: adding or removing a name must be a deliberate change here."""

from __future__ import annotations

import ast
import pathlib

import supervisors
import supervisors.testing

EXPECTED_ALL = [
    "BRUTAL",
    "Backoff",
    "ChildKind",
    "ChildReturned",
    "ChildSnapshot",
    "ChildSpec",
    "ChildStartError",
    "ChildState",
    "DuplicateChildError",
    "Intensity",
    "LogAction",
    "Mailbox",
    "MailboxStats",
    "NotRunningError",
    "Restart",
    "Strategy",
    "Supervisor",
    "SupervisorError",
    "SupervisorGaveUp",
    "SupervisorSnapshot",
    "SupervisorState",
    "TooManyChildrenError",
    "UnknownChildError",
]

EXPECTED_TESTING_ALL = [
    "CANCELLED",
    "CRASH",
    "EXIT",
    "NO_BACKOFF",
    "START",
    "STARTED",
    "STOP",
    "ChildCrash",
    "RecordedEvent",
    "Recorder",
    "ScriptedChild",
    "crashing_child",
    "exiting_child",
    "failing_start_child",
    "hanging_child",
    "run_virtual",
    "running",
    "steady_child",
    "wait_for",
]

PACKAGE_DIR = pathlib.Path(supervisors.__file__).parent


def test_all_is_pinned() -> None:
    assert supervisors.__all__ == EXPECTED_ALL


def test_testing_all_is_pinned() -> None:
    assert supervisors.testing.__all__ == EXPECTED_TESTING_ALL


def test_every_exported_name_resolves() -> None:
    for module in (supervisors, supervisors.testing):
        for name in module.__all__:
            assert getattr(module, name) is not None, name


def test_public_classes_are_defined_in_private_modules_of_the_package() -> None:
    for name in supervisors.__all__:
        value = getattr(supervisors, name)
        owner = getattr(value, "__module__", None) or type(value).__module__
        assert owner.startswith("supervisors._"), (name, owner)


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from supervisors import *", namespace)
    assert sorted(k for k in namespace if k != "__builtins__") == sorted(EXPECTED_ALL)


def test_package_never_imports_the_application() -> None:
    offenders = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "maxhack"]
    assert offenders == []


def test_package_is_typed() -> None:
    assert (PACKAGE_DIR / "py.typed").is_file()
