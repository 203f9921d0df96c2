"""The store fixtures give each test its own migrated database and a frozen clock."""

from sqlalchemy import select

from bot.db.models import Account, SessionStatus
from bot.db.session import SessionFactory
from bot.services.clock import FrozenClock
from tests.fixtures.store import FIXED_NOW


async def test_account_fixture_is_stored_with_defaults(db: SessionFactory, account: Account) -> None:
    async with db() as session:
        stored = (await session.execute(select(Account))).scalars().one()
    assert stored.id == account.id
    assert stored.name == "default"
    assert (stored.withdraw_days, stored.daily_withdraw_cap, stored.cooldown_days) == (90, 30, 21)
    assert stored.session_status is SessionStatus.NONE


async def test_each_test_gets_an_empty_database(db: SessionFactory) -> None:
    async with db() as session:
        assert (await session.execute(select(Account))).scalars().all() == []


def test_clock_is_frozen_until_advanced(clock: FrozenClock) -> None:
    from datetime import timedelta

    assert clock() == FIXED_NOW
    clock.advance(timedelta(days=1))
    assert clock() == FIXED_NOW + timedelta(days=1)
