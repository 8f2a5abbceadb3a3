"""Configuration: defaults, parsing, and the one-line exit-2 error for bad values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from maxhack.config import DEFAULT_MAX_API_URL, ConfigError, load_settings

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_VARS = (
    "DATABASE_URL",
    "REDIS_URL",
    "MAX_TOKEN",
    "MAX_API_URL",
    "API_HOST",
    "API_PORT",
    "DATA_DIR",
    "LOG_LEVEL",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in CONFIG_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults() -> None:
    settings = load_settings()
    assert settings.DATABASE_URL is None
    assert settings.REDIS_URL is None
    assert settings.MAX_TOKEN is None
    assert not settings.bot_enabled
    assert str(settings.MAX_API_URL).rstrip("/") == DEFAULT_MAX_API_URL
    assert settings.API_HOST == "127.0.0.1"
    assert settings.API_PORT == 7001
    assert Path(".maxhack") == settings.DATA_DIR
    assert settings.LOG_LEVEL == "INFO"


def test_values_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db:5432/app")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/2")
    monkeypatch.setenv("MAX_TOKEN", "secret-token")
    monkeypatch.setenv("API_PORT", "8080")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = load_settings()
    assert settings.DATABASE_URL == "postgresql://u@db:5432/app"
    assert settings.REDIS_URL == "redis://cache:6379/2"
    assert settings.MAX_TOKEN is not None
    assert settings.MAX_TOKEN.get_secret_value() == "secret-token"
    assert settings.bot_enabled
    assert settings.API_PORT == 8080
    assert settings.LOG_LEVEL == "DEBUG"


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("API_PORT=7123\nMAX_TOKEN=from-dotenv\n")
    settings = load_settings()
    assert settings.API_PORT == 7123
    assert settings.bot_enabled


def test_blank_token_means_bot_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_TOKEN", "   ")
    assert not load_settings().bot_enabled


def test_unix_socket_database_url_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@/postgres?host=/run/pg")
    assert load_settings().DATABASE_URL == "postgresql://postgres@/postgres?host=/run/pg"


@pytest.mark.parametrize(
    ("variable", "value", "fragment"),
    [
        ("API_PORT", "99999", "less than or equal to 65535"),
        ("API_PORT", "http", "valid integer"),
        ("LOG_LEVEL", "loud", "'DEBUG'"),
        ("DATABASE_URL", "mysql://x/y", "scheme must be one of postgres://"),
        ("DATABASE_URL", "postgresql://h:port/db", "not a valid URL"),
        ("REDIS_URL", "http://cache", "scheme must be one of redis://"),
        ("MAX_API_URL", "not a url", "URL"),
        ("SHUTDOWN_TIMEOUT_S", "-1", "greater than 0"),
    ],
)
def test_invalid_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, fragment: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("invalid configuration: ")
    assert f"{variable}: " in message
    assert fragment in message


def test_every_invalid_variable_is_named_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_PORT", "0")
    monkeypatch.setenv("LOG_LEVEL", "nope")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.count("API_PORT: ") == 1
    assert message.count("LOG_LEVEL: ") == 1


def _run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    return subprocess.run(
        [sys.executable, "-m", "maxhack", *args],
        env=base | env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("command", ["run", "migrate"])
def test_cli_exits_2_with_one_line_and_no_traceback(tmp_path: Path, command: str) -> None:
    result = _run_cli(
        command, env={"API_PORT": "70000", "PYTHONPATH": str(REPO_ROOT)}, cwd=tmp_path
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("maxhack: invalid configuration: API_PORT: ")
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_secret_token_is_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_TOKEN", "x" * 10)
    monkeypatch.setenv("API_PORT", "bad")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "xxxxxxxxxx" not in str(caught.value)
