"""Sessions are encrypted at rest; the key comes from SESSION_KEY or a 0600 file made once."""

import logging
import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from bot.db.models import Account, SessionStatus
from bot.db.session import SessionFactory
from bot.services.secrets import KEY_FILE_NAME, SessionKeyError, SessionVault, load_or_create_key_file
from bot.services.session_health import adopt_session
from bot.settings import Settings

COOKIE = "AQEDAR-very-secret-li_at-cookie-value"
STATE = {
    "cookies": [{"name": "li_at", "value": COOKIE, "domain": ".linkedin.com", "path": "/"}],
    "origins": [],
}


def test_key_file_is_created_once_with_private_permissions(tmp_path: Path) -> None:
    first = load_or_create_key_file(tmp_path / "data")
    second = load_or_create_key_file(tmp_path / "data")
    path = tmp_path / "data" / KEY_FILE_NAME
    assert first == second
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == [KEY_FILE_NAME]  # no temporary left behind


def test_a_key_file_found_readable_by_others_is_tightened(tmp_path: Path) -> None:
    first = load_or_create_key_file(tmp_path)
    (tmp_path / KEY_FILE_NAME).chmod(0o644)
    assert load_or_create_key_file(tmp_path) == first
    assert stat.S_IMODE((tmp_path / KEY_FILE_NAME).stat().st_mode) == 0o600


def test_racing_processes_agree_on_one_key(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: load_or_create_key_file(tmp_path), range(16)))
    assert len(keys) == 1


def test_session_key_setting_wins_over_the_key_file(tmp_path: Path) -> None:
    key = Fernet.generate_key()
    vault = SessionVault.from_settings(Settings(session_key=SecretStr(key.decode()), data_dir=tmp_path))
    assert not (tmp_path / KEY_FILE_NAME).exists()
    assert SessionVault(key).decrypt(vault.encrypt(STATE)) == STATE


def test_bad_session_key_is_refused_without_echoing_it(tmp_path: Path) -> None:
    secret = "not-a-fernet-key-but-still-secret"
    # Settings refuse such a key at load (tests/test_settings.py); the vault checks it again for
    # settings made without validation.
    unchecked = Settings.model_construct(session_key=SecretStr(secret), data_dir=tmp_path)
    with pytest.raises(SessionKeyError) as caught:
        SessionVault.from_settings(unchecked)
    assert secret not in str(caught.value)
    assert "SESSION_KEY" in str(caught.value)


def test_session_from_another_key_fails_cleanly() -> None:
    token = SessionVault(Fernet.generate_key()).encrypt(STATE)
    with pytest.raises(SessionKeyError) as caught:
        SessionVault(Fernet.generate_key()).decrypt(token)
    assert token.decode() not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


async def test_store_and_load_through_the_database_never_log_the_cookie(
    db: SessionFactory, account: Account, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    vault = SessionVault.from_settings(Settings(data_dir=tmp_path))
    async with db.begin() as session:
        stored = await session.get(Account, account.id)
        assert stored is not None
        assert vault.load_session(stored) is None
        await adopt_session(session, stored, vault, STATE, datetime.now(UTC))
    async with db() as session:
        stored = await session.get(Account, account.id)
        assert stored is not None
        assert stored.session_status is SessionStatus.VALID
        assert stored.session_state is not None
        assert COOKIE.encode() not in stored.session_state  # encrypted at rest
        assert vault.load_session(stored) == STATE
    assert COOKIE not in caplog.text
    assert "key hidden" in repr(vault)
