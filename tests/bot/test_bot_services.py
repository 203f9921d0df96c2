"""The bot's own small services: digest weeks in local time, pairing and claiming, finding people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.models import Account, Person
from bot.db.session import SessionFactory
from bot.services import digest_schedule, owners, people
from tests.bot.seed import seed_pending


def _account(**fields: object) -> Account:
    values: dict[str, object] = {
        "name": "a",
        "timezone": "UTC",
        "digest_weekday": 0,
        "digest_hour": 9,
        **fields,
    }
    return Account(**values)


@pytest.mark.parametrize(
    ("moment", "timezone", "week"),
    [
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "UTC", "2026-W53"),
        (datetime(2027, 1, 3, 23, 30, tzinfo=UTC), "Europe/Amsterdam", "2027-W01"),  # Monday 00:30 there
        (datetime(2026, 11, 30, 3, 0, tzinfo=UTC), "America/Los_Angeles", "2026-W48"),  # still Sunday there
    ],
)
def test_iso_week_is_the_accounts_local_week(moment: datetime, timezone: str, week: str) -> None:
    assert digest_schedule.iso_week(moment, timezone) == week


def test_due_from_the_local_weekday_and_hour() -> None:
    account = _account(
        timezone="America/New_York", digest_weekday=0, digest_hour=9
    )  # Monday 09:00 EST = 14:00 UTC
    assert not digest_schedule.is_due(account, datetime(2026, 11, 30, 13, 59, tzinfo=UTC))
    assert digest_schedule.is_due(account, datetime(2026, 11, 30, 14, 0, tzinfo=UTC))
    assert digest_schedule.is_due(
        account, datetime(2026, 12, 6, 23, 0, tzinfo=UTC)
    )  # Sunday evening, same week


async def test_a_week_is_claimed_once_and_can_be_released(db: SessionFactory, account: Account) -> None:
    now = datetime(2026, 11, 24, 10, tzinfo=UTC)
    async with db.begin() as session:
        claim = await digest_schedule.claim_week(session, account, now)
        assert claim is not None
    async with db.begin() as session:
        assert await digest_schedule.claim_week(session, account, now + timedelta(days=1)) is None
        assert await digest_schedule.due_accounts(session, now) == []
        await digest_schedule.release_week(session, claim.id)
    async with db.begin() as session:
        assert [a.id for a in await digest_schedule.due_accounts(session, now)] == [account.id]


def test_pairing_codes_are_long_and_compared_loosely() -> None:
    code = owners.new_pairing_code()
    assert len(code) == owners.PAIRING_CODE_LENGTH and set(code) <= set(owners.PAIRING_ALPHABET)
    assert owners.code_matches(code, f" {code.lower()[:4]}-{code.lower()[4:]} ")
    assert not owners.code_matches(code, code[:-1])
    assert not owners.code_matches(None, "")


async def test_claiming_adopts_an_unowned_account_then_makes_new_ones(db: SessionFactory) -> None:
    now = datetime(2026, 11, 24, 10, tzinfo=UTC)
    async with db.begin() as session:
        session.add(Account(name="default"))  # made by `invitesweep login` before the bot ran
    async with db.begin() as session:
        first = await owners.claim_account(session, user_id=1, chat_id=1, timezone="UTC", now=now)
        second = await owners.claim_account(
            session, user_id=2, chat_id=2, timezone="Europe/Amsterdam", now=now
        )
        again = await owners.claim_account(session, user_id=1, chat_id=10, timezone="UTC", now=now)
    assert (first.name, first.owner_telegram_id) == ("default", 1)
    assert (second.name, second.timezone) == ("telegram-2", "Europe/Amsterdam")
    assert again.id == first.id and again.chat_id == 10
    async with db() as session:
        assert await owners.stored_owner_ids(session) == {1, 2}
        assert await owners.owned_account(session, 2, kind="invitation", target_id=1) is None


async def test_find_people_by_part_of_the_name_with_wildcards_taken_literally(
    db: SessionFactory, account: Account
) -> None:
    now = datetime(2026, 11, 24, 10, tzinfo=UTC)
    await seed_pending(db, account, now, [10, 20, 30])
    async with db.begin() as session:
        assert [p.name for p in await people.find_people(session, account, "person p1")] == ["Person P1"]
        assert len(await people.find_people(session, account, "PERSON")) == 3
        assert await people.find_people(session, account, "%") == []
        assert await people.find_people(session, account, "   ") == []
        other = Account(name="b")
        session.add(other)
        await session.flush()
        person = (await people.find_people(session, account, "P2"))[0]
        with pytest.raises(LookupError):
            await people.set_keep(session, other, person, True, now)
        assert await people.set_keep(session, account, person, True, now)
        assert not await people.set_keep(session, account, person, True, now)
    async with db() as session:
        kept = (await session.scalars(select(Person.slug).where(Person.keep.is_(True)))).all()
    assert kept == ["p2"]
