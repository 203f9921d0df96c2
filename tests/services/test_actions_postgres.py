"""On PostgreSQL, concurrent workers claim with SKIP LOCKED and never take the same action."""

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from bot.db.migrate import upgrade_engine
from bot.db.models import Account, Action, ActionState
from bot.db.session import SessionFactory, create_engine, create_session_factory
from bot.services.actions import (
    Result,
    queue_overview,
    request_bulk_withdrawal,
    request_withdrawal,
    run_due_actions,
)
from bot.services.actions.claims import ClaimedAction, claim_next_action
from bot.services.clock import FrozenClock
from bot.services.linkedin import ClientProvider
from bot.services.rhythm import ALWAYS
from bot.services.secrets import SessionVault
from bot.services.session_health import adopt_session
from bot.services.sync import sync_account
from sandbox import SandboxServer
from tests.fakes.linkedin import FakeLinkedInSite
from tests.fixtures.store import FIXED_NOW
from tests.services.store_seed import add_pending

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg() -> AsyncIterator[SessionFactory]:
    url = os.environ.get("DATABASE_URL_TEST")
    if not url:
        pytest.skip("DATABASE_URL_TEST is not set")
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await upgrade_engine(engine)
    yield create_session_factory(engine)
    await engine.dispose()


async def test_concurrent_claimers_never_take_the_same_action(pg: SessionFactory) -> None:
    accounts = 8
    for n in range(accounts):
        async with pg.begin() as session:
            account = Account(name=f"agency-{n}")
            session.add(account)
        for m in range(3):
            invitation = await add_pending(pg, account.id, f"p-{n}-{m}", now=FIXED_NOW, age_days=100)
            await request_withdrawal(pg, account.id, invitation, now=FIXED_NOW, undo_window=timedelta(0))

    async def worker() -> list[ClaimedAction]:
        taken = []
        while (claimed := await claim_next_action(pg, FIXED_NOW)) is not None:
            taken.append(claimed)
        return taken

    results = await asyncio.gather(*(worker() for _ in range(6)))

    claimed = [c for taken in results for c in taken]
    assert len({c.action_id for c in claimed}) == len(claimed)
    # One running action per account at a time: every account got exactly one, whoever claimed it.
    assert sorted(c.account.name for c in claimed) == sorted(f"agency-{n}" for n in range(accounts))
    async with pg() as session:
        running = (
            await session.execute(select(Action.id).where(Action.state == ActionState.RUNNING))
        ).scalars()
        assert sorted(running) == sorted(c.action_id for c in claimed)


async def test_sync_bulk_withdrawal_and_worker_run_on_postgresql(
    pg: SessionFactory,
    vault: SessionVault,
    fake_site: FakeLinkedInSite,
    sandbox: SandboxServer,
) -> None:
    sandbox.reset(pending=6)
    clock = FrozenClock(sandbox.state.now())
    async with pg.begin() as session:
        account = Account(name="default", owner_telegram_id=7, **ALWAYS)  # runs whatever the hour
        session.add(account)
        await session.flush()
        await adopt_session(session, account, vault, sandbox.storage_state(), clock())
    provider = ClientProvider(pg, vault, fake_site.opener, clock)  # in memory: the store is the subject

    async with provider.open(account) as client:
        report = await sync_account(pg, client, account.id, clock)
    assert (report.new, report.complete) == (6, True)

    batch_id, plan = await request_bulk_withdrawal(
        pg, account.id, 0, 3, 7, now=clock(), undo_window=timedelta(0)
    )
    assert sum(n for _, n in plan) == 3
    overview = await queue_overview(pg, account.id, now=clock())
    assert len(overview.active) == 3

    outcomes = await run_due_actions(pg, provider, clock)

    assert [o.result for o in outcomes] == [Result.WITHDRAWN] * 3
    assert (outcomes[-1].batch_id, outcomes[-1].batch_done, outcomes[-1].batch_total) == (batch_id, 3, 3)
    assert len(sandbox.state.withdrawn_slugs()) == 3
    async with provider.open(account) as client:
        after = await sync_account(pg, client, account.id, clock)
    assert (after.new, after.closed, after.pending) == (0, 0, 3)
