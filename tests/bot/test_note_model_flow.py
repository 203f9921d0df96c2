"""The owner's language model in the running bot: the reminder job asks it, the card shows its draft.

Real HTTP on both sides: the fake Bot API and the fake chat-completions endpoint on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db.models import Account, Action, Reminder, ReminderState
from bot.db.session import SessionFactory
from bot.services.clock import FrozenClock
from bot.settings import Settings
from tests.botapi import BotApiServer
from tests.fakes.note_model import FakeNoteModel, Reply
from tests.fixtures.botapi import OWNER, run_job, running_bot, wait_until
from tests.services.test_reminders import add_reminder

GOOD = "Hi Jane, your data engineering work at Acme caught my eye, and I would be glad to connect."


@pytest.fixture
def endpoint() -> Iterator[FakeNoteModel]:
    server = FakeNoteModel().start()
    yield server
    server.stop()


async def test_the_reminder_card_carries_the_models_draft_and_nothing_is_sent_untapped(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    owned: Account,
    endpoint: FakeNoteModel,
    clock: FrozenClock,
) -> None:
    await add_reminder(db, owned, "jane-doe", due_at=clock() - timedelta(minutes=1))
    endpoint.script(Reply(content=GOOD))
    with_model = settings.model_copy(
        update={"note_model_url": endpoint.url, "note_model_name": "llama3.2:3b"}
    )

    async with running_bot(with_model, clock=clock) as app:
        await run_job(app, "due-reminders")
        card = await wait_until(
            lambda: next((m for m in botapi.bot_messages(OWNER) if GOOD in (m.text or "")), None),
            what="the reminder card with the model's draft",
        )
    assert "Drafted by your language model" in (card.text or "")
    assert endpoint.received[0].body["model"] == "llama3.2:3b"
    async with db() as session:
        reminder = await session.scalar(select(Reminder))
        assert reminder is not None
        assert (reminder.state, reminder.draft_note, reminder.model_verdict) == (
            ReminderState.SENT,
            GOOD,
            "ok",
        )
        assert await session.scalar(select(Action)) is None  # no invitation without a tap


async def test_without_an_answer_the_card_has_the_templates_draft_and_says_why(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    owned: Account,
    endpoint: FakeNoteModel,
    clock: FrozenClock,
) -> None:
    await add_reminder(db, owned, "jane-doe", due_at=clock() - timedelta(minutes=1))
    endpoint.script(Reply(status=500))
    with_model = settings.model_copy(update={"note_model_url": endpoint.url, "note_model_name": "m"})

    async with running_bot(with_model, clock=clock) as app:
        await run_job(app, "due-reminders")
        card = await wait_until(
            lambda: next((m for m in botapi.bot_messages(OWNER) if "Drafted from" in (m.text or "")), None),
            what="the reminder card",
        )
    assert "Drafted from the templates: model unavailable." in (card.text or "")
    async with db() as session:
        reminder = await session.scalar(select(Reminder))
    assert reminder is not None and reminder.draft_note and reminder.draft_note in (card.text or "")


async def test_note_asks_the_model_as_the_reminder_does(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    owned: Account,
    endpoint: FakeNoteModel,
    clock: FrozenClock,
) -> None:
    await add_reminder(db, owned, "jane-doe", due_at=clock() + timedelta(days=5))  # not due: /note only
    endpoint.script(Reply(content=GOOD), Reply(content="Hi Jane, remember Contoso?"))
    with_model = settings.model_copy(update={"note_model_url": endpoint.url, "note_model_name": "m"})

    async with running_bot(with_model, clock=clock):
        botapi.send_text(OWNER, "/note Jane Doe")
        drafted = await wait_until(
            lambda: next((m for m in botapi.bot_messages(OWNER) if GOOD in (m.text or "")), None),
            what="/note with the model's draft",
        )
        assert "Drafted by your language model" in (drafted.text or "")
        botapi.send_text(OWNER, "/note Jane Doe")
        refused = await wait_until(
            lambda: next((m for m in botapi.bot_messages(OWNER) if "(invented)" in (m.text or "")), None),
            what="/note with the templates' draft",
        )
    assert GOOD not in (refused.text or "") and "A note for Jane Doe" in (refused.text or "")
    assert len(endpoint.received) == 2
