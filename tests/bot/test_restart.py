"""A restart in the middle of a bulk withdrawal resumes it without doing anything twice."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.db.models import Account, Action, ActionState, Event, Invitation, InvitationState, Person
from bot.db.session import SessionFactory
from bot.services import actions
from bot.services.actions.transitions import holder_values
from bot.services.clock import FrozenClock
from bot.services.linkedin import ClientProvider
from bot.services.secrets import SessionVault
from bot.services.sync import sync_account
from bot.settings import Settings
from sandbox import SandboxServer
from tests.bot.conftest import ClientFactory
from tests.botapi import BotApiServer, ChatMessage
from tests.fixtures.botapi import OWNER, run_job, running_bot, wait_until
from tests.fixtures.store import killed_worker


def _with_button(botapi: BotApiServer, prefix: str) -> ChatMessage | None:
    return next(
        (m for m in botapi.bot_messages(OWNER) if any(t.startswith(prefix) for t in m.button_texts)), None
    )


async def test_restart_mid_batch_resumes_without_doubles(
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

    async with running_bot(settings, linkedin_client_factory=sandbox_clients, clock=clock):
        botapi.send_text(OWNER, "/withdraw 365")  # a handful in the small world
        offer = await wait_until(lambda: _with_button(botapi, "Yes, withdraw"), what="the bulk offer")
        (yes,) = [t for t in offer.button_texts if t.startswith("Yes, withdraw")]
        total = int(yes.removeprefix("Yes, withdraw "))
        assert total >= 4
        botapi.tap(OWNER, yes, message_id=offer.message_id)
        await wait_until(
            lambda: "Queued" in (botapi.message(OWNER, offer.message_id).text or ""), what="queued"
        )

    # The first bot is gone. A worker (the same code the bot runs) gets through part of the batch
    # and dies while withdrawing the next one: clicked in the browser, not yet recorded.
    clock.advance(timedelta(seconds=11))
    done = await actions.run_due_actions(db, provider, clock, limit=2)
    assert [o.result for o in done] == [actions.Result.WITHDRAWN] * 2
    async with db.begin() as session:
        interrupted = await session.scalar(
            select(Action)
            .where(Action.state == ActionState.QUEUED)
            .order_by(Action.not_before, Action.id)
            .limit(1)
        )
        assert interrupted is not None
        interrupted.state, interrupted.started_at, interrupted.attempts = ActionState.RUNNING, clock(), 1
        for column, value in holder_values(killed_worker()).items():
            setattr(interrupted, column, value)
        slug = (await session.get_one(Person, interrupted.person_id)).slug
    sandbox.state.withdraw(slug)

    async with running_bot(settings, linkedin_client_factory=sandbox_clients, clock=clock) as app:
        await run_job(app, "action-worker")
        await wait_until(
            lambda: "Done:" in (botapi.message(OWNER, offer.message_id).text or ""),
            within=60,
            what="the batch",
        )
        assert f"Done: {total} withdrawals handled" in (botapi.message(OWNER, offer.message_id).text or "")

    async with db() as session:
        states = (await session.scalars(select(Action.state))).all()
        withdrawn = await session.scalar(
            select(func.count()).select_from(Invitation).where(Invitation.state == InvitationState.WITHDRAWN)
        )
        events = await session.scalar(
            select(func.count()).select_from(Event).where(Event.kind == "invitation_withdrawn")
        )
        how = (await session.scalars(select(Event.detail).where(Event.action_id == interrupted.id))).all()
    assert states == [ActionState.DONE] * total
    assert withdrawn == events == total
    assert {"how": "recovered"} in [{"how": d.get("how")} for d in how]
    assert len(sandbox.state.withdrawn_slugs()) == total
