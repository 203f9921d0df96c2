"""After the cooldown: the reminder with a drafted note, note editing, and the invite in Chromium."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from automation.types import ProfileContext
from bot.db.models import Account, Invitation, InvitationState, Person, Reminder, ReminderState
from bot.db.session import SessionFactory
from bot.services import actions
from bot.services.clock import FrozenClock
from bot.services.linkedin import ClientProvider
from bot.services.notes import note_length
from bot.services.secrets import SessionVault
from bot.services.sync import sync_account
from bot.settings import Settings
from sandbox import SandboxServer
from tests.automation.test_profile_context import expected_context
from tests.bot.conftest import ClientFactory
from tests.bot.test_reminder_context import without_isolates
from tests.botapi import BotApiServer, ChatMessage
from tests.fixtures.botapi import OWNER, run_job, running_bot, wait_until

FREE_LIMIT = 200


async def _withdraw_oldest(
    db: SessionFactory, settings: Settings, account: Account, clients: ClientFactory, clock: FrozenClock
) -> Person:
    """Set-up through the services: sync the sandbox, then withdraw its oldest invitation."""
    provider = ClientProvider(db, SessionVault.from_settings(settings), clients, clock)
    async with provider.open(account) as client:
        await sync_account(db, client, account.id, clock)
    async with db() as session:
        oldest = await session.scalar(
            select(Invitation).where(Invitation.account_id == account.id).order_by(Invitation.sent_at_latest)
        )
        assert oldest is not None
        person = await session.get_one(Person, oldest.person_id)
    await actions.request_withdrawal(db, account.id, oldest.id, now=clock(), undo_window=timedelta(0))
    outcomes = await actions.run_due_actions(db, provider, clock)
    assert [o.result for o in outcomes] == [actions.Result.WITHDRAWN]
    return person


async def test_reminder_after_the_cooldown_with_an_edited_note_sends_the_invite(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    signed_in: Account,
    sandbox: SandboxServer,
    sandbox_clients: ClientFactory,
    clock: FrozenClock,
) -> None:
    person = await _withdraw_oldest(db, settings, signed_in, sandbox_clients, clock)
    assert sandbox.state.profile_state(person.slug) == "blocked"

    async with running_bot(settings, linkedin_client_factory=sandbox_clients, clock=clock) as app:
        await run_job(app, "due-reminders")
        assert botapi.bot_messages(OWNER) == []  # still inside the cooldown

        clock.advance(timedelta(days=21, minutes=5))
        sandbox.advance_clock(timedelta(days=21, minutes=5))
        await run_job(app, "due-reminders")
        reminder = await wait_until(
            lambda: _with_button(botapi, "Send invite with this note"), what="reminder"
        )
        body = reminder.text or ""
        assert f"You can invite {person.name} again." in body
        assert "blocks re-inviting someone for about 3 weeks" in body
        assert "Notes left this month: 5" in body
        # The person's profile was read in Chromium just before, with the owner's as the viewer.
        owner = expected_context(sandbox, sandbox.state.owner().slug)
        expected = expected_context(sandbox, person.slug).shared_with(owner)
        async with db() as session:
            read = await session.get_one(Person, person.id)
        assert ProfileContext.from_dict(read.profile_context or {}) == expected
        assert read.profile_read_at is not None
        for shown in (expected.role, expected.company, expected.location):
            assert shown is None or shown in without_isolates(body)
        async with db() as session:
            stored = await session.scalar(select(Reminder))
        assert stored is not None and stored.state is ReminderState.SENT and stored.draft_note
        assert stored.draft_note in body and note_length(stored.draft_note) <= FREE_LIMIT
        assert f"{note_length(stored.draft_note)}/{FREE_LIMIT} characters" in body
        assert reminder.button_texts == [
            "Send invite with this note",
            "Edit note",
            "Add context",
            "Snooze 1 week",
            "Not now",
        ]

        botapi.tap(OWNER, "Add context", message_id=reminder.message_id)
        await wait_until(lambda: _with_text(botapi, "What do you know about"), what="the context question")
        botapi.send_text(OWNER, "we met at Denver Tech Conference")
        await wait_until(lambda: botapi.message(OWNER, reminder.message_id).edits == 1, what="the redraft")
        redrafted = botapi.message(OWNER, reminder.message_id).text or ""
        assert redrafted.startswith("Context saved; the note is redrafted.")
        assert "You noted: we met at Denver Tech Conference" in redrafted
        assert "Leila. We met at Denver Tech Conference — it would be great" in redrafted

        botapi.tap(OWNER, "Edit note", message_id=reminder.message_id)
        await wait_until(lambda: _with_text(botapi, "Send me the note"), what="the question")
        botapi.send_text(OWNER, "x" * 250)
        problem = await wait_until(lambda: _with_text(botapi, "can't be sent"), what="the refusal")
        assert "250/200 characters" in (problem.text or "")
        assert botapi.message(OWNER, reminder.message_id).edits == 1  # the refused note changed nothing

        note = f"Hi {person.name.split()[0]}, glad our paths crossed again. Shall we connect?"
        botapi.send_text(OWNER, note)
        await wait_until(lambda: botapi.message(OWNER, reminder.message_id).edits == 2, what="the new note")
        shown = botapi.message(OWNER, reminder.message_id).text or ""
        assert shown.startswith("Note updated.") and note in shown

        def shown() -> ChatMessage:
            return botapi.message(OWNER, reminder.message_id)

        botapi.tap(OWNER, "Send invite with this note", message_id=reminder.message_id)
        await wait_until(lambda: shown().button_texts == ["Undo"], what="undo")
        botapi.tap(OWNER, "Undo", message_id=reminder.message_id)
        await wait_until(
            lambda: (shown().text or "").startswith("Undone: no invitation"), what="the card again"
        )
        assert note in (shown().text or "") and "Send invite with this note" in shown().button_texts
        botapi.tap(OWNER, "Send invite with this note", message_id=reminder.message_id)
        await wait_until(lambda: shown().button_texts == ["Undo"], what="undo")
        clock.advance(timedelta(seconds=11))
        await run_job(app, "action-worker")
        await wait_until(
            lambda: "Invitation sent" in (botapi.message(OWNER, reminder.message_id).text or ""),
            what="the outcome",
        )
        assert "with your note" in (botapi.message(OWNER, reminder.message_id).text or "")

    assert sandbox.state.is_pending(person.slug)
    invitation = sandbox.state.invitation(person.slug)
    assert invitation is not None and invitation.note == note
    async with db() as session:
        assert (await session.scalar(select(Reminder.state))) is ReminderState.DONE
        pending = await session.scalar(
            select(Invitation).where(
                Invitation.person_id == person.id, Invitation.state == InvitationState.PENDING
            )
        )
        assert pending is not None and pending.had_note and pending.sent_by_us


def _with_button(botapi: BotApiServer, label: str) -> ChatMessage | None:
    return next((m for m in botapi.bot_messages(OWNER) if label in m.button_texts), None)


def _with_text(botapi: BotApiServer, fragment: str) -> ChatMessage | None:
    return next((m for m in botapi.bot_messages(OWNER) if fragment in (m.text or "")), None)
