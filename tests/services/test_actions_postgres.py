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
from bot.services.action_claims import ClaimedAction, claim_next_action
from bot.services.actions import request_withdrawal
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
