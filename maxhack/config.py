"""Process configuration, read once at start-up from the environment and an optional `.env`.

Every variable is documented in README.md with its default. Invalid values raise
`ConfigError`, whose message names each offending variable on one line; `maxhack` turns it
into exit code 2 without a traceback.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import (
    Field,
    FilePath,
    HttpUrl,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
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
    MAX_CA_FILE: FilePath | None = (
        None  # extra CA bundle (e.g. the Минцифры root) on top of the defaults
    )
    MAX_RATE_LIMIT: float = Field(default=25.0, gt=0, le=30)  # requests/s for the whole bot
    MAX_CHAT_RATE_LIMIT: float = Field(default=2.0, gt=0, le=30)  # requests/s to one chat
    MAX_POLL_TIMEOUT_S: int = Field(default=30, ge=0, le=90)
    # Webhook mode (instead of long polling): MAX POSTs updates to MAX_WEBHOOK_URL, which
    # must route to this process at MAX_WEBHOOK_PATH; the secret is checked on every call.
    MAX_WEBHOOK_URL: HttpUrl | None = None
    MAX_WEBHOOK_SECRET: SecretStr | None = None
    MAX_WEBHOOK_PATH: str = Field(default="/max/webhook", pattern=r"^/[A-Za-z0-9/_-]{1,100}$")
    # Reminders. A reminder later than the grace (after downtime) is recorded as missed.
    REMINDER_GRACE_S: float = Field(default=600.0, ge=0, le=86_400)
    # Reminders with an offset > 0 may go out this much early so that a burst lands on time.
    REMINDER_SPREAD_S: float = Field(default=120.0, ge=0, le=3600)
    REMINDER_HORIZON_S: float = Field(default=600.0, ge=10, le=86_400)
    REMINDER_REFILL_S: float = Field(default=60.0, ge=1, le=3600)
    REMINDER_LEAD_S: float = Field(default=2.0, ge=0, le=60)
    # Stable name of this replica: it takes back its own unfinished deliveries after a
    # restart. Unset: hostname:API_PORT.
    REPLICA_ID: str | None = Field(default=None, min_length=1, max_length=200)
    # The bot's @username for deep links; read from GET /me when unset and the bot runs.
    MAX_BOT_USERNAME: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,64}$")

    # HTTP API.
    API_HOST: str = Field(default="127.0.0.1", min_length=1)
    API_PORT: int = Field(default=7001, ge=1, le=65535)
    # Maximum age of WebApp init data (`auth_date`), in seconds.
    WEBAPP_AUTH_MAX_AGE: float = Field(default=86_400.0, gt=0, le=30 * 86_400)
    # Origins allowed to call the API from a browser: "*" (any), "" (no CORS headers), or a
    # comma-separated list such as "https://app.example.com,http://localhost:7002".
    CORS_ORIGINS: str = "*"

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

    @field_validator("MAX_WEBHOOK_SECRET")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{5,256}", value.get_secret_value()
        ):
            raise ValueError("must be 5-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.MAX_WEBHOOK_URL is not None and self.MAX_WEBHOOK_SECRET is None:
            raise ValueError("MAX_WEBHOOK_URL is set but MAX_WEBHOOK_SECRET is not")
        return self

    @property
    def replica_id(self) -> str:
        return self.REPLICA_ID or f"{socket.gethostname()}:{self.API_PORT}"

    @property
    def webhook_mode(self) -> bool:
        return self.MAX_WEBHOOK_URL is not None

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
        if variable in {"MAX_TOKEN", "MAX_WEBHOOK_SECRET"}:
            shown = ""  # never echo a secret
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"{variable}: {message}{shown}")
    return "invalid configuration: " + "; ".join(problems)
