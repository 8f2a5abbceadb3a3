"""Process configuration, read once at start-up from the environment and an optional `.env`.

Every variable is documented in README.md with its default. Invalid values raise
`ConfigError`, whose message names each offending variable on one line; `maxhack` turns it
into exit code 2 without a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, HttpUrl, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MAX_API_URL = "https://platform-api2.max.ru"
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class ConfigError(Exception):
    """The environment holds invalid settings; `str()` is one line naming every bad variable."""


class Settings(BaseSettings):
    """All settings of one maxhack process. Field names are the environment variable names."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        case_sensitive=True,
        extra="ignore",
        frozen=True,
    )

    # Stores. Unset means "start an embedded one in DATA_DIR".
    DATABASE_URL: str | None = None
    REDIS_URL: str | None = None
    DATA_DIR: Path = Path(".maxhack")

    # MAX Bot API. Unset MAX_TOKEN means the bot actors are not started.
    MAX_TOKEN: SecretStr | None = None
    MAX_API_URL: HttpUrl = HttpUrl(DEFAULT_MAX_API_URL)
    # The bot's @username for deep links; read from GET /me when unset and the bot runs.
    MAX_BOT_USERNAME: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,64}$")

    # HTTP API.
    API_HOST: str = Field(default="127.0.0.1", min_length=1)
    API_PORT: int = Field(default=7001, ge=1, le=65535)

    LOG_LEVEL: LogLevel = "INFO"

    # Operations. Durations are in seconds.
    SHUTDOWN_TIMEOUT_S: float = Field(default=15.0, gt=0, le=300)
    HEALTH_PROBE_INTERVAL_S: float = Field(default=1.0, gt=0, le=60)
    HEALTH_PROBE_TIMEOUT_S: float = Field(default=2.0, gt=0, le=60)
    DB_POOL_MAX_SIZE: int = Field(default=10, ge=2, le=200)
    DB_WRITER_BATCH_MAX: int = Field(default=2000, ge=1, le=100_000)
    DB_WRITER_INBOX_SIZE: int = Field(default=20_000, ge=1, le=1_000_000)

    @field_validator("LOG_LEVEL", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("DATABASE_URL")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        return _check_url(value, {"postgres", "postgresql"}, "postgresql://user@host:5432/db")

    @field_validator("REDIS_URL")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        return _check_url(value, {"redis", "rediss", "unix"}, "redis://host:6379/0")

    @field_validator("MAX_TOKEN")
    @classmethod
    def _token_not_blank(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            return None
        return value

    @property
    def bot_enabled(self) -> bool:
        return self.MAX_TOKEN is not None


def _check_url(value: str | None, schemes: set[str], example: str) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise ValueError(f"not a valid URL ({exc}); expected e.g. {example}") from None
    if parts.scheme not in schemes:
        allowed = ", ".join(sorted(f"{s}://" for s in schemes))
        raise ValueError(f"scheme must be one of {allowed}; expected e.g. {example}")
    return value.strip()


def load_settings(**overrides: object) -> Settings:
    """Read the settings; raise `ConfigError` with one line naming each invalid variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors(include_url=False):
        variable = ".".join(str(part) for part in error["loc"]) or "settings"
        value = error.get("input")
        shown = "" if isinstance(value, dict) else f" (got {str(value)[:60]!r})"
        if variable == "MAX_TOKEN":
            shown = ""  # never echo a secret
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"{variable}: {message}{shown}")
    return "invalid configuration: " + "; ".join(problems)
