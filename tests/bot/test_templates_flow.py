"""/templates over real HTTP: add (the text comes next), refusals that save nothing, show, remove."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.models import Account, InvitationState, Reminder
from bot.db.session import SessionFactory
from bot.services.clock import FrozenClock
from bot.services.note_templates import TemplateStore
from bot.settings import Settings
from tests.botapi import BotApiServer
from tests.fixtures.botapi import OWNER, run_job, running_bot, wait_until
from tests.services.test_note_records import closed_invitations
from tests.services.test_reminders import add_reminder


def _texts(botapi: BotApiServer) -> list[str]:
    return [m.text or "" for m in botapi.bot_messages(OWNER)]


async def _say(botapi: BotApiServer, text: str, expect: str) -> str:
    before = len(botapi.bot_messages(OWNER))
    botapi.send_text(OWNER, text)
    answer = await wait_until(
        lambda: next((t for t in _texts(botapi)[before:] if expect in t), None), what=expect
    )
    return answer


async def test_owner_adds_shows_and_removes_a_template(
    botapi: BotApiServer, settings: Settings, owned: Account, clock: FrozenClock
) -> None:
    store = TemplateStore.in_data_dir(settings.data_dir)
    async with running_bot(settings, clock=clock):
        assert "no note templates of your own" in await _say(botapi, "/templates", "templates")

        # hostile and broken texts: one clear error each, nothing saved
        refusals = {
            "{{ ''.__class__ }}": "may not touch",
            "Hi {{ first_name": "does not parse",
            "Hi {{ nickname }}": "nickname",
            "Hi {{ first_name }}, {{ about }} {{ about }} {{ about }}": "your plan allows 200",
        }
        for source, expect in refusals.items():
            await _say(botapi, "/templates add hostile", "Send the text of the template")
            answer = await _say(botapi, source, "Not saved")
            assert expect in answer and answer.count("Not saved") == 1
        assert store.names() == []
        assert "a template name uses" in await _say(botapi, "/templates add ../../etc", "Not saved")

        await _say(botapi, "/templates add met-at-event", "Send the text of the template")
        saved = await _say(
            botapi,
            "{# when: context #}\nHi {{ first_name }}, {{ context }}. Good to reconnect here.",
            "Saved the template",
        )
        assert "used when: context" in saved
        assert store.names() == ["met-at-event"]
        listed = await _say(botapi, "/templates", "Your note templates")
        assert "met-at-event" in listed and "not sent yet" in listed
        shown = await _say(botapi, "/templates show met-at-event", "met-at-event")
        assert "{# when: context #}" in shown and "Good to reconnect here." in shown
        assert "no template called" in await _say(botapi, "/templates show nope", "nope")

        question = await _say(botapi, "/templates remove met-at-event", "Remove the template")
        assert question
        botapi.tap(OWNER, "Keep it")
        await wait_until(lambda: "Kept the template." in _texts(botapi), what="kept")
        assert store.names() == ["met-at-event"]

        await _say(botapi, "/templates remove met-at-event", "Remove the template")
        botapi.tap(OWNER, "Yes, remove met-at-event")
        await wait_until(lambda: any("Removed the template" in t for t in _texts(botapi)), what="removed")
        assert store.names() == []


async def test_stats_caption_shows_each_templates_record(
    botapi: BotApiServer, settings: Settings, db: SessionFactory, owned: Account, clock: FrozenClock
) -> None:
    await closed_invitations(db, owned, "nl/work_2", InvitationState.ACCEPTED, 3)
    await closed_invitations(db, owned, "nl/work_2", InvitationState.WITHDRAWN, 1)
    await closed_invitations(db, owned, "own:met", InvitationState.WITHDRAWN, 2)
    async with running_bot(settings, clock=clock):
        botapi.send_text(OWNER, "/stats")
        chart = await wait_until(
            lambda: next((m for m in botapi.bot_messages(OWNER) if m.photo), None), within=30, what="chart"
        )
    caption = chart.caption or ""
    assert "Per note template (sent, accepted, rate with 95% interval):" in caption
    assert caption.index("nl/work_2: 4, 3, 75% (30–95%)") < caption.index("own:met: 2, 0, 0% (0–66%)")


async def test_the_reminder_card_names_its_template_and_record(
    botapi: BotApiServer, settings: Settings, db: SessionFactory, owned: Account, clock: FrozenClock
) -> None:
    TemplateStore.in_data_dir(settings.data_dir).save(
        "met", "{# when: context #}\nHi {{ first_name }}, {{ context }}. Good to reconnect.", limit=200
    )
    for key, accepted in (("context_1", 1), ("context_2", 2), ("context_3", 1), ("own:met", 8)):
        await closed_invitations(db, owned, key, InvitationState.ACCEPTED, accepted)
        await closed_invitations(db, owned, key, InvitationState.WITHDRAWN, 10 - accepted)
    await add_reminder(db, owned, "jane", due_at=clock() - timedelta(minutes=1), context="met at PyCon")
    async with running_bot(settings, clock=clock) as app:
        await run_job(app, "due-reminders")
        card = await wait_until(lambda: botapi.message_with_button(OWNER, "Edit note"), what="reminder")
    async with db() as session:
        reminder = await session.scalar(select(Reminder))
    assert reminder is not None and reminder.draft_template is not None and reminder.draft_note
    accepted = {"context_1": 1, "context_2": 2, "context_3": 1, "own:met": 8}[reminder.draft_template]
    assert reminder.draft_note in (card.text or "")
    assert f"Template {reminder.draft_template}: {accepted} of 10 accepted so far ({accepted * 10}%)." in (
        card.text or ""
    )
