"""Accounts: the default account, owner lookup, validated preferences (pause/resume: test_session_health)."""

from typing import Any

import pytest
from sqlalchemy import select

from bot.db.models import Account, Event, Plan
from bot.db.session import SessionFactory
from bot.services.accounts import (
    AccountExists,
    InvalidAccountName,
    InvalidSetting,
    all_accounts,
    check_account_name,
    create_account,
    find_account_by_owner,
    get_or_create_account,
    update_preferences,
)
from bot.services.clock import FrozenClock


async def test_default_account_is_created_once(db: SessionFactory) -> None:
    async with db.begin() as session:
        first = await get_or_create_account(session, timezone="Europe/Amsterdam")
    async with db.begin() as session:
        second = await get_or_create_account(session)
        count = len((await session.execute(select(Account))).scalars().all())
    assert first.id == second.id
    assert second.name == "default"
    assert second.timezone == "Europe/Amsterdam"
    assert count == 1


async def test_unknown_timezone_refused_at_creation(db: SessionFactory) -> None:
    async with db.begin() as session:
        with pytest.raises(InvalidSetting) as caught:
            await get_or_create_account(session, "work", timezone="Mars/Olympus")
    assert (caught.value.field, caught.value.reason) == ("timezone", "unknown_timezone")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "length"),
        ("x" * 65, "length"),
        ("   ", "blank"),
        ("work\x1b[31m", "unprintable"),
        ("bell\x07", "unprintable"),
        ("two\nlines", "unprintable"),
        ("tab\there", "unprintable"),
    ],
)
def test_account_names_are_1_to_64_printable_characters(name: str, reason: str) -> None:
    with pytest.raises(InvalidAccountName) as caught:
        check_account_name(name)
    assert caught.value.reason == reason


def test_good_account_names_pass_unchanged() -> None:
    for name in ["default", "x", "x" * 64, "Jane's work", "werk – Zoë"]:
        assert check_account_name(name) == name


async def test_create_account_refuses_a_taken_or_bad_name_and_changes_nothing(
    db: SessionFactory, account: Account
) -> None:
    async with db.begin() as session:
        work = await create_account(session, "work", timezone="Europe/Amsterdam")
    assert (work.name, work.timezone) == ("work", "Europe/Amsterdam")
    for name, error in [("default", AccountExists), ("", InvalidAccountName), ("a\x1bb", InvalidAccountName)]:
        async with db() as session:
            with pytest.raises(error):
                await create_account(session, name)
    async with db.begin() as session:
        with pytest.raises(InvalidAccountName):
            await get_or_create_account(session, "x" * 65)
    async with db() as session:
        assert [a.name for a in await all_accounts(session)] == ["default", "work"]


async def test_find_by_owner(db: SessionFactory, account: Account) -> None:
    async with db() as session:
        found = await find_account_by_owner(session, 1001)
        missing = await find_account_by_owner(session, 999)
    assert found is not None and found.id == account.id
    assert missing is None


async def test_valid_preferences_are_applied_from_text_and_recorded(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    async with db.begin() as session:
        stored = await session.get(Account, account.id)
        assert stored is not None
        await update_preferences(
            session,
            stored,
            {
                "timezone": "America/New_York",
                "digest_weekday": "4",
                "digest_hour": 18,
                "review_days": 20,
                "suggest_days": 45,
                "withdraw_days": "75",
                "language": "NL",
                "plan": "premium",
                "cooldown_days": 1,
            },
            clock(),
        )
    async with db() as session:
        stored = await session.get(Account, account.id)
        events = (await session.execute(select(Event.kind))).scalars().all()
    assert stored is not None
    assert (stored.timezone, stored.digest_weekday, stored.digest_hour) == ("America/New_York", 4, 18)
    assert (stored.review_days, stored.suggest_days, stored.withdraw_days) == (20, 45, 75)
    assert (stored.language, stored.plan) == ("nl", Plan.PREMIUM)
    assert events == ["preferences_changed"]


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"digest_weekday": 7}, "digest_weekday", "out_of_range"),
        ({"digest_weekday": -1}, "digest_weekday", "out_of_range"),
        ({"digest_hour": 24}, "digest_hour", "out_of_range"),
        ({"digest_hour": "nine"}, "digest_hour", "not_a_number"),
        ({"timezone": "Europe/Atlantis"}, "timezone", "unknown_timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone", "unknown_timezone"),
        ({"review_days": 60}, "review_days", "not_increasing"),
        ({"suggest_days": 95}, "suggest_days", "not_increasing"),
        ({"withdraw_days": 60}, "withdraw_days", "not_increasing"),
        ({"daily_withdraw_cap": 0}, "daily_withdraw_cap", "out_of_range"),
        ({"daily_withdraw_cap": 41}, "daily_withdraw_cap", "needs_cap_override"),
        ({"cooldown_days": 0}, "cooldown_days", "out_of_range"),
        ({"language": "de"}, "language", "not_a_choice"),
        ({"plan": "gold"}, "plan", "not_a_choice"),
        ({"cap_override": "maybe"}, "cap_override", "not_a_boolean"),
        ({"paused": True}, "paused", "unknown_setting"),
        ({"active_weekdays": "someday"}, "active_weekdays", "not_days"),
        ({"active_weekdays": "mon-xyz"}, "active_weekdays", "not_days"),
        ({"active_weekdays": 128}, "active_weekdays", "not_days"),
        ({"active_weekdays": 0}, "active_weekdays", "no_days"),
        ({"active_hours": "nine to five"}, "active_hours", "not_hours"),
        ({"active_hours": "9:30-17"}, "active_hours", "not_hours"),
        ({"active_hours": "9-25"}, "active_hours", "not_hours"),
        ({"active_hours": "18-9"}, "active_hours", "empty_window"),
        ({"active_hours": "9-9"}, "active_hours", "empty_window"),
        ({"active_from_hour": 9, "active_until_hour": 8}, "active_until_hour", "empty_window"),
        ({"active_until_hour": 25}, "active_until_hour", "out_of_range"),
        ({"spread_work": "sometimes"}, "spread_work", "not_a_boolean"),
    ],
)
async def test_invalid_preferences_are_refused_and_nothing_changes(
    db: SessionFactory, account: Account, clock: FrozenClock, changes: dict[str, Any], field: str, reason: str
) -> None:
    async with db() as session:
        stored = await session.get(Account, account.id)
        assert stored is not None
        with pytest.raises(InvalidSetting) as caught:
            await update_preferences(session, stored, {"digest_hour": 7, **changes}, clock())
        assert (caught.value.field, caught.value.reason) == (field, reason)
        assert stored.digest_hour == 9  # the valid change in the same request was not applied


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"active_weekdays": "mon-fri"}, (0b0011111, 9, 18, True)),
        ({"active_weekdays": "sat,sun", "active_hours": "10-14"}, (0b1100000, 10, 14, True)),
        ({"active_weekdays": "fri-mon"}, (0b1110001, 9, 18, True)),
        ({"active_weekdays": "ma,wo,vr"}, (0b0010101, 9, 18, True)),
        ({"active_days": "mon-thu"}, (0b0001111, 9, 18, True)),
        (
            {"active_weekdays": "Every day", "active_hours": "00:00-24:00", "spread_work": "no"},
            (127, 0, 24, False),
        ),
        ({"active_hours": "7-22"}, (0b0011111, 7, 22, True)),
        ({"active_from_hour": 6}, (0b0011111, 6, 18, True)),
    ],
)
async def test_active_hours_are_set_by_days_and_hours(
    db: SessionFactory,
    account: Account,
    clock: FrozenClock,
    changes: dict[str, Any],
    expected: tuple[int, int, int, bool],
) -> None:
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        # Start from the product's defaults (the fixture's account works around the clock).
        stored.active_weekdays, stored.active_from_hour, stored.active_until_hour = 0b0011111, 9, 18
        stored.spread_work = True
        await update_preferences(session, stored, changes, clock())
    assert (
        stored.active_weekdays,
        stored.active_from_hour,
        stored.active_until_hour,
        stored.spread_work,
    ) == expected


async def test_a_new_account_works_weekdays_nine_to_six_spread(
    db: SessionFactory, clock: FrozenClock
) -> None:
    async with db.begin() as session:
        created = await get_or_create_account(session, "fresh", timezone="Europe/Amsterdam")
    assert (
        created.active_weekdays,
        created.active_from_hour,
        created.active_until_hour,
        created.spread_work,
    ) == (0b0011111, 9, 18, True)


async def test_cap_above_forty_needs_the_override(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    async with db.begin() as session:
        stored = await session.get(Account, account.id)
        assert stored is not None
        await update_preferences(session, stored, {"daily_withdraw_cap": 40}, clock())
        await update_preferences(session, stored, {"daily_withdraw_cap": 55, "cap_override": "yes"}, clock())
    assert (stored.daily_withdraw_cap, stored.cap_override) == (55, True)
