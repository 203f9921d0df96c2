"""`check_database` names what is wrong with a database before anything is written to it."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.db.migrate import DatabaseUnusable, check_database, head_revision
from bot.db.session import create_engine


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def problem_of(url: str) -> DatabaseUnusable:
    engine = create_engine(url)
    try:
        with pytest.raises(DatabaseUnusable) as caught:
            await check_database(engine)
    finally:
        await engine.dispose()
    return caught.value


async def test_a_migrated_database_reports_its_revision_and_stays_as_it_was(
    db_path: Path,
) -> None:
    before = digest(db_path)
    engine = create_engine(sqlite_url(db_path))
    try:
        assert await check_database(engine) == head_revision()
    finally:
        await engine.dispose()
    assert digest(db_path) == before


async def test_an_empty_database_has_no_revision_yet(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path / "new.sqlite3"))
    try:
        assert await check_database(engine) is None
    finally:
        await engine.dispose()


@pytest.fixture
def newer(tmp_path: Path, db_path: Path) -> Path:
    """A copy of the migrated database stamped with a revision this version does not know."""
    path = tmp_path / "newer.sqlite3"
    shutil.copyfile(db_path, path)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    connection.close()  # folds the write into the file itself, so the hash covers it
    return path


@pytest.fixture
def not_databases(tmp_path: Path, db_path: Path) -> dict[str, Path]:
    """Garbage, the first half of a real database, and a folder, each where a database should be."""
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"\x00\x01not sqlite at all" * 500)
    truncated = tmp_path / "truncated.sqlite3"
    truncated.write_bytes(db_path.read_bytes()[: db_path.stat().st_size // 2])
    folder = tmp_path / "folder.sqlite3"
    folder.mkdir()
    return {"not_a_database": garbage, "truncated": truncated, "cannot_open": folder}


async def test_a_database_from_a_newer_version_is_named_not_migrated(newer: Path) -> None:
    before = digest(newer)
    error = await problem_of(sqlite_url(newer))
    assert (error.problem, error.revision) == ("newer_schema", "0099_from_the_future")
    assert digest(newer) == before


async def test_files_that_are_not_databases(not_databases: dict[str, Path]) -> None:
    expected = {
        "not_a_database": "not_a_database",
        "truncated": "not_a_database",
        "cannot_open": "cannot_open",
    }
    for name, path in not_databases.items():
        before = digest(path) if name != "cannot_open" else None
        assert (await problem_of(sqlite_url(path))).problem == expected[name], name
        if before is not None:
            assert digest(path) == before


async def test_a_server_that_does_not_answer() -> None:
    error = await problem_of("postgresql+asyncpg://user:secret@127.0.0.1:1/db")
    assert error.problem == "unreachable"


@pytest.mark.postgres
async def test_a_postgresql_server_that_refuses_the_user_or_has_no_such_database() -> None:
    url = os.environ.get("DATABASE_URL_TEST")
    if not url:
        pytest.skip("DATABASE_URL_TEST is not set")
    real = make_url(url)
    wrong_password = real.set(password="certainly-not-the-password")
    assert (await problem_of(wrong_password.render_as_string(hide_password=False))).problem == "refused"
    no_database = real.set(database="invitesweep_no_such_database")
    assert (await problem_of(no_database.render_as_string(hide_password=False))).problem == "no_database"
