"""Scheduled scans run once across processes: `only_one` on PostgreSQL, always mine on SQLite."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.session import SessionFactory, create_engine, create_session_factory
from bot.services.singleton import lock_key, only_one
from tests.services.backends import fresh_postgres, postgres_url


@pytest.fixture
async def two_processes() -> AsyncIterator[tuple[SessionFactory, SessionFactory]]:
    """Two engines on one PostgreSQL, as two `web` processes have."""
    async with fresh_postgres() as first:
        second = create_engine(postgres_url())
        try:
            yield create_session_factory(first), create_session_factory(second)
        finally:
            await second.dispose()


async def test_on_sqlite_every_scan_is_mine(db: SessionFactory) -> None:
    async with only_one(db, "weekly-digest") as mine, only_one(db, "weekly-digest") as again:
        assert mine and again


def test_lock_keys_are_stable_and_distinct() -> None:
    assert lock_key("weekly-digest") == lock_key("weekly-digest")
    assert len({lock_key(n) for n in ("weekly-digest", "due-reminders", "daily-sync")}) == 3
    assert -(2**63) <= lock_key("weekly-digest") < 2**63


@pytest.mark.postgres
async def test_of_two_processes_scanning_at_once_exactly_one_runs_the_scan(
    two_processes: tuple[SessionFactory, SessionFactory],
) -> None:
    first, second = two_processes
    ran: list[str] = []
    inside = asyncio.Event()
    leave = asyncio.Event()

    async def scan(db: SessionFactory, who: str) -> None:
        async with only_one(db, "due-reminders") as mine:
            if mine:
                ran.append(who)
                inside.set()
                await leave.wait()

    holder = asyncio.create_task(scan(first, "first"))
    await asyncio.wait_for(inside.wait(), 20)
    await scan(second, "second")  # while the first holds it: skipped, not waiting
    async with only_one(second, "weekly-digest") as other_scan:
        assert other_scan  # another scan's lock is another lock
    leave.set()
    await holder
    await scan(second, "second")  # released: the next round is whoever comes

    assert ran == ["first", "second"]


@pytest.mark.postgres
async def test_a_crashed_holders_lock_goes_with_its_connection(
    two_processes: tuple[SessionFactory, SessionFactory],
) -> None:
    first, second = two_processes
    engine = first.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    async with engine.connect() as crashed:  # a process that took the lock and died mid-scan
        await crashed.execute(text("SELECT pg_advisory_lock(:key)"), {"key": lock_key("daily-sync")})
        async with only_one(second, "daily-sync") as mine:
            assert not mine
        await crashed.invalidate()  # its connection is gone
    for _ in range(400):  # PostgreSQL ends the dead session as soon as it sees the connection close
        async with only_one(second, "daily-sync") as mine:
            if mine:
                return
        await asyncio.sleep(0.05)
    pytest.fail("the dead holder's lock was never released")
