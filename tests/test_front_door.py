"""Bad input at the front door: one line on stderr, exit code 2, no traceback, the store untouched.

Every case runs the real `invitesweep` console script in a subprocess, in its own folder with its
own copy of a migrated store holding the account "default", and a clean environment (no `.env`).
The file a case could damage (the store, or the broken file it points at) is hashed before and
after. Each case is a test of its own, so pytest-xdist spreads the cases (each a Python start-up
in a subprocess, most of their cost) over its workers beside the rest of the suite.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.models import Account

INVITESWEEP = str(Path(sys.executable).with_name("invitesweep"))
SECRET = "hunter2-secret"
TOKEN = f"123456:{SECRET}"


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    says: str  # a piece of the one line
    env: dict[str, str] = field(default_factory=dict)
    prepare: Callable[[Path], Path | None] | None = None  # breaks something; returns the file to hash
    code: int = 2


def _store(folder: Path) -> Path:
    return folder / "data" / "invitesweep.sqlite3"


def _garbage(folder: Path) -> Path:
    _store(folder).write_bytes(b"\x00\x01this is not an SQLite database" * 200)
    return _store(folder)


def _truncated(folder: Path) -> Path:
    path = _store(folder)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return path


def _newer(folder: Path) -> Path:
    with sqlite3.connect(_store(folder)) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    connection.close()
    return _store(folder)


def _folder_database(folder: Path) -> None:
    (folder / "a-folder.sqlite3").mkdir()


def _file_in_the_way(folder: Path) -> None:
    (folder / "a-file").write_text("not a folder")


def _state(content: bytes) -> Callable[[Path], None]:
    def write(folder: Path) -> None:
        (folder / "state.json").write_bytes(content)

    return write


def _env_file(content: bytes) -> Callable[[Path], None]:
    def write(folder: Path) -> None:
        (folder / ".env").write_bytes(content)

    return write


HUGE = "9223372036854775808"  # 2^63: one past the largest 64-bit integer
PG_DOWN = f"postgresql://user:{SECRET}@127.0.0.1:1/invitesweep"  # nothing listens on port 1
WITHDRAW = ("withdraw", "--older-than", "90d", "--yes")

CASES = [
    # Settings, the same for every command
    Case("owner ids not numbers", ("status",), "TELEGRAM_OWNER_IDS", {"TELEGRAM_OWNER_IDS": "12,abc"}),
    Case("owner id 10^26", ("status",), "TELEGRAM_OWNER_IDS", {"TELEGRAM_OWNER_IDS": "1" + "0" * 26}),
    Case("owner id negative", ("digest",), "TELEGRAM_OWNER_IDS", {"TELEGRAM_OWNER_IDS": "-5"}),
    Case("owner id in Arabic digits", ("status",), "TELEGRAM_OWNER_IDS", {"TELEGRAM_OWNER_IDS": "٤٣١"}),
    Case("pacing max inf", WITHDRAW, "PACING_MAX_SECONDS", {"PACING_MAX_SECONDS": "inf"}),
    Case("pacing min nan", WITHDRAW, "PACING_MIN_SECONDS", {"PACING_MIN_SECONDS": "nan"}),
    Case(
        "pacing min above max",
        WITHDRAW,
        "PACING_MAX_SECONDS",
        {"PACING_MIN_SECONDS": "9", "PACING_MAX_SECONDS": "2"},
    ),
    Case("pacing over the ceiling", ("sync",), "PACING_MAX_SECONDS", {"PACING_MAX_SECONDS": "100000"}),
    Case("pacing negative", ("sync",), "PACING_MIN_SECONDS", {"PACING_MIN_SECONDS": "-1"}),
    Case("undo window inf", ("status",), "UNDO_WINDOW_SECONDS", {"UNDO_WINDOW_SECONDS": "inf"}),
    Case("time zone on Mars", ("status",), "DEFAULT_TIMEZONE", {"DEFAULT_TIMEZONE": "Mars/Olympus"}),
    Case("headless maybe", ("sync",), "HEADLESS", {"HEADLESS": "maybe"}),
    Case("LinkedIn URL ftp", ("sync",), "LINKEDIN_BASE_URL", {"LINKEDIN_BASE_URL": "ftp://example.com"}),
    Case("Bot API URL junk", ("run",), "TELEGRAM_API_BASE_URL", {"TELEGRAM_API_BASE_URL": "not a url"}),
    Case("session key junk", ("status",), "SESSION_KEY", {"SESSION_KEY": SECRET}),
    Case("database URL garbage", ("status",), "DATABASE_URL", {"DATABASE_URL": f"garbage{SECRET}"}),
    Case(
        "database URL unsupported",
        ("db", "upgrade"),
        "DATABASE_URL",
        {"DATABASE_URL": f"mysql://user:{SECRET}@127.0.0.1/db"},
    ),
    Case("run reads settings too", ("run",), "TELEGRAM_OWNER_IDS", {"TELEGRAM_OWNER_IDS": "abc"}),
    Case(
        "scan reads settings too",
        ("scan", "--sandbox"),
        "DEFAULT_TIMEZONE",
        {"DEFAULT_TIMEZONE": "Mars/Olympus"},
    ),
    Case("doctor reads settings too", ("doctor",), "PACING_MAX_SECONDS", {"PACING_MAX_SECONDS": "inf"}),
    Case(".env not text", ("status",), ".env", prepare=_env_file(b"TELEGRAM_OWNER_IDS=\xff\xfe\n")),
    Case(
        ".env with a bad value",
        ("status",),
        "TELEGRAM_OWNER_IDS",
        prepare=_env_file(b"TELEGRAM_OWNER_IDS=abc\n"),
    ),
    Case("no token for run", ("run",), "@BotFather"),
    # The store
    Case("PostgreSQL unreachable", ("status",), "does not answer", {"DATABASE_URL": PG_DOWN}),
    Case("PostgreSQL unreachable at run", ("run",), "does not answer", {"DATABASE_URL": PG_DOWN}),
    Case("SQLite file is garbage", ("status",), "not an SQLite database", prepare=_garbage),
    Case("SQLite file truncated", ("digest",), "not an SQLite database", prepare=_truncated),
    Case("SQLite file truncated at run", ("run",), "not an SQLite database", prepare=_truncated),
    Case("schema from a newer version", ("status",), "newer InviteSweep", prepare=_newer),
    Case("schema from a newer version at upgrade", ("db", "upgrade"), "newer InviteSweep", prepare=_newer),
    Case(
        "SQLite path is a folder",
        ("status",),
        "cannot be opened",
        {"DATABASE_URL": "sqlite:///a-folder.sqlite3"},
        _folder_database,
    ),
    Case("DATA_DIR cannot be made", ("status",), "DATA_DIR", {"DATA_DIR": "a-file/data"}, _file_in_the_way),
    # Counts and other options
    Case("withdraw --max 2^63", (*WITHDRAW, "--max", HUGE), "--max"),
    Case("withdraw --max 0", (*WITHDRAW, "--max", "0"), "--max"),
    Case("withdraw --older-than ninety", ("withdraw", "--older-than", "ninety"), "is not an age"),
    Case("withdraw without --older-than", ("withdraw", "--yes"), "--older-than"),
    Case("digest --page 10^30", ("digest", "--page", "1" + "0" * 30), "--page"),
    Case("digest --page-size 0", ("digest", "--page-size", "0"), "--page-size"),
    Case("stats --days 100000", ("stats", "--days", "100000"), "--days"),
    Case("demo --pending 5", ("demo", "--pending", "5"), "--pending"),
    Case("demo --withdraw 999", ("demo", "--withdraw", "999"), "--withdraw"),
    Case("scan --pending 10^9", ("scan", "--sandbox", "--pending", "1000000000"), "--pending"),
    Case("sandbox --port 99999", ("sandbox", "--port", "99999"), "--port"),
    Case("sandbox --port -1", ("sandbox", "--port", "-1"), "--port"),
    Case("sandbox --seed -1", ("sandbox", "--seed", "-1"), "--seed"),
    Case("sandbox --host bad", ("sandbox", "--host", "999.1.1.1", "--port", "0"), "cannot listen"),
    Case("sandbox port in use", ("sandbox", "--port", "{busy_port}"), "cannot listen"),
    Case("sandbox --fault malformed", ("sandbox", "--fault", "nonsense"), "--fault"),
    Case("login --email ''", ("login", "--email", ""), "not an email address"),
    Case("login --email with a space", ("login", "--email", "jane doe@example.com"), "not an email"),
    Case("note check too long", ("note", "check", "x" * 400), "400"),
    Case("export --csv to a folder", ("export", "--csv", "."), "--csv"),
    Case("scan --state missing", ("scan", "--state", "missing.json"), "--state"),
    Case(
        "scan --state not UTF-8",
        ("scan", "--state", "state.json"),
        "not a text file",
        prepare=_state(b"\xff\xfe{"),
    ),
    Case(
        "scan --state truncated",
        ("scan", "--state", "state.json"),
        "not complete JSON",
        prepare=_state(b'{"co'),
    ),
    Case(
        "scan --state a list",
        ("scan", "--state", "state.json"),
        "not a browser session",
        prepare=_state(b"[1]"),
    ),
    Case("scan with neither", ("scan",), "--state FILE"),
    Case("unknown command", ("withdrawl",), "No such command"),
    # Accounts by name
    Case("unknown account", ("status", "--account", "typo"), "the accounts are: default"),
    Case("unknown account for sync", ("sync", "--account", "typo"), "no account called"),
    Case("empty account name", ("digest", "--account", ""), "1 to 64 characters"),
    Case("account name of 65", ("keep", "list", "--account", "x" * 65), "1 to 64 characters"),
    Case("account name with ESC", (*WITHDRAW, "--account", "a\x1b[31m"), "control characters"),
    Case("account added twice", ("accounts", "add", "default"), "already an account"),
]


@dataclass(frozen=True)
class Ran:
    case: Case
    code: int
    stdout: str
    stderr: str
    hashed: Path
    before: str
    after: str


def _hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "absent"


def _run(case: Case, folder: Path, template: Path, busy_port: int) -> Ran:
    folder.mkdir()
    (folder / "data").mkdir()
    shutil.copyfile(template, _store(folder))
    hashed = (case.prepare(folder) if case.prepare else None) or _store(folder)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(folder),
        "LANG": "C.UTF-8",
        "DATA_DIR": str(folder / "data"),
        "DATABASE_URL": "",
        "TELEGRAM_BOT_TOKEN": TOKEN if case.args[0] == "run" else "",
        **case.env,
    }
    if case.name == "no token for run":
        env["TELEGRAM_BOT_TOKEN"] = ""
    args = [arg.replace("{busy_port}", str(busy_port)) for arg in case.args]
    before = _hash(hashed)
    done = subprocess.run(
        [INVITESWEEP, *args], cwd=folder, env=env, capture_output=True, text=True, timeout=120
    )
    return Ran(case, done.returncode, done.stdout, done.stderr, hashed, before, _hash(hashed))


@pytest.fixture
async def store_template(db_path: Path, db_engine: AsyncEngine, account: Account) -> Path:
    """The migrated store holding the account "default", folded into its one file for copying."""
    async with db_engine.connect() as connection:
        await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return db_path


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


def _problems(ran: Ran) -> list[str]:
    lines = ran.stderr.splitlines()
    problems = []
    if ran.code != ran.case.code:
        problems.append(f"exit {ran.code}, expected {ran.case.code}")
    if len(lines) != 1:
        problems.append(f"{len(lines)} stderr lines")
    if "Traceback" in ran.stdout + ran.stderr:
        problems.append("a traceback")
    if ran.case.says not in ran.stderr:
        problems.append(f"no {ran.case.says!r} in the line")
    if SECRET in ran.stdout + ran.stderr:
        problems.append("the secret was printed")
    if ran.stdout:
        problems.append("something on stdout")
    if ran.after != ran.before:
        problems.append(f"{ran.hashed.name} changed")
    return problems


def test_every_case_has_a_name_of_its_own() -> None:
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_every_bad_input_ends_in_one_line_and_exit_2_and_changes_nothing(
    case: Case, tmp_path: Path, store_template: Path, busy_port: int
) -> None:
    ran = _run(case, tmp_path / "case", store_template, busy_port)
    problems = _problems(ran)
    assert not problems, (
        f"{ran.case.name}: {', '.join(problems)}\n  stderr: {ran.stderr!r}\n  stdout: {ran.stdout[:300]!r}"
    )
