"""Settings are checked at load: every refused value names its variable and never echoes the value."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from bot.settings import Settings


def load(**env: str) -> Settings:
    return Settings(_env_file=None, **env)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("telegram_owner_ids", "abc"),
        ("telegram_owner_ids", "12,abc"),
        ("telegram_owner_ids", "٤٣١"),  # Arabic-Indic digits: int() would take them
        ("telegram_owner_ids", "0"),
        ("telegram_owner_ids", "-5"),
        ("telegram_owner_ids", "100000000000000000000000000"),  # 10^26
        ("telegram_owner_ids", "9223372036854775808"),  # 2^63
        ("pacing_min_seconds", "-1"),
        ("pacing_min_seconds", "nan"),
        ("pacing_max_seconds", "inf"),
        ("pacing_max_seconds", "601"),
        ("undo_window_seconds", "-1"),
        ("undo_window_seconds", "inf"),
        ("worker_lease_seconds", "1"),
        ("worker_lease_seconds", "nan"),
        ("worker_lease_seconds", "3601"),
        ("default_timezone", "Mars/Olympus"),
        ("default_timezone", "../../etc/passwd"),
        ("database_url", "garbage"),
        ("database_url", "mysql://user:hunter2@host/db"),
        ("database_url", "postgresql+psycopg2://user:hunter2@host/db"),
        ("database_url", "sqlite://"),
        ("linkedin_base_url", "ftp://www.linkedin.com"),
        ("linkedin_base_url", "www.linkedin.com"),
        ("linkedin_base_url", "http://host:99999"),
        ("telegram_api_base_url", "not a url"),
        ("session_key", "not-a-fernet-key-hunter2"),
        ("headless", "maybe"),
        ("browser_cdp_url", "127.0.0.1:9222"),
        ("browser_cdp_url", "ftp://127.0.0.1:9222/hunter2"),
        ("browser_ws_endpoint", "http://127.0.0.1:3000/hunter2"),
        ("browser_ws_endpoint", "ws://:3000"),
    ],
)
def test_a_bad_value_is_refused_naming_only_its_variable(variable: str, value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        load(**{variable: value})
    errors = caught.value.errors(include_input=False)
    assert [error["loc"] for error in errors] == [(variable,)]
    assert all("hunter2" not in error["msg"] for error in errors)


def test_the_longest_pause_cannot_be_shorter_than_the_shortest() -> None:
    with pytest.raises(ValidationError) as caught:
        load(pacing_min_seconds="5", pacing_max_seconds="1")
    assert [error["loc"] for error in caught.value.errors()] == [("pacing_max_seconds",)]


def test_a_remote_browser_is_one_endpoint_or_the_other() -> None:
    with pytest.raises(ValidationError) as caught:
        load(browser_cdp_url="http://127.0.0.1:9222", browser_ws_endpoint="ws://127.0.0.1:3000/")
    assert [error["loc"] for error in caught.value.errors()] == [("browser_ws_endpoint",)]
    config = load(browser_cdp_url="http://127.0.0.1:9222", browser_ws_endpoint=" ").automation_config()
    assert (config.cdp_url, config.ws_endpoint, config.remote_browser) == (
        "http://127.0.0.1:9222",
        None,
        "http://127.0.0.1:9222",
    )
    assert load().automation_config().remote_browser is None


def test_good_values_load_as_given(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    settings = load(
        telegram_owner_ids="123456789, 9223372036854775807",
        pacing_min_seconds="0",
        pacing_max_seconds="0",
        default_timezone="Europe/Amsterdam",
        database_url="postgres://user:pass@127.0.0.1:5432/db",
        linkedin_base_url="http://127.0.0.1:8765",
        session_key=f" {key} ",
        data_dir=str(tmp_path),
    )
    assert settings.telegram_owner_ids == (123456789, 2**63 - 1)
    assert (settings.pacing_min_seconds, settings.pacing_max_seconds) == (0.0, 0.0)
    assert settings.resolved_database_url == "postgresql+asyncpg://user:pass@127.0.0.1:5432/db"
    assert settings.session_key is not None


def test_an_empty_session_key_means_unset() -> None:
    assert load(session_key="").session_key is None
