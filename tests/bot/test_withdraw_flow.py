"""Digest → [Withdraw] → confirmation → [Yes] → [Undo] → again → the worker withdraws in Chromium."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.models import Account, Action, ActionState, Invitation, InvitationState, Person
from bot.db.session import SessionFactory
from bot.services.clock import FrozenClock
from bot.settings import Settings
from sandbox import SandboxServer
from tests.bot.conftest import ClientFactory
from tests.botapi import BotApiServer, ChatMessage
from tests.fixtures.botapi import OWNER, run_job, running_bot, wait_until


async def test_digest_then_withdraw_with_undo_then_done_in_the_sandbox(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    signed_in: Account,
    sandbox: SandboxServer,
    sandbox_clients: ClientFactory,
    clock: FrozenClock,
) -> None:
    async with running_bot(settings, linkedin_client_factory=sandbox_clients, clock=clock) as app:
        botapi.send_text(OWNER, "/digest")
        summary = await wait_until(
            lambda: _with_text(botapi, "weekly invitation digest"), within=60, what="digest"
        )
        assert f"{sandbox.state.pill_count()} / 500 pending" in (summary.text or "")
        cards = await wait_until(
            lambda: [m for m in botapi.bot_messages(OWNER) if m.button_texts == ["Withdraw", "Keep"]],
            what="the cards",
        )
        card = cards[0]
        name = (card.text or "").split(" · ")[0].splitlines()[0]

        def shown() -> ChatMessage:
            return botapi.message(OWNER, card.message_id)

        async with db() as session:
            person = await session.scalar(select(Person).where(Person.name == name))
        assert person is not None and sandbox.state.is_pending(person.slug)

        query = botapi.tap(OWNER, "Withdraw", message_id=card.message_id)
        await wait_until(lambda: shown().edits == 1, what="the confirmation")
        confirmation = shown()
        assert (confirmation.text or "").startswith(f"Withdraw {name}, sent ")
        assert "You can re-invite" in (confirmation.text or "")
        assert confirmation.button_texts == ["Yes, withdraw", "No"]
        assert botapi.answer(query).answered_at is not None

        botapi.tap(OWNER, "Yes, withdraw", message_id=card.message_id)
        await wait_until(lambda: shown().button_texts == ["Undo"], what="[Undo]")
        botapi.tap(OWNER, "Undo", message_id=card.message_id)
        await wait_until(lambda: shown().button_texts == ["Withdraw", "Keep"], what="the card")
        async with db() as session:
            states = (await session.scalars(select(Action.state))).all()
        assert states == [ActionState.CANCELLED]

        botapi.tap(OWNER, "Withdraw", message_id=card.message_id)
        await wait_until(lambda: "Yes, withdraw" in shown().button_texts, what="confirm")
        botapi.tap(OWNER, "Yes, withdraw", message_id=card.message_id)
        await wait_until(lambda: shown().button_texts == ["Undo"], what="[Undo]")
        assert sandbox.state.is_pending(person.slug)  # nothing happens inside the undo window

        clock.advance(timedelta(seconds=11))
        await run_job(app, "action-worker")
        await wait_until(lambda: (shown().text or "").startswith("✅ Withdrawn"), what="the outcome")
        text = shown().text or ""
        assert f"Withdrawn: {name}." in text and "You can re-invite" in text and "15 Dec" in text
        assert shown().buttons == []

    assert not sandbox.state.is_pending(person.slug)
    assert person.slug in sandbox.state.withdrawn_slugs()
    async with db() as session:
        invitation = await session.scalar(select(Invitation).where(Invitation.person_id == person.id))
        assert invitation is not None and invitation.state is InvitationState.WITHDRAWN
        actions = (await session.scalars(select(Action.state).order_by(Action.id))).all()
    assert actions == [ActionState.CANCELLED, ActionState.DONE]


def _with_text(botapi: BotApiServer, fragment: str) -> ChatMessage | None:
    return next((m for m in botapi.bot_messages(OWNER) if fragment in (m.text or "")), None)
