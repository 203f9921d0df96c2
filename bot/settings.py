"""One typed Settings object, read from the environment (and `.env`) once and passed down.

Every value is checked here, at load, so a command or the bot never starts on a setting that
would fail later: time zones exist, pauses are finite and ordered, owner ids are positive 64-bit
numbers, URLs are http(s) with a host, and `DATABASE_URL` names a database we support. A refused
value raises pydantic's `ValidationError`, whose `loc` names the setting; the validators' own
messages never repeat the value (it may be a secret).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from automation.config import AutomationConfig, Pacing

TELEGRAM_DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
LINKEDIN_DEFAULT_BASE_URL = "https://www.linkedin.com"

PACING_CEILING_SECONDS = 600.0
"""The longest pause between browser actions: ten minutes is already far slower than a person."""
UNDO_WINDOW_CEILING_SECONDS = 3600.0
NOTE_MODEL_TIMEOUT_CEILING_SECONDS = 300.0
WORKER_LEASE_FLOOR_SECONDS = 5.0
WORKER_LEASE_CEILING_SECONDS = 3600.0
"""The longest wait for the owner's language model: longer holds a reminder back for nothing."""
LOGIN_HANDOVER_CEILING_SECONDS = 600.0
"""The longest a chat sign-in waits in the store for a worker: the owner is waiting in the chat."""
MAX_TELEGRAM_ID = 2**63 - 1  # the database stores ids as signed 64-bit integers
WEBHOOK_SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,256}")
"""Telegram's alphabet for a webhook's secret token, at a length nobody guesses."""
DATABASE_DRIVERS = {"sqlite": ("", "aiosqlite"), "postgres": ("",), "postgresql": ("", "asyncpg")}
"""Database backends and the drivers of each that we run on (an empty driver gets the async one)."""


def _url_with_host(value: str | None, schemes: tuple[str, ...]) -> str | None:
    """`value` if it is a URL of one of `schemes` with a host (the message never repeats it)."""
    if value is None:
        return value
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  # raises on a port that is not a number in range
    except ValueError:
        raise ValueError("not a URL") from None
    if parts.scheme not in schemes or not parts.hostname:
        raise ValueError(f"not a {'/'.join(schemes)} URL with a host")
    return value


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("invitesweep", appauthor=False))


class Settings(BaseSettings):
    """Everything configurable, with the product's defaults.

    Names map to environment variables in upper case (`telegram_bot_token` ← `TELEGRAM_BOT_TOKEN`).
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    # Telegram
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = TELEGRAM_DEFAULT_API_BASE_URL
    telegram_owner_ids: Annotated[tuple[int, ...], NoDecode] = ()
    webhook_secret: SecretStr | None = None  # `invitesweep web --webhook-url`: Telegram's secret token

    # LinkedIn and the browser
    linkedin_base_url: str = LINKEDIN_DEFAULT_BASE_URL
    browser_path: Path | None = None
    headless: bool = True
    browser_cdp_url: str | None = None
    browser_ws_endpoint: str | None = Field(default=None, validate_default=True)
    pacing_min_seconds: float = Field(default=4.0, ge=0, le=PACING_CEILING_SECONDS, allow_inf_nan=False)
    pacing_max_seconds: float = Field(default=11.0, ge=0, le=PACING_CEILING_SECONDS, allow_inf_nan=False)

    # Storage
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None
    session_key: SecretStr | None = None

    # Product defaults for new accounts
    default_timezone: str = "UTC"
    undo_window_seconds: float = Field(
        default=10.0, ge=0, le=UNDO_WINDOW_CEILING_SECONDS, allow_inf_nan=False
    )

    # Browser workers: how long an account stays with a worker that stopped renewing its lease
    worker_lease_seconds: float = Field(
        default=60.0, ge=WORKER_LEASE_FLOOR_SECONDS, le=WORKER_LEASE_CEILING_SECONDS, allow_inf_nan=False
    )

    # Split processes: how long a sign-in handed over by `web` waits for a worker to take it
    login_handover_seconds: float = Field(
        default=60.0, ge=1.0, le=LOGIN_HANDOVER_CEILING_SECONDS, allow_inf_nan=False
    )

    # The owner's own language model for drafting notes (optional; see bot/services/note_model.py)
    note_model_url: str | None = None
    note_model_name: str | None = Field(default=None, validate_default=True)
    note_model_timeout: float = Field(
        default=20.0, gt=0, le=NOTE_MODEL_TIMEOUT_CEILING_SECONDS, allow_inf_nan=False
    )
    note_model_api_key: SecretStr | None = None

    @field_validator("telegram_owner_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in value.replace(";", ",").replace(" ", ",").split(",") if p]
            if not all(p.isascii() and p.isdigit() for p in parts):
                raise ValueError("owner ids are whole numbers")
            return tuple(int(p) for p in parts)
        if isinstance(value, int):
            return (value,)
        return value

    @field_validator("telegram_owner_ids")
    @classmethod
    def _positive_ids(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not all(0 < owner <= MAX_TELEGRAM_ID for owner in value):
            raise ValueError("owner ids are positive 64-bit numbers")
        return value

    @field_validator("pacing_max_seconds")
    @classmethod
    def _max_not_below_min(cls, value: float, info: ValidationInfo) -> float:
        low = info.data.get("pacing_min_seconds")
        if low is not None and value < low:
            raise ValueError("the longest pause is shorter than the shortest")
        return value

    @field_validator("note_model_url", "browser_cdp_url", "browser_ws_endpoint", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("note_model_name")
    @classmethod
    def _model_named(cls, value: str | None, info: ValidationInfo) -> str | None:
        value = value.strip() if value else None
        if info.data.get("note_model_url") and not value:
            raise ValueError("a model URL needs the model's name")
        return value

    @field_validator("telegram_api_base_url", "linkedin_base_url", "note_model_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018  # raises on a port that is not a number in range
        except ValueError:
            raise ValueError("not a URL") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("not an http(s) URL with a host")
        return value

    @field_validator("browser_cdp_url")
    @classmethod
    def _cdp_url(cls, value: str | None) -> str | None:
        """Chromium's DevTools address: `http://host:port` (or its `ws://…/devtools/browser/…`)."""
        return _url_with_host(value, ("http", "https", "ws", "wss"))

    @field_validator("browser_ws_endpoint")
    @classmethod
    def _ws_endpoint(cls, value: str | None, info: ValidationInfo) -> str | None:
        value = _url_with_host(value, ("ws", "wss"))
        if value and info.data.get("browser_cdp_url"):
            raise ValueError("set BROWSER_CDP_URL or BROWSER_WS_ENDPOINT, not both")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str | None) -> str | None:
        if not value:
            return value
        try:
            url = make_url(value)
        except (ArgumentError, ValueError):
            raise ValueError("not a database URL") from None
        backend, _, driver = url.drivername.partition("+")
        if driver not in DATABASE_DRIVERS.get(backend, ()):
            raise ValueError("unsupported database")
        if backend == "sqlite" and not url.database:
            raise ValueError("no database file")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        """Telegram takes 1-256 of A-Z, a-z, 0-9, _ and -; fewer than 16 would be guessable."""
        if value is None or not value.get_secret_value():
            return None
        if not WEBHOOK_SECRET_PATTERN.fullmatch(value.get_secret_value()):
            raise ValueError("16 to 256 characters, each a letter, a digit, _ or -")
        return value

    @field_validator("session_key")
    @classmethod
    def _fernet_key(cls, value: SecretStr | None) -> SecretStr | None:
        """An empty `SESSION_KEY` means unset: the key file in the data dir is used."""
        if value is None or not value.get_secret_value().strip():
            return None
        from cryptography.fernet import Fernet  # only when a key is set (~10 ms of start-up)

        try:
            Fernet(value.get_secret_value().strip().encode())
        except (ValueError, TypeError):
            raise ValueError("not a Fernet key") from None
        return value

    @property
    def resolved_database_url(self) -> str:
        """`DATABASE_URL`, else SQLite in the data dir; plain `postgres://` URLs get the async driver."""
        url = self.database_url
        if not url:
            return f"sqlite+aiosqlite:///{self.data_dir / 'invitesweep.sqlite3'}"
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url[len(prefix) :]
        if url.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
        return url

    def automation_config(self, *, base_url: str | None = None) -> AutomationConfig:
        return AutomationConfig(
            base_url=base_url or self.linkedin_base_url,
            browser_path=self.browser_path,
            headless=self.headless,
            pacing=Pacing(self.pacing_min_seconds, self.pacing_max_seconds),
            trace_dir=self.data_dir / "traces",
            cdp_url=self.browser_cdp_url,
            ws_endpoint=self.browser_ws_endpoint,
        )
