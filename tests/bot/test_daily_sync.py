"""The daily sync: a signed-in account not synced for a day is synced by the hourly job."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.db.models import Account, Invitation
from bot.db.session import SessionFactory
from bot.services.actions.leases import LeaseHolder, acquire, release
from bot.services.clock import FrozenClock
from bot.settings import Settings
from sandbox import SandboxServer
from tests.bot.conftest import ClientFactory
from tests.fakes.linkedin import FakeLinkedInSite
from tests.fixtures.botapi import run_job, running_bot


async def test_stale_accounts_are_synced_once_a_day(
    settings: Settings,
    db: SessionFactory,
    signed_in: Account,
    sandbox: SandboxServer,
    fake_clients: ClientFactory,
    clock: FrozenClock,
) -> None:
    async with running_bot(settings, linkedin_client_factory=fake_clients, clock=clock) as app:
        await run_job(app, "daily-sync")
        async with db() as session:
            first = (await session.get_one(Account, signed_in.id)).last_synced_at
            rows = await session.scalar(select(func.count()).select_from(Invitation))
        assert first == clock() and rows == sandbox.state.pill_count()

        clock.advance(timedelta(hours=12))
        await run_job(app, "daily-sync")  # synced half a day ago: not due
        async with db() as session:
            assert (await session.get_one(Account, signed_in.id)).last_synced_at == first

        clock.advance(timedelta(hours=13))
        await run_job(app, "daily-sync")
        async with db() as session:
            assert (await session.get_one(Account, signed_in.id)).last_synced_at == clock()


async def test_the_daily_sync_skips_an_account_another_process_holds(
    settings: Settings,
    db: SessionFactory,
    signed_in: Account,
    sandbox: SandboxServer,
    fake_clients: ClientFactory,
    fake_site: FakeLinkedInSite,
    clock: FrozenClock,
) -> None:
    worker = await acquire(db, signed_in.id, LeaseHolder.new(), clock(), timedelta(hours=1))
    assert worker is not None  # a worker process is doing the account's browser work
    async with running_bot(settings, linkedin_client_factory=fake_clients, clock=clock) as app:
        await run_job(app, "daily-sync")  # skipped quietly: no browser, no pause, no message
        assert fake_site.opened == []
        async with db() as session:
            account = await session.get_one(Account, signed_in.id)
        assert account.last_synced_at is None and not account.paused

        await release(db, worker, clock())
        await run_job(app, "daily-sync")  # the next round, once the worker is done
        async with db() as session:
            assert (await session.get_one(Account, signed_in.id)).last_synced_at == clock()
