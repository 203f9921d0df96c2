"""/pending pages, oldest first, and the digest's bulk button asks before queueing anything."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.db.models import Account, Action
from bot.db.session import SessionFactory
from bot.services.clock import FrozenClock
from bot.settings import Settings
from tests.bot.seed import seed_pending
from tests.botapi import BotApiServer, ChatMessage
from tests.fixtures.botapi import OWNER, running_bot, wait_until


def _cards(botapi: BotApiServer) -> list[ChatMessage]:
    return [m for m in botapi.bot_messages(OWNER) if m.button_texts == ["Withdraw", "Keep"]]


async def test_pending_pages_oldest_first(
    botapi: BotApiServer, settings: Settings, db: SessionFactory, owned: Account, clock: FrozenClock
) -> None:
    await seed_pending(db, owned, clock(), [5, 400, 30, 95, 61, 200, 12])
    async with running_bot(settings, clock=clock):
        botapi.send_text(OWNER, "/pending")
        footer = await wait_until(
            lambda: botapi.message_with_button(OWNER, "Show more (2 left)"), what="paging"
        )
        assert (botapi.bot_messages(OWNER)[0].text or "").startswith("7 pending")
        assert len(_cards(botapi)) == 5
        botapi.tap(OWNER, "Show more (2 left)")
        await wait_until(lambda: len(_cards(botapi)) == 7, what="the second page")
        assert botapi.message(OWNER, footer.message_id).buttons == []
    ages = [(c.text or "").split("Sent ")[1].split(" days")[0] for c in _cards(botapi)]
    assert ages == ["400", "200", "95", "61", "30", "12", "5"]


async def test_bulk_button_asks_first_and_no_queues_nothing(
    botapi: BotApiServer, settings: Settings, db: SessionFactory, owned: Account, clock: FrozenClock
) -> None:
    await seed_pending(db, owned, clock(), [100, 120, 30])
    async with running_bot(settings, clock=clock):
        botapi.send_text(OWNER, "/digest")
        await wait_until(
            lambda: botapi.message_with_button(OWNER, "Withdraw all ≥ 90 days (2)"), what="digest"
        )
        botapi.tap(OWNER, "Withdraw all ≥ 90 days (2)")
        offer = await wait_until(
            lambda: botapi.message_with_button(OWNER, "Yes, withdraw 2"), what="the offer"
        )
        assert "Withdraw all 2 pending invitations at least 90 days old?" in (offer.text or "")
        botapi.tap(OWNER, "No", message_id=offer.message_id)
        await wait_until(
            lambda: botapi.message(OWNER, offer.message_id).text == "OK, nothing was queued.", what="no"
        )
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Action)) == 0
