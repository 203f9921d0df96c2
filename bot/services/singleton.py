"""Scheduled scans that run once across processes: a PostgreSQL advisory lock per scan.

    async with only_one(db, "weekly-digest") as mine:
        if mine:
            ...  # the scan; another process running the same scan now skips this round

Several `web` processes each run the scheduler, so each would run every scan. On PostgreSQL
`only_one` takes `pg_try_advisory_lock` on a connection it keeps for the scan and unlocks it
after; a process that dies holding it loses it with its connection, so a crash never blocks a
scan for longer than PostgreSQL takes to notice the dropped connection. It never waits: a scan
another process is running is simply skipped until the next tick, which is what a repeating
scan wants. On SQLite (one process) it is always mine.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.db.session import SessionFactory

logger = logging.getLogger(__name__)


def lock_key(name: str) -> int:
    """The advisory lock's 64-bit key for `name`: stable across processes, versions and machines."""
    digest = hashlib.blake2b(f"invitesweep:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextlib.asynccontextmanager
async def only_one(db: SessionFactory, name: str) -> AsyncIterator[bool]:
    """Yield True if this process may run the scan `name` now (it holds the lock until the block ends)."""
    engine = _engine(db)
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = lock_key(name)
    connection = await engine.connect()
    try:
        mine = bool((await connection.execute(select(func.pg_try_advisory_lock(key)))).scalar_one())
        await connection.commit()  # the lock is the session's: no transaction stays open meanwhile
    except BaseException:
        await connection.close()
        raise
    try:
        yield mine
    finally:
        if mine:
            await _unlock(connection, key, name)
        await connection.close()


async def _unlock(connection: AsyncConnection, key: int, name: str) -> None:
    try:
        await connection.execute(select(func.pg_advisory_unlock(key)))
        await connection.commit()
    except Exception:
        # Closing the database session is what releases the lock then: never pool it.
        logger.warning("could not unlock the %s scan; dropping its connection", name, exc_info=True)
        await connection.invalidate()


def _engine(db: SessionFactory) -> AsyncEngine:
    bind = db.kw.get("bind")
    if not isinstance(bind, AsyncEngine):
        raise TypeError("only_one needs a session factory bound to an engine")
    return bind
