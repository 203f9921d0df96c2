"""The async engine and session factory, made once by the caller and closed by it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import event, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from automation.private_files import PRIVATE_FILE, private_file, private_folder, tighten
from bot.db.base import use_postgresql

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


IDLE_TRANSACTION_TIMEOUT = timedelta(seconds=30)
"""How long PostgreSQL lets one of our connections sit idle inside a transaction before ending it.

Our transactions are short and never wait on a browser or on Telegram, so only a process that
froze mid-transaction (stopped, its machine suspended, its network gone quiet) stays idle that
long; its row locks would otherwise keep every other worker from taking its account over for as
long as the server keeps the connection, which for a stopped process is forever. Ending the
session releases the locks; the frozen process, if it wakes, finds its transaction gone and
records nothing (the lease fence would refuse it anyway)."""


def create_engine(url: str, *, idle_transaction_timeout: timedelta = IDLE_TRANSACTION_TIMEOUT) -> AsyncEngine:
    """An async engine for `url`; for SQLite, makes its files private and sets the pragmas we rely on.

    On PostgreSQL through asyncpg, its sessions end a transaction left idle longer than
    `idle_transaction_timeout` (see `IDLE_TRANSACTION_TIMEOUT`).
    """
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            _private_sqlite_files(Path(database))
        engine = create_async_engine(url)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    if make_url(url).get_backend_name() == "postgresql":
        use_postgresql()
    if make_url(url).drivername == "postgresql+asyncpg":
        milliseconds = str(max(1, int(idle_transaction_timeout.total_seconds() * 1000)))
        settings = {"idle_in_transaction_session_timeout": milliseconds}
        return create_async_engine(url, pool_pre_ping=True, connect_args={"server_settings": settings})
    return create_async_engine(url, pool_pre_ping=True)


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)
