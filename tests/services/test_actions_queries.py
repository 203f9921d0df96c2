"""The queue's shared queries: the SQL of `withdrawable` and `in_flight` agrees with the policy rule."""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text, update

from bot.db.migrate import upgrade_engine
from bot.db.models import Account, Action, ActionState, Invitation, InvitationState, Person
from bot.db.session import SessionFactory, create_engine, create_session_factory
from bot.services import policy
from bot.services.actions import request_withdrawal
from bot.services.actions.queries import in_flight, withdrawable
from bot.services.policy import SentAtRange
from tests.fixtures.store import FIXED_NOW
from tests.services.store_seed import add_pending

DAYS = 90
_TICK = timedelta(microseconds=1)
# Around the boundary on both sides, down to the microsecond; a send time in the future counts as age 0.
AGES = [
    timedelta(days=-1),
    timedelta(0),
    *(timedelta(days=DAYS) + step for step in (-timedelta(days=1), -timedelta(seconds=1), -_TICK)),
    timedelta(days=DAYS),
    *(timedelta(days=DAYS) + step for step in (_TICK, timedelta(seconds=1), timedelta(days=1))),
]
WITHDRAWALS = (None, ActionState.QUEUED, ActionState.RUNNING, ActionState.CANCELLED)


async def _world(db: SessionFactory, account_id: int, now: datetime) -> dict[int, bool]:
    """Invitations for every age × pending × keep × withdrawal; returns id → withdrawable by construction."""
    expected: dict[int, bool] = {}
    combinations = itertools.product(AGES, (True, False), (False, True), WITHDRAWALS)
    for n, (age, pending, keep, withdrawal) in enumerate(combinations):
        invitation_id = await add_pending(db, account_id, f"person-{n}", now=now, age_days=0)
        async with db.begin() as session:
            await session.execute(
                update(Invitation)
                .where(Invitation.id == invitation_id)
                .values(sent_at_latest=now - age, sent_at_earliest=now - age - timedelta(days=30))
            )
        if withdrawal is not None:
            action = await request_withdrawal(db, account_id, invitation_id, now=now)
            if withdrawal is not ActionState.QUEUED:
                async with db.begin() as session:
                    # A test's shortcut to a running or cancelled withdrawal, not a product path.
                    values = {
                        "state": withdrawal,
                        "active_key": None if withdrawal is ActionState.CANCELLED else action.active_key,
                    }
                    await session.execute(update(Action).where(Action.id == action.id).values(**values))
        async with db.begin() as session:
            invitation = await session.get_one(Invitation, invitation_id)
            invitation.state = InvitationState.PENDING if pending else InvitationState.WITHDRAWN
            (await session.get_one(Person, invitation.person_id)).keep = keep
        in_flight_now = withdrawal in (ActionState.QUEUED, ActionState.RUNNING)
        expected[invitation_id] = pending and not keep and not in_flight_now and age >= timedelta(days=DAYS)
    return expected


async def _agree(db: SessionFactory, account_id: int) -> None:
    now = FIXED_NOW
    expected = await _world(db, account_id, now)
    async with db() as session:
        by_sql = set(
            (
                await session.execute(
                    select(Invitation.id)
                    .join(Person, Person.id == Invitation.person_id)
                    .where(withdrawable(account_id, now, DAYS))
                )
            ).scalars()
        )
        flying = set((await session.execute(select(Invitation.id).where(in_flight(account_id)))).scalars())
        rows = (await session.execute(select(Invitation, Person).join(Person))).all()
        by_rule = set()
        for invitation, person in rows:
            withdrawing = invitation.id in flying
            allowed = policy.withdrawable(
                pending=invitation.state is InvitationState.PENDING,
                keep=person.keep,
                account_paused=False,
                min_age=SentAtRange(invitation.sent_at_earliest, invitation.sent_at_latest).age_at(now)[0],
                older_than_days=DAYS,
                withdrawing=withdrawing,
            )
            if allowed:
                by_rule.add(invitation.id)
    assert by_sql == by_rule == {i for i, ok in expected.items() if ok}
    # Pending, not kept, no withdrawal or a cancelled one, at DAYS or older: 4 ages × 2.
    assert len(by_sql) == 8
    # An in-flight withdrawal is one queued or running, whatever the invitation's state.
    assert len(flying) == len(AGES) * 2 * 2 * 2


async def test_sql_and_the_policy_rule_agree_on_who_may_be_withdrawn(
    db: SessionFactory, account: Account
) -> None:
    await _agree(db, account.id)


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


@pytest.mark.postgres
async def test_sql_and_the_policy_rule_agree_on_postgresql(pg: SessionFactory) -> None:
    async with pg.begin() as session:
        account = Account(name="default", owner_telegram_id=1001, chat_id=1001)
        session.add(account)
    await _agree(pg, account.id)
