"""One typed Settings object, read from the environment (and `.env`) once and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import platformdirs
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from automation.config import AutomationConfig, Pacing

TELEGRAM_DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
LINKEDIN_DEFAULT_BASE_URL = "https://www.linkedin.com"


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

    # LinkedIn and the browser
    linkedin_base_url: str = LINKEDIN_DEFAULT_BASE_URL
    browser_path: Path | None = None
    headless: bool = True
    pacing_min_seconds: float = Field(default=4.0, ge=0)
    pacing_max_seconds: float = Field(default=11.0, ge=0)

    # Storage
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None
    session_key: SecretStr | None = None

    # Product defaults for new accounts
    default_timezone: str = "UTC"
    undo_window_seconds: float = Field(default=10.0, ge=0)

    @field_validator("telegram_owner_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in value.replace(";", ",").replace(" ", ",").split(",") if p]
            return tuple(int(p) for p in parts)
        if isinstance(value, int):
            return (value,)
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
            pacing=Pacing(self.pacing_min_seconds, max(self.pacing_min_seconds, self.pacing_max_seconds)),
            trace_dir=self.data_dir / "traces",
        )
