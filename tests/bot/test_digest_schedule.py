"""The weekly digest goes out once per ISO week: at its hour, after a restart, never twice."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.models import Account, DigestSent
from bot.db.session import SessionFactory
from bot.services.clock import FrozenClock
from bot.settings import Settings
from tests.bot.seed import seed_pending
from tests.botapi import BotApiServer
from tests.fixtures.botapi import OWNER, run_job, running_bot, wait_until

DIGEST = "Your weekly invitation digest"


def _digests(botapi: BotApiServer) -> int:
    return sum(1 for m in botapi.bot_messages(OWNER) if (m.text or "").startswith(DIGEST))


async def test_digest_is_sent_once_per_week_across_scans_and_restarts(
    botapi: BotApiServer, settings: Settings, db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    # The account's digest is Monday 09:00 UTC; "now" is Tuesday 09:30: missed, so due at start-up.
    await seed_pending(db, account, clock(), [10, 45, 75, 120, 200])
    async with running_bot(settings, clock=clock) as app:
        await wait_until(lambda: _digests(botapi) == 1, what="the missed digest at start-up")
        await wait_until(lambda: len(botapi.bot_messages(OWNER)) >= 4, what="its cards")
        await run_job(app, "weekly-digest")
        summary = next(m for m in botapi.bot_messages(OWNER) if (m.text or "").startswith(DIGEST))
        assert "5 / 500 pending" in (summary.text or "")
        assert summary.button_texts == ["Withdraw all ≥ 90 days (2)"]
        cards = [m for m in botapi.bot_messages(OWNER) if m.button_texts == ["Withdraw", "Keep"]]
        assert [c.text.splitlines()[0] for c in cards if c.text] == ["Person P4 · Engineer at Example"] + [
            "Person P3 · Engineer at Example",
            "Person P2 · Engineer at Example",
        ]

    async with running_bot(settings, clock=clock) as app:
        await run_job(app, "weekly-digest")
        botapi.send_text(OWNER, "/help")  # a barrier: the digest task would have started by now
        await wait_until(
            lambda: any("What I can do" in (m.text or "") for m in botapi.bot_messages(OWNER)), what="help"
        )
        assert _digests(botapi) == 1

        clock.advance(timedelta(days=6))  # next Monday 09:30: the new week's digest is due
        await run_job(app, "weekly-digest")
        await wait_until(lambda: _digests(botapi) == 2, what="next week's digest")

    async with db() as session:
        weeks = (await session.scalars(select(DigestSent.iso_week).order_by(DigestSent.id))).all()
    assert weeks == ["2026-W48", "2026-W49"]
