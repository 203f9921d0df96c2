"""The model at the reminder: it redrafts what the scan drafted, once, outside a transaction."""

from __future__ import annotations

import asyncio
import html
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.models import Account, Invitation, Person, Reminder
from bot.db.session import SessionFactory
from bot.rendering import Renderer
from bot.services.clock import FrozenClock
from bot.services.note_model import NoteModelConfig, note_for_person, redraft_with_model
from bot.services.note_templates import TemplateStore
from bot.services.notes import NoteQuota, draft_note_for
from bot.services.reminders import DueReminder, scan_due, set_draft
from bot.views.reminders import reminder_card
from tests.fakes.note_model import FakeNoteModel, Reply
from tests.services.test_reminders import add_reminder

GOOD = "Hi Jane, your data engineering work at Acme caught my eye, and I'd be glad to connect."
QUOTA = NoteQuota(remaining=5, sent_this_month=0, from_page=False)


@pytest.fixture
def endpoint() -> Iterator[FakeNoteModel]:
    server = FakeNoteModel().start()
    yield server
    server.stop()


async def scanned(db: SessionFactory, clock: FrozenClock) -> DueReminder:
    async with db.begin() as session:
        [due] = await scan_due(session, now=clock())
    return due


async def stored(db: SessionFactory, reminder_id: int) -> Reminder:
    async with db() as session:
        return await session.get_one(Reminder, reminder_id)


async def test_the_models_draft_replaces_the_scans_once_and_the_card_says_so(
    db: SessionFactory, account: Account, clock: FrozenClock, endpoint: FakeNoteModel
) -> None:
    reminder = await add_reminder(db, account, "jane-doe", due_at=clock() - timedelta(minutes=1))
    endpoint.script(Reply(content=GOOD))
    config = NoteModelConfig(url=endpoint.url, name="m", timeout=5.0)
    render = Renderer()

    due = await redraft_with_model(db, config, render, await scanned(db, clock))
    drafted = await stored(db, reminder.id)
    assert (drafted.draft_note, drafted.model_verdict, drafted.model_verdict_detail) == (GOOD, "ok", None)
    assert drafted.draft_template is None  # the model's words: no template to credit
    assert due.reminder.draft_note == GOOD
    card = reminder_card(render, due.account, due.reminder, due.person, QUOTA)
    assert f"<blockquote>{GOOD}</blockquote>" in html.unescape(card.text)
    assert "Drafted by your language model" in card.text

    again = await scanned(db, clock)  # not sent yet: the next scan keeps the draft
    assert not again.drafted and again.reminder.draft_note == GOOD
    assert await redraft_with_model(db, config, render, again) == again
    assert len(endpoint.received) == 1  # asked once


async def test_a_refused_draft_leaves_the_templates_draft_and_the_reason_on_the_card(
    db: SessionFactory, account: Account, clock: FrozenClock, endpoint: FakeNoteModel
) -> None:
    reminder = await add_reminder(db, account, "jane-doe", due_at=clock() - timedelta(minutes=1))
    endpoint.script(Reply(content="Hi Jane, I'd love to hear about your years at Contoso Labs."))
    config = NoteModelConfig(url=endpoint.url, name="m", timeout=5.0)
    render = Renderer()
    due = await redraft_with_model(db, config, render, await scanned(db, clock))

    assert due.reminder.draft_note == draft_note_for(due.person, account.plan).text
    assert (due.reminder.model_verdict, due.reminder.model_verdict_detail) == ("invented", "Contoso")
    assert due.reminder.draft_template is not None  # the templates' draft keeps its credit
    card = reminder_card(render, due.account, due.reminder, due.person, QUOTA)
    reason = "model's draft failed a check: mentions what the profile does not say (Contoso)"
    assert f"Drafted from the templates: {reason}." in card.text

    # The owner's own words are nobody's draft: the line goes.
    async with db.begin() as session:
        await set_draft(session, reminder.id, "Hi Jane, good to see you again.", account_id=account.id)
    edited = await stored(db, reminder.id)
    assert edited.model_verdict is None
    after_note = reminder_card(render, account, edited, due.person, QUOTA).text.split("</blockquote>")[-1]
    assert "Drafted" not in after_note


async def test_an_unreachable_model_says_so_in_the_owners_language(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    server = FakeNoteModel().start()
    url = server.url
    server.stop()
    async with db.begin() as session:
        (await session.get_one(Account, account.id)).language = "nl"
    await add_reminder(db, account, "jane-doe", due_at=clock() - timedelta(minutes=1))
    config = NoteModelConfig(url=url, name="m", timeout=2.0)
    due = await redraft_with_model(db, config, Renderer(), await scanned(db, clock))
    assert due.reminder.model_verdict == "unavailable"
    card = reminder_card(Renderer(), due.account, due.reminder, due.person, QUOTA)
    assert "Opgesteld uit de sjablonen: model niet bereikbaar." in card.text


async def test_an_edit_made_meanwhile_is_not_overwritten(
    db: SessionFactory, account: Account, clock: FrozenClock, endpoint: FakeNoteModel
) -> None:
    reminder = await add_reminder(db, account, "jane-doe", due_at=clock() - timedelta(minutes=1))
    release = threading.Event()
    endpoint.script(Reply(content=GOOD, hold=release))
    config = NoteModelConfig(url=endpoint.url, name="m", timeout=15.0)
    drafting = asyncio.create_task(redraft_with_model(db, config, Renderer(), await scanned(db, clock)))
    assert await asyncio.to_thread(endpoint.asked.wait, 10)
    async with db.begin() as session:  # the owner edits while the model is still writing
        await set_draft(session, reminder.id, "Hi Jane, my own words.", account_id=account.id)
    release.set()
    due = await drafting
    assert (due.reminder.draft_note, due.reminder.model_verdict) == ("Hi Jane, my own words.", None)
    async with db() as session:
        assert (await session.scalar(select(Reminder.draft_note))) == "Hi Jane, my own words."


async def test_what_the_model_wrote_reaches_the_card_escaped(
    db: SessionFactory, account: Account, clock: FrozenClock, endpoint: FakeNoteModel
) -> None:
    await add_reminder(db, account, "jane-doe", due_at=clock() - timedelta(minutes=1))
    endpoint.script(Reply(content="Hi <b>Jane</b>, let's connect."))
    config = NoteModelConfig(url=endpoint.url, name="m")
    due = await redraft_with_model(db, config, Renderer(), await scanned(db, clock))
    card = reminder_card(Renderer(), due.account, due.reminder, due.person, QUOTA)
    assert "contains a placeholder (&lt;b&gt;)" in card.text


# --- one drafting path for the reminder, /note, `note draft` and the demo ------------------------


OWN = "{# when: original_note #}\nHi {{ first_name }}, {{ days_since_withdrawal }} days on: still keen?"
SLUG = "jane-doe-6"  # its rendezvous hash picks the owner's template of four untried (notes.draft_note)


async def test_a_refused_model_keeps_the_scans_draft_whatever_template_wrote_it(
    db: SessionFactory, account: Account, clock: FrozenClock, endpoint: FakeNoteModel, tmp_path: Path
) -> None:
    await add_reminder(db, account, SLUG, due_at=clock() - timedelta(minutes=1))
    own = TemplateStore(tmp_path).save("again", "Hi {{ first_name }}, shall we try again?", limit=200)
    async with db.begin() as session:
        [scanned_item] = await scan_due(session, now=clock(), owner_templates=[own])
    before = (scanned_item.reminder.draft_note, scanned_item.reminder.draft_template)
    assert before[1] == "own:again"
    endpoint.script(Reply(content="Hi Jane, remember Contoso?"))

    due = await redraft_with_model(db, NoteModelConfig(url=endpoint.url, name="m"), Renderer(), scanned_item)

    assert (due.reminder.draft_note, due.reminder.draft_template) == before
    assert due.reminder.model_verdict == "invented"


async def test_note_for_person_drafts_as_the_reminder_does_then_asks_the_model(
    db: SessionFactory, account: Account, clock: FrozenClock, endpoint: FakeNoteModel, tmp_path: Path
) -> None:
    reminder = await add_reminder(db, account, SLUG, due_at=clock() - timedelta(minutes=1))
    async with db.begin() as session:
        invitation = await session.get_one(Invitation, reminder.invitation_id)
        invitation.note_text = "Loved your talk at the meetup"
        person = await session.get_one(Person, reminder.person_id)
        stored_account = await session.get_one(Account, account.id)
    own = TemplateStore(tmp_path).save("again", OWN, limit=200)

    # Without a model: the owner's template with the withdrawn invitation's facts, as a reminder's.
    plain = await note_for_person(
        db, stored_account, person, None, Renderer(), now=clock(), owner_templates=[own]
    )
    assert plain.draft.template == "own:again" and plain.draft.text == "Hi Jane, 21 days on: still keen?"
    assert plain.verdict is None

    # With one: fed the stored context (the earlier note too); a refusal falls back to that same draft.
    endpoint.script(Reply(content=GOOD), Reply(content="Hi Jane, remember Contoso?"))
    config = NoteModelConfig(url=endpoint.url, name="m")
    modelled = await note_for_person(
        db, stored_account, person, config, Renderer(), now=clock(), owner_templates=[own]
    )
    assert (modelled.draft.text, modelled.verdict) == (GOOD, "ok")
    user_prompt = endpoint.received[0].body["messages"][1]["content"]
    assert "The earlier note: Loved your talk at the meetup" in user_prompt
    refused = await note_for_person(
        db, stored_account, person, config, Renderer(), now=clock(), owner_templates=[own]
    )
    assert (refused.draft, refused.verdict) == (plain.draft, "invented")
