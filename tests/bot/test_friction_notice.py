"""LinkedIn friction met by queued work: browser work pauses, the owner is told once, the queue waits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db.models import Account, Action, ActionState
from bot.db.session import SessionFactory
from bot.rendering import Renderer
from bot.services.actions import request_withdrawal
from bot.services.session_health import PauseCause, PauseNotice
from bot.settings import Settings
from sandbox import SandboxServer
from tests.bot.conftest import ClientFactory
from tests.bot.seed import seed_pending
from tests.botapi import BotApiServer
from tests.fixtures.botapi import OWNER, running_bot, wait_until
from tests.fixtures.store import FIXED_NOW

CHECKPOINT = "LinkedIn stopped me at a security checkpoint"
DIGEST = "Your weekly invitation digest"


def _count(botapi: BotApiServer, fragment: str) -> int:
    return sum(fragment in (m.text or "") for m in botapi.bot_messages(OWNER))


async def test_a_checkpoint_pauses_the_queue_and_is_told_once(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    signed_in: Account,
    sandbox: SandboxServer,
    fake_clients: ClientFactory,
) -> None:
    invitations = await seed_pending(db, signed_in, FIXED_NOW, [120, 110, 100])
    for invitation in invitations:
        await request_withdrawal(db, signed_in.id, invitation.id, now=FIXED_NOW - timedelta(minutes=5))
    sandbox.set_faults(friction="checkpoint")

    async with running_bot(settings, linkedin_client_factory=fake_clients):
        await wait_until(lambda: _count(botapi, CHECKPOINT) == 1, within=30, what="the checkpoint notice")
        botapi.send_text(OWNER, "/digest")  # would sync, but the account is paused: no second notice
        await wait_until(lambda: _count(botapi, DIGEST) == 1, within=30, what="the digest")

    assert _count(botapi, CHECKPOINT) == 1
    notice = next(m.text or "" for m in botapi.bot_messages(OWNER) if CHECKPOINT in (m.text or ""))
    assert "/login" in notice and "nothing queued is lost" in notice
    async with db() as session:
        account = await session.get_one(Account, signed_in.id)
        actions = (await session.scalars(select(Action).order_by(Action.id))).all()
    assert (account.paused, account.paused_reason) == (True, PauseCause.CHECKPOINT)
    assert [(a.state, a.attempts) for a in actions] == [(ActionState.QUEUED, 0)] * 3
    assert sandbox.state.withdrawn_slugs() == []


@pytest.mark.parametrize("language", ["en", "nl"])
def test_every_pause_cause_tells_the_owner_what_to_do(language: str) -> None:
    renderer = Renderer()
    fallback = renderer.telegram("control/paused_by_error", language, notice=None, error="Mystery").strip()
    texts = {
        cause: renderer.telegram(
            "control/paused_by_error", language, notice=PauseNotice(cause, language="it"), error="X"
        ).strip()
        for cause in PauseCause
        if cause not in (PauseCause.OWNER, PauseCause.LINKEDIN)
    }
    assert all(text and text != fallback for text in texts.values())
    assert len(set(texts.values())) == len(texts), "each cause has its own advice"
    unsupported = texts[PauseCause.UNSUPPORTED_LANGUAGE]
    assert "(it)" in unsupported
    assert all(name in unsupported for name in ("English", "Deutsch", "Nederlands", "Français", "Español"))
