"""Several accounts per owner, in the store: the current one, rename, remove with its data, and the
question that remembers its account; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.db.models import (
    Account,
    Action,
    ActionKind,
    ActionState,
    Event,
    Followup,
    Invitation,
    Person,
    Reminder,
)
from bot.db.session import SessionFactory
from bot.services.accounts import AccountExists, InvalidAccountName, find_account_by_owner, owns_several
from bot.services.actions.leases import LeaseHolder, acquire, current_lease
from bot.services.clock import FrozenClock
from bot.services.conversations import Asking, Awaiting, Conversations
from bot.services.owner_accounts import (
    AccountInUse,
    account_lines,
    add_owned_account,
    removal_summary,
    remove_account,
    rename_account,
    switch_to,
)
from bot.services.owners import owned_account
from bot.services.rhythm import ALWAYS
from tests.fixtures.store import FIXED_NOW
from tests.services.store_seed import add_pending

OWNER = 1001
OTHER = 2002


async def _account(db: SessionFactory, name: str, owner: int | None = OWNER) -> Account:
    async with db.begin() as session:
        account = Account(name=name, owner_telegram_id=owner, chat_id=owner, **ALWAYS)
        session.add(account)
    return account


async def _current(db: SessionFactory, owner: int = OWNER) -> str | None:
    async with db() as session:
        account = await find_account_by_owner(session, owner)
    return account.name if account is not None else None


async def _count(
    db: SessionFactory, model: type[Invitation | Person | Action | Reminder | Event], account_id: int
) -> int:
    async with db() as session:
        return await session.scalar(select(func.count()).where(model.account_id == account_id)) or 0


async def _fill(db: SessionFactory, account: Account) -> None:
    """Two invitations, an action, a reminder, a follow-up and an event for `account`."""
    first = await add_pending(db, account.id, f"{account.name}-a", now=FIXED_NOW, age_days=100)
    await add_pending(db, account.id, f"{account.name}-b", now=FIXED_NOW, age_days=10)
    async with db.begin() as session:
        invitation = await session.get_one(Invitation, first)
        session.add(
            Action(account_id=account.id, kind=ActionKind.WITHDRAW, invitation_id=first,
                   not_before=FIXED_NOW, created_at=FIXED_NOW)
        )  # fmt: skip
        session.add(
            Reminder(account_id=account.id, invitation_id=first, person_id=invitation.person_id,
                     due_at=FIXED_NOW + timedelta(days=21))
        )  # fmt: skip
        session.add(
            Followup(account_id=account.id, invitation_id=first, person_id=invitation.person_id,
                     accepted_at=FIXED_NOW, due_at=FIXED_NOW)
        )  # fmt: skip
        session.add(Event(account_id=account.id, kind="test", detail={}, created_at=FIXED_NOW))


async def test_the_current_account_is_the_choice_else_the_first(store: SessionFactory) -> None:
    assert await _current(store) is None
    first = await _account(store, "first")
    second = await _account(store, "second")
    await _account(store, "theirs", owner=OTHER)
    assert await _current(store) == "first"  # no choice yet: the first account
    async with store.begin() as session:
        await switch_to(session, OWNER, second)
    assert await _current(store) == "second"  # every process reads this row
    assert await _current(store, OTHER) == "theirs"  # another owner's choice is their own
    async with store.begin() as session:  # the chosen account is given away: no longer this owner's
        row = await session.get_one(Account, second.id)
        row.owner_telegram_id = OTHER
    assert await _current(store) == "first"
    async with store() as session:
        assert await owns_several(session, OWNER) is False
        assert await owns_several(session, OTHER) is True
        assert await owned_account(session, OWNER, kind="account", target_id=first.id) is not None
        assert await owned_account(session, OWNER, kind="account", target_id=second.id) is None
        assert await owned_account(session, OWNER, kind="account", target_id=10_000) is None


async def test_adding_an_account_makes_it_current_and_lists_both(store: SessionFactory) -> None:
    first = await _account(store, "first")
    await add_pending(store, first.id, "someone", now=FIXED_NOW, age_days=40)
    async with store.begin() as session:
        like = await session.get_one(Account, first.id)
        like.timezone, like.language = "Europe/Amsterdam", "nl"
        added = await add_owned_account(
            session, telegram_user_id=OWNER, chat_id=OWNER, name="sales-2", like=like, now=FIXED_NOW
        )
    assert (added.timezone, added.language, added.chat_id) == ("Europe/Amsterdam", "nl", OWNER)
    assert await _current(store) == "sales-2"
    async with store() as session:
        lines = await account_lines(session, OWNER)
        everyone = await account_lines(session)
    assert [(line.name, line.pending, line.current) for line in lines] == [
        ("first", 1, False),
        ("sales-2", 0, True),
    ]
    assert len(everyone) == 2
    with pytest.raises(AccountExists):
        async with store.begin() as session:
            await add_owned_account(
                session, telegram_user_id=OWNER, chat_id=OWNER, name="first", like=like, now=FIXED_NOW
            )
    assert await _current(store) == "sales-2"  # the refused add changed nothing


async def test_renaming_checks_the_name_and_refuses_a_clash(store: SessionFactory) -> None:
    first = await _account(store, "first")
    await _account(store, "second")
    for bad, reason in (("", "length"), ("   ", "blank"), ("a\nb", "unprintable"), ("x" * 65, "length")):
        with pytest.raises(InvalidAccountName) as refused:
            async with store.begin() as session:
                await rename_account(session, await session.get_one(Account, first.id), bad, FIXED_NOW)
        assert refused.value.reason == reason
    with pytest.raises(AccountExists):
        async with store.begin() as session:
            await rename_account(session, await session.get_one(Account, first.id), "second", FIXED_NOW)
    async with store.begin() as session:
        old = await rename_account(session, await session.get_one(Account, first.id), "sales-1", FIXED_NOW)
    assert old == "first"
    async with store() as session:
        names = sorted(await session.scalars(select(Account.name)))
    assert names == ["sales-1", "second"]


async def test_removing_an_account_deletes_its_data_and_leaves_the_other(
    store: SessionFactory, clock: FrozenClock
) -> None:
    keep = await _account(store, "keep")
    gone = await _account(store, "gone")
    await _fill(store, keep)
    await _fill(store, gone)
    async with store.begin() as session:
        await switch_to(session, OWNER, gone)
    lease = await acquire(
        store, gone.id, LeaseHolder.new(), FIXED_NOW - timedelta(hours=1), timedelta(minutes=1)
    )
    assert lease is not None  # held an hour ago, expired since: no worker is in the account now
    await Conversations(store, clock).ask(OWNER, Awaiting(Asking.NOTE, target=1, account_id=gone.id))
    async with store() as session:
        summary = await removal_summary(session, await session.get_one(Account, gone.id))
    assert (summary.invitations, summary.people, summary.actions, summary.reminders) == (2, 2, 1, 1)
    assert (summary.followups, summary.events) == (1, 1)

    async with store.begin() as session:
        assert await remove_account(session, gone.id, FIXED_NOW) == "gone"
    async with store.begin() as session:
        assert await remove_account(session, gone.id, FIXED_NOW) is None  # a second tap: already gone

    for model in (Invitation, Person, Action, Reminder, Event):
        assert await _count(store, model, gone.id) == 0
        assert await _count(store, model, keep.id) == (2 if model in (Invitation, Person) else 1)
    async with store() as session:
        assert await current_lease(session, gone.id) is None
        assert await session.get(Account, keep.id) is not None
    assert await Conversations(store, clock).take(OWNER) is None  # its open question went with it
    assert await _current(store) == "keep"  # the current account falls back


async def test_an_account_a_worker_is_in_is_not_removed(store: SessionFactory) -> None:
    busy = await _account(store, "busy")
    first = await add_pending(store, busy.id, "someone", now=FIXED_NOW, age_days=100)
    async with store.begin() as session:
        running = Action(
            account_id=busy.id, kind=ActionKind.WITHDRAW, invitation_id=first, state=ActionState.RUNNING,
            not_before=FIXED_NOW, created_at=FIXED_NOW, started_at=FIXED_NOW,
        )  # fmt: skip
        session.add(running)
    with pytest.raises(AccountInUse) as refused:
        async with store.begin() as session:
            await remove_account(session, busy.id, FIXED_NOW)
    assert refused.value.reason == "running"

    async with store.begin() as session:
        (await session.get_one(Action, running.id)).state = ActionState.DONE
    lease = await acquire(store, busy.id, LeaseHolder.new(), FIXED_NOW, timedelta(minutes=1))
    assert lease is not None  # this live process holds the account's lease
    with pytest.raises(AccountInUse) as refused:
        async with store.begin() as session:
            await remove_account(session, busy.id, FIXED_NOW)
    assert refused.value.reason == "leased"
    assert await _count(store, Invitation, busy.id) == 1  # nothing was deleted
    async with store.begin() as session:  # once the lease has run out, it goes
        assert await remove_account(session, busy.id, FIXED_NOW + timedelta(minutes=2)) == "busy"


async def test_a_question_remembers_the_account_it_was_asked_for(
    store: SessionFactory, clock: FrozenClock
) -> None:
    first = await _account(store, "first")
    questions = Conversations(store, clock)
    await questions.ask(OWNER, Awaiting(Asking.LOGIN, account_id=first.id))
    assert await questions.take(OWNER) == Awaiting(Asking.LOGIN, account_id=first.id)
