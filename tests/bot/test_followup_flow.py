"""Follow-up after acceptance, in the chat: the card comes on its date, and [Edit], [Send], [Done],
[Later] do what they say once; forged, foreign and stale taps change nothing.

The bot runs over real HTTP against the local Bot API server; LinkedIn is the in-memory fake
(the messaging page itself is tested in Chromium in tests/automation/test_messaging.py).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.models import Account, Action, ActionState, Followup, FollowupState, Person
from bot.db.session import SessionFactory
from bot.services.actions.transitions import claim
from bot.services.clock import FrozenClock
from bot.services.linkedin import ClientProvider
from bot.services.secrets import SessionVault
from bot.services.sync import sync_account
from bot.settings import Settings
from sandbox import SandboxServer
from tests.bot.conftest import ClientFactory
from tests.botapi import BotApiServer, ChatMessage
from tests.fixtures.botapi import OWNER, STRANGER, run_job, running_bot, wait_until

INVALID = "This button is no longer valid. Nothing was changed."
CLOSED = "Already done: this follow-up was sent or closed."
BUTTONS = ["Send this message", "Edit", "Done", "Later (3 days)"]


async def _accepted(
    db: SessionFactory, settings: Settings, account: Account, clients: ClientFactory, sandbox: SandboxServer
) -> tuple[Person, FrozenClock]:
    """Sync, let the member of the 4th pending invitation accept, sync again: one follow-up is due later."""
    clock = FrozenClock(sandbox.state.now())
    provider = ClientProvider(db, SessionVault.from_settings(settings), clients, clock)
    async with provider.open(account) as client:
        await sync_account(db, client, account.id, clock)
        slug = sandbox.state.pending_slugs()[3]
        assert sandbox.state.accept(slug)
        report = await sync_account(db, client, account.id, clock)
    assert report.accepted == 1
    async with db() as session:
        person = await session.scalar(select(Person).where(Person.slug == slug))
    assert person is not None
    return person, clock


def _card(botapi: BotApiServer) -> ChatMessage | None:
    return next((m for m in botapi.bot_messages(OWNER) if m.button_texts == BUTTONS), None)


async def _followup(db: SessionFactory) -> Followup:
    async with db() as session:
        found = await session.scalar(select(Followup))
    assert found is not None
    return found


async def test_the_card_comes_on_its_date_and_send_sends_the_edited_message_once(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    signed_in: Account,
    sandbox: SandboxServer,
    fake_clients: ClientFactory,
) -> None:
    person, clock = await _accepted(db, settings, signed_in, fake_clients, sandbox)
    first = person.name.split()[0]

    async with running_bot(settings, linkedin_client_factory=fake_clients, clock=clock) as app:
        await run_job(app, "due-followups")
        assert _card(botapi) is None  # not at sync: on the follow-up date
        clock.advance(timedelta(days=3, minutes=1))
        await run_job(app, "due-followups")
        card = await wait_until(lambda: _card(botapi), what="the follow-up card")
        body = card.text or ""
        assert f"{person.name} accepted your invitation" in body
        drafted = (await _followup(db)).draft_message
        assert drafted and drafted in body and drafted.startswith(f"Hi {first},")
        await run_job(app, "due-followups")
        assert len([m for m in botapi.bot_messages(OWNER) if m.button_texts == BUTTONS]) == 1  # once

        botapi.tap(OWNER, "Edit", message_id=card.message_id)
        await wait_until(lambda: _with_text(botapi, "Send me the message for"), what="the question")
        botapi.send_text(OWNER, "x" * 601)
        await wait_until(lambda: _with_text(botapi, "Send a shorter version"), what="the refusal")
        assert botapi.message(OWNER, card.message_id).edits == 0
        mine = f"Hi {first}, thanks for connecting! How is the new quarter going?"
        botapi.send_text(OWNER, mine)
        await wait_until(lambda: botapi.message(OWNER, card.message_id).edits == 1, what="the redraw")
        assert mine in (botapi.message(OWNER, card.message_id).text or "")

        botapi.tap(OWNER, "Send this message", message_id=card.message_id)
        await wait_until(lambda: botapi.message(OWNER, card.message_id).button_texts == ["Undo"], what="undo")
        botapi.tap(OWNER, "Undo", message_id=card.message_id)
        await wait_until(
            lambda: botapi.message(OWNER, card.message_id).button_texts == BUTTONS, what="the card"
        )
        assert (botapi.message(OWNER, card.message_id).text or "").startswith("Undone: no message was sent.")
        botapi.tap(OWNER, "Send this message", message_id=card.message_id)
        await wait_until(lambda: botapi.message(OWNER, card.message_id).button_texts == ["Undo"], what="undo")
        assert sandbox.state.thread(person.slug) == []  # nothing before the undo window ends
        clock.advance(timedelta(seconds=11))
        await run_job(app, "action-worker")
        await wait_until(
            lambda: "Message sent to" in (botapi.message(OWNER, card.message_id).text or ""),
            what="the outcome",
        )
        # A replayed [Send] on the old card (Telegram clients resend taps) changes nothing.
        query = botapi.press(OWNER, card.message_id, f"fs:{(await _followup(db)).id}")
        await wait_until(lambda: botapi.answer(query).answered_at, what="the answer")
        assert botapi.answer(query).answer_text == CLOSED
        await run_job(app, "action-worker")

    assert sandbox.state.thread(person.slug) == [mine]
    followup = await _followup(db)
    assert followup.state is FollowupState.SENT and followup.message_sent_at == clock()


async def test_done_later_and_forged_or_foreign_taps(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    signed_in: Account,
    sandbox: SandboxServer,
    fake_clients: ClientFactory,
) -> None:
    person, clock = await _accepted(db, settings, signed_in, fake_clients, sandbox)
    clock.advance(timedelta(days=3, minutes=1))

    async with running_bot(settings, linkedin_client_factory=fake_clients, clock=clock) as app:
        await run_job(app, "due-followups")
        card = await wait_until(lambda: _card(botapi), what="the follow-up card")
        followup_id = (await _followup(db)).id

        async def press(data: str, user: int = OWNER) -> str | None:
            query = botapi.press(OWNER, card.message_id, data, user_id=user)
            await wait_until(lambda: botapi.answer(query).answered_at, what=f"the answer to {data!r}")
            return botapi.answer(query).answer_text

        assert await press(f"fd:{followup_id + 1000}") == INVALID
        assert await press(f"fd:{followup_id}", STRANGER) is not None
        assert (await _followup(db)).state is FollowupState.SHOWN

        botapi.tap(OWNER, "Later (3 days)", message_id=card.message_id)
        await wait_until(
            lambda: (botapi.message(OWNER, card.message_id).text or "").startswith("Later:"), what="later"
        )
        later = await _followup(db)
        assert later.state is FollowupState.DUE and later.due_at == clock() + timedelta(days=3)
        assert await press(f"fd:{followup_id}") == CLOSED  # the old card's buttons are spent

        clock.advance(timedelta(days=3))
        await run_job(app, "due-followups")
        again = await wait_until(
            lambda: next((m for m in botapi.bot_messages(OWNER) if m.button_texts == BUTTONS), None),
            what="the card again",
        )
        assert again.message_id != card.message_id
        botapi.tap(OWNER, "Done", message_id=again.message_id)
        await wait_until(
            lambda: (botapi.message(OWNER, again.message_id).text or "").startswith("Marked done"),
            what="done",
        )

    done = await _followup(db)
    assert done.state is FollowupState.DONE and done.message_sent_at is None
    assert sandbox.state.thread(person.slug) == []


async def _message_action(db: SessionFactory) -> Action:
    async with db() as session:
        found = await session.scalar(select(Action))
    assert found is not None
    return found


async def _press(botapi: BotApiServer, card: ChatMessage, data: str) -> str | None:
    """A tap on the card's own button that reaches the bot after it showed "Sending" (a client's replay)."""
    query = botapi.press(OWNER, card.message_id, data)
    await wait_until(lambda: botapi.answer(query).answered_at, what=f"the answer to {data!r}")
    return botapi.answer(query).answer_text


async def test_done_while_the_message_is_queued_cancels_it(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    signed_in: Account,
    sandbox: SandboxServer,
    fake_clients: ClientFactory,
) -> None:
    person, clock = await _accepted(db, settings, signed_in, fake_clients, sandbox)
    clock.advance(timedelta(days=3, minutes=1))

    async with running_bot(settings, linkedin_client_factory=fake_clients, clock=clock) as app:
        await run_job(app, "due-followups")
        card = await wait_until(lambda: _card(botapi), what="the follow-up card")
        botapi.tap(OWNER, "Send this message", message_id=card.message_id)
        await wait_until(lambda: botapi.message(OWNER, card.message_id).button_texts == ["Undo"], what="undo")
        assert (await _message_action(db)).state is ActionState.QUEUED

        assert await _press(botapi, card, f"fd:{(await _followup(db)).id}") is None
        await wait_until(
            lambda: (botapi.message(OWNER, card.message_id).text or "").startswith(
                f"Marked done: the queued message to {person.name} is cancelled"
            ),
            what="done",
        )
        clock.advance(timedelta(seconds=11))
        await run_job(app, "action-worker")

    followup = await _followup(db)
    assert followup.state is FollowupState.DONE and followup.message_sent_at is None
    cancelled = await _message_action(db)
    assert (cancelled.state, cancelled.active_key) == (ActionState.CANCELLED, None)
    assert sandbox.state.thread(person.slug) == []


async def test_done_while_the_message_is_being_sent_says_so_and_changes_nothing(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    signed_in: Account,
    sandbox: SandboxServer,
    fake_clients: ClientFactory,
) -> None:
    person, clock = await _accepted(db, settings, signed_in, fake_clients, sandbox)
    clock.advance(timedelta(days=3, minutes=1))

    async with running_bot(settings, linkedin_client_factory=fake_clients, clock=clock) as app:
        await run_job(app, "due-followups")
        card = await wait_until(lambda: _card(botapi), what="the follow-up card")
        botapi.tap(OWNER, "Send this message", message_id=card.message_id)
        await wait_until(lambda: botapi.message(OWNER, card.message_id).button_texts == ["Undo"], what="undo")
        async with db.begin() as session:  # a worker has taken it: the browser may be typing it
            assert await claim(
                session, await session.get_one(Action, (await _message_action(db)).id), clock()
            )

        answer = await _press(botapi, card, f"fd:{(await _followup(db)).id}")
        assert (
            answer
            == "Your message is being sent right now, so it cannot be marked done. Nothing was changed."
        )
        await run_job(app, "due-followups")

    followup = await _followup(db)
    assert followup.state is FollowupState.SHOWN and followup.done_at is None
    assert (await _message_action(db)).state is ActionState.RUNNING
    assert botapi.message(OWNER, card.message_id).button_texts == ["Undo"]
    assert sandbox.state.thread(person.slug) == []


def _with_text(botapi: BotApiServer, fragment: str) -> ChatMessage | None:
    return next((m for m in botapi.bot_messages(OWNER) if fragment in (m.text or "")), None)
