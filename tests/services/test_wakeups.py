"""Workers wake on LISTEN/NOTIFY when work is queued (PostgreSQL) and poll otherwise."""

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.models import Account
from bot.db.session import SessionFactory, create_session_factory
from bot.services.actions import next_due_at, request_bulk_withdrawal, request_withdrawal
from bot.services.rhythm import ALWAYS
from bot.services.secrets import SessionVault
from bot.services.session_health import PauseCause, adopt_session, pause, resume
from bot.services.wakeups import APPLICATION_NAME, WorkWaiter, notify_work
from tests.fixtures.store import FIXED_NOW
from tests.services.backends import fresh_postgres, postgres_url
from tests.services.store_seed import add_pending

WOKEN_WITHIN = 30  # seconds: far below the waiters' 600 s poll, so True means a notification woke it


@pytest.fixture
async def pg_engine() -> AsyncIterator[AsyncEngine]:
    async with fresh_postgres() as engine:
        yield engine


async def _account_with_pending(db: SessionFactory, n: int) -> tuple[int, list[int]]:
    async with db.begin() as session:
        account = Account(name="agency", **ALWAYS)
        session.add(account)
    invitations = [await add_pending(db, account.id, f"p-{m}", now=FIXED_NOW, age_days=100) for m in range(n)]
    return account.id, invitations


async def test_on_sqlite_nothing_is_announced_and_the_waiter_polls(
    db: SessionFactory, db_engine: AsyncEngine
) -> None:
    async with db.begin() as session:
        await notify_work(session, 1)  # a no-op, not an error
    async with WorkWaiter(str(db_engine.url), poll=0.05) as waiter:
        assert not waiter.listening
        assert await waiter.wait() is False  # the poll interval passed


@pytest.mark.postgres
async def test_a_waiter_wakes_when_another_connection_commits_queued_work(pg_engine: AsyncEngine) -> None:
    db = create_session_factory(pg_engine)
    account_id, (first, _) = await _account_with_pending(db, 2)
    async with WorkWaiter(postgres_url(), poll=600) as waiter:
        assert waiter.listening
        waiting = asyncio.create_task(waiter.wait())
        await request_withdrawal(db, account_id, first, now=FIXED_NOW, undo_window=timedelta(0))
        assert await asyncio.wait_for(waiting, WOKEN_WITHIN) is True
        assert waiter.take_announced() == {account_id}

        # A bulk request announces too; one that arrives between waits ends the next wait at once.
        await request_bulk_withdrawal(db, account_id, 0, 5, None, now=FIXED_NOW)
        assert await asyncio.wait_for(waiter.wait(), WOKEN_WITHIN) is True
        assert waiter.take_announced() == {account_id}


@pytest.mark.postgres
async def test_work_rolled_back_is_not_announced(pg_engine: AsyncEngine) -> None:
    db = create_session_factory(pg_engine)
    async with WorkWaiter(postgres_url(), poll=600) as waiter:
        with pytest.raises(RuntimeError):
            async with db.begin() as session:
                await notify_work(session, 7)
                raise RuntimeError("the request failed after announcing")
        assert await waiter.wait(at_most=0.5) is False
        async with db.begin() as session:
            await notify_work(session, 8)
        assert await asyncio.wait_for(waiter.wait(), WOKEN_WITHIN) is True
        assert waiter.take_announced() == {8}


@pytest.mark.postgres
async def test_a_waiter_reconnects_after_its_connection_drops(pg_engine: AsyncEngine) -> None:
    db = create_session_factory(pg_engine)
    async with WorkWaiter(postgres_url(), poll=600) as waiter:
        async with pg_engine.connect() as connection:
            killed = await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND application_name = :name"
                ),
                {"name": APPLICATION_NAME},
            )
            assert killed.scalars().all() == [True]
        # The drop itself ends the wait (work announced while deaf would be lost: look now)...
        assert await asyncio.wait_for(waiter.wait(), WOKEN_WITHIN) is True
        # ...and the next wait listens on a new connection.
        assert await asyncio.wait_for(waiter.wait(), WOKEN_WITHIN) is True
        assert waiter.listening
        waiting = asyncio.create_task(waiter.wait())
        async with db.begin() as session:
            await notify_work(session, 5)
        assert await asyncio.wait_for(waiting, WOKEN_WITHIN) is True
        assert waiter.take_announced() == {5}


async def test_a_waiter_that_cannot_listen_polls_and_says_so_once(caplog: pytest.LogCaptureFixture) -> None:
    unreachable = "postgresql+asyncpg://postgres:postgres@127.0.0.1:1/none"  # nothing listens on port 1
    with caplog.at_level(logging.WARNING, logger="bot.services.wakeups"):
        async with WorkWaiter(unreachable, poll=0.05) as waiter:
            assert not waiter.listening
            assert await waiter.wait() is False
            assert await waiter.wait() is False
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.services.wakeups"]
    assert warnings == ["cannot LISTEN for queued work (ConnectionRefusedError); polling instead"]


async def test_a_worker_with_nothing_to_do_knows_until_when_it_may_wait(store: SessionFactory) -> None:
    assert await next_due_at(store) is None
    account_id, (first, second) = await _account_with_pending(store, 2)
    await request_withdrawal(store, account_id, first, now=FIXED_NOW, undo_window=timedelta(seconds=10))
    await request_withdrawal(store, account_id, second, now=FIXED_NOW, undo_window=timedelta(seconds=30))

    assert await next_due_at(store) == FIXED_NOW + timedelta(seconds=10)  # when the first undo window ends
    assert await next_due_at(store, account_id=account_id + 1) is None
    async with store.begin() as session:
        (await session.get_one(Account, account_id)).paused = True
    assert await next_due_at(store) is None  # a paused account's work waits for its owner, not the clock


@pytest.mark.postgres
async def test_ending_a_pause_wakes_the_workers(pg_engine: AsyncEngine) -> None:
    db = create_session_factory(pg_engine)
    account_id, _ = await _account_with_pending(db, 1)
    vault = SessionVault(Fernet.generate_key())
    async with db.begin() as session:
        await pause(session, await session.get_one(Account, account_id), PauseCause.OWNER, FIXED_NOW)
    async with WorkWaiter(postgres_url(), poll=600) as waiter:
        assert waiter.listening
        waiting = asyncio.create_task(waiter.wait())
        async with db.begin() as session:  # the owner's /resume
            assert await resume(session, await session.get_one(Account, account_id), FIXED_NOW)
        assert await asyncio.wait_for(waiting, WOKEN_WITHIN) is True
        assert waiter.take_announced() == {account_id}

        async with db.begin() as session:  # a sign-in that ends the pause it cures
            account = await session.get_one(Account, account_id)
            await pause(session, account, PauseCause.SESSION_EXPIRED, FIXED_NOW)
        async with db.begin() as session:
            ended = await adopt_session(
                session, await session.get_one(Account, account_id), vault, {}, FIXED_NOW
            )
        assert ended
        assert await asyncio.wait_for(waiter.wait(), WOKEN_WITHIN) is True
        assert waiter.take_announced() == {account_id}

        async with db.begin() as session:  # a resume of an account that was not paused: nothing to wake
            assert not await resume(session, await session.get_one(Account, account_id), FIXED_NOW)
        assert await waiter.wait(at_most=0.2) is False
