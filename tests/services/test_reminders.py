"""Cooldown reminders: the due-scan, sensible local hours, drafts, and the bookkeeping around a send."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.models import Account, Event, Invitation, InvitationState, Person, Reminder, ReminderState
from bot.db.session import SessionFactory
from bot.services.clock import FrozenClock
from bot.services.notes import InvalidNote
from bot.services.reminders import (
    ReminderNotFound,
    count_due,
    dismiss,
    mark_sent,
    next_delivery_start,
    record_failure,
    scan_due,
    set_context,
    set_draft,
    snooze,
)


async def add_reminder(
    db: SessionFactory, account: Account, slug: str, *, due_at: datetime, context: str | None = None
) -> Reminder:
    """A withdrawn invitation to `slug` whose cooldown reminder comes due at `due_at`."""
    async with db.begin() as session:
        person = Person(
            account_id=account.id,
            slug=slug,
            name="Jane Doe",
            headline="Data Engineer at Acme",
            profile_url=f"https://www.linkedin.com/in/{slug}/",
            context=context,
        )
        session.add(person)
        await session.flush()
        withdrawn = due_at - timedelta(days=21)
        invitation = Invitation(
            account_id=account.id,
            person_id=person.id,
            state=InvitationState.WITHDRAWN,
            sent_at_earliest=withdrawn - timedelta(days=120),
            sent_at_latest=withdrawn - timedelta(days=90),
            first_seen_at=withdrawn - timedelta(days=90),
            last_seen_at=withdrawn,
            withdrawn_at=withdrawn,
            closed_at=withdrawn,
            cooldown_ends_at=due_at,
        )
        session.add(invitation)
        await session.flush()
        reminder = Reminder(
            account_id=account.id, invitation_id=invitation.id, person_id=person.id, due_at=due_at
        )
        session.add(reminder)
    return reminder


async def test_scan_finds_due_reminders_oldest_first_with_a_stored_draft(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    now = clock()  # 09:30 UTC, inside the default account's delivery hours
    await add_reminder(db, account, "later", due_at=now + timedelta(hours=1))
    await add_reminder(db, account, "recent", due_at=now - timedelta(minutes=5))
    await add_reminder(db, account, "older", due_at=now - timedelta(days=2), context="met at PyCon")

    async with db.begin() as session:
        assert await count_due(session, account, now=now) == 2
        due = await scan_due(session, now=now)
    assert [item.person.slug for item in due] == ["older", "recent"]
    assert "met at pycon" in (due[0].reminder.draft_note or "").casefold()  # a variant may capitalise it
    assert due[1].reminder.draft_note and "Jane" in due[1].reminder.draft_note

    async with db() as session:
        stored = await session.scalars(select(Reminder.draft_note).order_by(Reminder.id))
        assert [d is not None for d in stored] == [False, True, True]


async def test_outside_local_hours_the_reminder_moves_to_the_next_morning(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        stored.timezone = "America/Denver"  # 09:30 UTC is 02:30 in Denver
    now = clock()
    reminder = await add_reminder(db, account, "night", due_at=now - timedelta(hours=1))

    async with db.begin() as session:
        assert await scan_due(session, now=now) == []
    async with db() as session:
        moved = await session.get_one(Reminder, reminder.id)
    assert moved.due_at == datetime.fromisoformat("2026-11-24T16:00:00+00:00")  # 09:00 MST
    assert moved.due_at == next_delivery_start(now, "America/Denver")

    clock.advance(moved.due_at - now)
    async with db.begin() as session:
        assert [item.reminder.id for item in await scan_due(session, now=clock())] == [reminder.id]


async def test_sent_reminders_are_not_scanned_again_until_snoozed_and_expired(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    now = clock()
    reminder = await add_reminder(db, account, "jane", due_at=now - timedelta(minutes=1))
    async with db.begin() as session:
        assert len(await scan_due(session, now=now)) == 1
        await mark_sent(session, reminder.id, account_id=account.id, chat_id=5, message_id=77, now=now)
    async with db.begin() as session:
        assert await scan_due(session, now=now) == []
        snoozed = await snooze(session, reminder.id, account_id=account.id, now=now)
    assert (snoozed.state, snoozed.sent_at) == (ReminderState.DUE, None)

    clock.advance(timedelta(days=6, hours=23))
    async with db.begin() as session:
        assert await scan_due(session, now=clock()) == []
    clock.advance(timedelta(hours=1))
    async with db.begin() as session:
        assert len(await scan_due(session, now=clock())) == 1
        await dismiss(session, reminder.id, account_id=account.id, now=clock())
    clock.advance(timedelta(days=30))
    async with db.begin() as session:
        assert await scan_due(session, now=clock()) == []
    async with db() as session:
        kinds = list(await session.scalars(select(Event.kind).order_by(Event.id)))
    assert kinds == ["reminder_sent", "reminder_snoozed", "reminder_dismissed"]


async def test_a_failed_send_backs_off_and_is_retried(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    now = clock()
    reminder = await add_reminder(db, account, "jane", due_at=now)
    async with db.begin() as session:
        await record_failure(session, reminder.id, account_id=account.id, error="network down", now=now)
    async with db.begin() as session:
        assert await scan_due(session, now=now + timedelta(minutes=1)) == []
        retried = await scan_due(session, now=now + timedelta(minutes=2))
    assert [item.reminder.last_error for item in retried] == ["network down"]
    assert retried[0].reminder.attempts == 1


async def test_edited_drafts_are_validated_and_context_redrafts(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    now = clock()
    reminder = await add_reminder(db, account, "jane", due_at=now)
    async with db.begin() as session:
        with pytest.raises(InvalidNote):
            await set_draft(session, reminder.id, "x" * 201, account_id=account.id)
        edited = await set_draft(session, reminder.id, "  Hi Jane, great talk!  ", account_id=account.id)
    assert edited.draft_note == "Hi Jane, great talk!"

    async with db.begin() as session:
        person = await set_context(
            session, reminder.person_id, "  met at   DevOpsDays ", account_id=account.id
        )
    assert person.context == "met at DevOpsDays"
    async with db() as session:
        redrafted = await session.get_one(Reminder, reminder.id)
    assert "met at devopsdays" in (redrafted.draft_note or "").casefold()


async def test_accounts_without_a_chat_wait_unless_asked_for(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        stored.chat_id = None  # signed in from the CLI, never talked to the bot
    reminder = await add_reminder(db, account, "jane", due_at=clock())
    async with db.begin() as session:
        assert await scan_due(session, now=clock()) == []
        found = await scan_due(session, now=clock(), with_chat_only=False)
    assert [item.reminder.id for item in found] == [reminder.id]


async def test_another_accounts_reminder_is_not_found(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    reminder = await add_reminder(db, account, "jane", due_at=clock())
    async with db.begin() as session:
        other = Account(name="other")
        session.add(other)
        await session.flush()
        with pytest.raises(ReminderNotFound):
            await snooze(session, reminder.id, account_id=other.id, now=clock())
        with pytest.raises(LookupError):
            await set_context(session, reminder.person_id, "hi", account_id=other.id)
