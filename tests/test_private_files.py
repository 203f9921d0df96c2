"""The data folder is 0700; the database (and its -wal/-shm/-journal), the key and traces are 0600.

Created so, whatever the umask, and tightened at start when found looser; never loosened.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import text

from bot.db.session import create_engine
from bot.services.secrets import KEY_FILE_NAME

OPEN_UMASK = 0o022  # the usual default: new files 0644, new folders 0755


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SESSION_KEY")}
    env["DATA_DIR"] = str(data_dir)
    script = Path(sys.executable).with_name("invitesweep")
    return subprocess.run(
        [str(script), *args],
        cwd=data_dir.parent,
        env=env,
        umask=OPEN_UMASK,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_new_data_folder_and_database_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = cli(data, "db", "upgrade")
    assert done.returncode == 0, done.stderr
    assert mode(data) == 0o700
    assert mode(data / "invitesweep.sqlite3") == 0o600


async def test_sqlite_makes_its_companion_files_as_private_as_the_database(tmp_path: Path) -> None:
    database = tmp_path / "new" / "store.sqlite3"
    old = os.umask(OPEN_UMASK)
    try:
        engine = create_engine(f"sqlite+aiosqlite:///{database}")
        async with engine.begin() as connection:  # WAL mode: -wal and -shm exist while it is open
            await connection.execute(text("CREATE TABLE t (x INTEGER)"))
            companions = {p.name: mode(p) for p in database.parent.iterdir() if p != database}
        await engine.dispose()
    finally:
        os.umask(old)
    assert companions == {"store.sqlite3-wal": 0o600, "store.sqlite3-shm": 0o600}
    assert mode(database) == 0o600 and mode(database.parent) == 0o700


def test_loose_files_are_tightened_at_start_and_strict_ones_left_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    traces = data / "traces"
    traces.mkdir(parents=True)
    (data / "invitesweep.sqlite3").touch()
    (data / "invitesweep.sqlite3-journal").touch()  # an empty journal is no hot journal
    (data / KEY_FILE_NAME).write_bytes(Fernet.generate_key())
    (traces / "old.zip").touch()
    (traces / "read-only.zip").touch()
    for path in (data, traces):
        path.chmod(0o755)
    for path in (data / "invitesweep.sqlite3", data / "invitesweep.sqlite3-journal", data / KEY_FILE_NAME):
        path.chmod(0o644)
    (traces / "old.zip").chmod(0o666)
    (traces / "read-only.zip").chmod(0o400)

    done = cli(data, "db", "upgrade")

    assert done.returncode == 0, done.stderr
    assert {p.name: mode(p) for p in (data, traces)} == {"data": 0o700, "traces": 0o700}
    assert mode(data / "invitesweep.sqlite3") == 0o600
    assert mode(data / KEY_FILE_NAME) == 0o600
    assert mode(traces / "old.zip") == 0o600
    assert mode(traces / "read-only.zip") == 0o400  # only ever tightened
    journal = data / "invitesweep.sqlite3-journal"
    assert not journal.exists() or mode(journal) == 0o600
