"""Keep-listing someone whose withdrawal waits in a bulk batch: the worker skips them and says so."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.models import Account, Action, ActionState, Person
from bot.db.session import SessionFactory
from bot.services.clock import FrozenClock
from bot.services.linkedin import ClientProvider
from bot.services.secrets import SessionVault
from bot.services.sync import sync_account
from bot.settings import Settings
from sandbox import SandboxServer
from tests.bot.conftest import ClientFactory
from tests.botapi import BotApiServer, ChatMessage
from tests.fixtures.botapi import OWNER, run_job, running_bot, wait_until


def _with_button(botapi: BotApiServer, prefix: str) -> ChatMessage | None:
    return next(
        (m for m in botapi.bot_messages(OWNER) if any(t.startswith(prefix) for t in m.button_texts)), None
    )


async def test_keep_during_a_bulk_batch_cancels_that_withdrawal_and_the_progress_says_so(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    signed_in: Account,
    sandbox: SandboxServer,
    fake_clients: ClientFactory,
    clock: FrozenClock,
) -> None:
    provider = ClientProvider(db, SessionVault.from_settings(settings), fake_clients, clock)
    async with provider.open(signed_in) as client:
        await sync_account(db, client, signed_in.id, clock)

    async with running_bot(settings, linkedin_client_factory=fake_clients, clock=clock) as app:
        botapi.send_text(OWNER, "/withdraw 365")
        offer = await wait_until(lambda: _with_button(botapi, "Yes, withdraw"), what="the bulk offer")
        (yes,) = [t for t in offer.button_texts if t.startswith("Yes, withdraw")]
        total = int(yes.removeprefix("Yes, withdraw "))
        assert total >= 3
        botapi.tap(OWNER, yes, message_id=offer.message_id)
        await wait_until(
            lambda: "Queued" in (botapi.message(OWNER, offer.message_id).text or ""), what="queued"
        )
        async with db() as session:
            batch = (
                await session.execute(
                    select(Action.id, Person.slug, Person.name)
                    .join(Person, Person.id == Action.person_id)
                    .order_by(Action.not_before, Action.id)
                )
            ).all()
        kept_id, kept_slug, kept_name = batch[1]

        # Within the undo window (the clock is frozen), the owner keeps one of them.
        botapi.send_text(OWNER, f"/keep {kept_name}")
        await wait_until(
            lambda: any(
                f"{kept_name} is on your keep list" in (m.text or "") for m in botapi.bot_messages(OWNER)
            ),
            what="the keep reply",
        )
        clock.advance(timedelta(seconds=11))
        await run_job(app, "action-worker")
        await wait_until(
            lambda: "Done:" in (botapi.message(OWNER, offer.message_id).text or ""),
            within=60,
            what="the batch",
        )

    final = botapi.message(OWNER, offer.message_id).text or ""
    assert f"Done: {total} withdrawals handled, 1 of them skipped because you keep-listed the person" in final
    edits = [
        call.params.get("text", "")
        for call in botapi.calls_of("editMessageText")
        if str(call.params.get("message_id")) == str(offer.message_id)
    ]
    assert any(f"skipped {kept_name}: on your keep list" in text for text in edits)
    assert kept_slug in sandbox.state.pending_slugs()
    assert sorted(sandbox.state.withdrawn_slugs()) == sorted(
        slug for _, slug, _ in batch if slug != kept_slug
    )
    async with db() as session:
        kept = await session.get_one(Action, kept_id)
    assert (kept.state, kept.error_kind) == (ActionState.CANCELLED, "Kept")
