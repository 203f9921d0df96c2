"""The async engine and session factory, made once by the caller and closed by it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from automation.private_files import PRIVATE_FILE, private_file, private_folder, tighten

SessionFactory = async_sessionmaker[AsyncSession]


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # WAL lets the scheduler read while the worker writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")  # files SQLite keeps beside the database


def _private_sqlite_files(database: Path) -> None:
    """Create the database file 0600 (its folder 0700 if missing), tighten it and its companions.

    SQLite creates the -wal, -shm and -journal files with the database file's own mode, so a
    private database keeps them private too.
    """
    if not database.parent.exists():
        private_folder(database.parent)
    private_file(database)
    for suffix in SQLITE_COMPANIONS:
        tighten(database.with_name(database.name + suffix), PRIVATE_FILE)


def create_engine(url: str) -> AsyncEngine:
    """An async engine for `url`; for SQLite, makes its files private and sets the pragmas we rely on."""
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            _private_sqlite_files(Path(database))
        engine = create_async_engine(url)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_pre_ping=True)


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)
