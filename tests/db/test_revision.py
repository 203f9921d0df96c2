"""`at_head` says yes only for a database at this version's newest revision, without Alembic."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from bot.db.migrate import head_revision
from bot.db.revision import at_head, head_from_files
from bot.db.session import create_engine


async def at_head_of(path: Path) -> bool:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        return await at_head(engine)
    finally:
        await engine.dispose()


def test_the_files_name_the_same_head_as_alembic() -> None:
    assert head_from_files() == head_revision()


def test_a_fork_or_an_unreadable_migration_has_no_head(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text('revision = "a"\ndown_revision = None\n')
    (tmp_path / "b.py").write_text('revision: str = "b"\ndown_revision: str | None = "a"\n')
    assert head_from_files(tmp_path) == "b"
    (tmp_path / "c.py").write_text('revision = "c"\ndown_revision = "a"\n')
    assert head_from_files(tmp_path) is None  # b and c both build on a
    (tmp_path / "c.py").write_text('revision = "c"\ndown_revision = ("b", "a")\n')
    assert head_from_files(tmp_path) == "c"  # a merge
    (tmp_path / "d.py").write_text("revision = compute()\n")
    assert head_from_files(tmp_path) is None


async def test_a_migrated_database_is_at_head(db_path: Path) -> None:
    assert await at_head_of(db_path)


async def test_an_older_empty_or_missing_database_is_not(db_path: Path, tmp_path: Path) -> None:
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0002'")
    assert not await at_head_of(db_path)
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    assert not await at_head_of(empty)
    assert not await at_head_of(tmp_path / "missing" / "db.sqlite3")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write a read-only file")
async def test_a_read_only_database_is_left_to_the_full_check(db_path: Path) -> None:
    os.chmod(db_path, 0o400)
    assert not await at_head_of(db_path)
