"""Stopping the bot mid-batch ends after the action in hand: the rest stays queued, nothing RUNNING."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.models import Account, Action, ActionState
from bot.db.session import SessionFactory
from bot.delivery.worker import process_actions
from bot.services.clock import FrozenClock
from bot.services.linkedin import ClientProvider
from bot.services.secrets import SessionVault
from bot.services.sync import sync_account
from bot.settings import Settings
from sandbox import SandboxServer
from tests.bot.conftest import ClientFactory
from tests.botapi import BotApiServer, ChatMessage
from tests.fixtures.botapi import OWNER, running_bot, wait_until


def _offer(botapi: BotApiServer) -> ChatMessage | None:
    return next(
        (m for m in botapi.bot_messages(OWNER) if any(t.startswith("Yes, withdraw") for t in m.button_texts)),
        None,
    )


async def test_stop_during_a_batch_leaves_the_rest_queued(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    signed_in: Account,
    sandbox: SandboxServer,
    sandbox_clients: ClientFactory,
    clock: FrozenClock,
) -> None:
    provider = ClientProvider(db, SessionVault.from_settings(settings), sandbox_clients, clock)
    async with provider.open(signed_in) as client:
        await sync_account(db, client, signed_in.id, clock)

    async with running_bot(settings, linkedin_client_factory=sandbox_clients, clock=clock) as app:
        botapi.send_text(OWNER, "/withdraw 365")
        offer = await wait_until(lambda: _offer(botapi), what="the bulk offer")
        botapi.tap(
            OWNER, next(t for t in offer.button_texts if t.startswith("Yes")), message_id=offer.message_id
        )
        await wait_until(
            lambda: "Queued" in (botapi.message(OWNER, offer.message_id).text or ""), what="queued"
        )
        clock.advance(timedelta(seconds=11))
        assert app.job_queue is not None
        app.job_queue.run_once(process_actions, 0)
        await wait_until(
            lambda: "Withdrawing 1/" in (botapi.message(OWNER, offer.message_id).text or ""),
            what="the first one",
        )
    # `running_bot` has stopped the application: it waited for the worker's current action only.

    async with db() as session:
        states = (await session.scalars(select(Action.state))).all()
    assert ActionState.RUNNING not in states
    assert 1 <= states.count(ActionState.DONE) < len(states)
    assert states.count(ActionState.QUEUED) == len(states) - states.count(ActionState.DONE)
    assert len(sandbox.state.withdrawn_slugs()) == states.count(ActionState.DONE)
