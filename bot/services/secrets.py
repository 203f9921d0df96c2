"""LinkedIn sessions encrypted at rest with Fernet.

The key is `SESSION_KEY` from the settings when set (what a PaaS should use: its disk is
ephemeral), otherwise `session.key` in the data dir, generated on first use with 0600
permissions. Nothing here logs, and no exception carries a key, a cookie or a ciphertext.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from automation.private_files import PRIVATE_FILE, private_folder, tighten
from bot.data_folder import KEY_FILE_NAME as KEY_FILE_NAME  # the data folder's layout, re-exported
from bot.db.models import Account
from bot.settings import Settings

StorageState = dict[str, Any]


class SessionKeyError(Exception):
    """The session key is unusable, or a stored session was encrypted with another key."""


def load_or_create_key_file(data_dir: Path) -> bytes:
    """Return the key in `data_dir/session.key`, creating it atomically (0600) if it is missing.

    Two processes starting at once must end up with the same key, so the new key is written to
    a private temporary file and hard-linked into place; linking fails if the other process won,
    and then its key is read instead.
    """
    path = data_dir / KEY_FILE_NAME
    if path.exists():
        tighten(path, PRIVATE_FILE)
        return _read_key(path)
    private_folder(data_dir)
    temporary = data_dir / f".{KEY_FILE_NAME}.{secrets.token_hex(8)}"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(Fernet.generate_key())
            handle.flush()
            os.fsync(handle.fileno())
        # FileExistsError: another process created it first, and its key is the one to use.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    key = path.read_bytes().strip()
    _check_key(key, f"{path}")
    return key


def _check_key(key: bytes, source: str) -> None:
    try:
        Fernet(key)
    except (ValueError, TypeError):
        # The message names where the key came from, never the key itself.
        raise SessionKeyError(f"{source} is not a valid Fernet key (32 url-safe base64 bytes)") from None


class SessionVault:
    """Encrypts and decrypts Playwright storage_state for accounts; nothing more.

    What a stored session means for the account (valid, expired, a pause it ends) is
    `bot.services.session_health`'s.
    """

    def __init__(self, key: bytes) -> None:
        _check_key(key, "the session key")
        self._fernet = Fernet(key)

    def __repr__(self) -> str:
        return "SessionVault(<key hidden>)"

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionVault:
        """Build the vault for `SESSION_KEY`, else for the key file in the data dir."""
        if settings.session_key is not None:
            key = settings.session_key.get_secret_value().strip().encode()
            _check_key(key, "SESSION_KEY")
            return cls(key)
        return cls(load_or_create_key_file(settings.data_dir))

    def encrypt(self, storage_state: StorageState) -> bytes:
        """Encrypt `storage_state` into a Fernet token."""
        return self._fernet.encrypt(json.dumps(storage_state, separators=(",", ":")).encode())

    def decrypt(self, token: bytes) -> StorageState:
        """Decrypt the storage_state in `token`.

        Raises:
            SessionKeyError: the token was made with another key or is damaged.
        """
        try:
            data = json.loads(self._fernet.decrypt(token))
        except (InvalidToken, ValueError):
            raise SessionKeyError("the stored session cannot be decrypted with this session key") from None
        if not isinstance(data, dict):
            raise SessionKeyError("the stored session is not a storage_state")
        return data

    def load_session(self, account: Account) -> StorageState | None:
        """Return the account's storage_state, or None if it has never signed in."""
        if account.session_state is None:
            return None
        return self.decrypt(account.session_state)
