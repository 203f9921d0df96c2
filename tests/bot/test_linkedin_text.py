"""Names full of terminal escape sequences reach Telegram as plain text."""

from __future__ import annotations

import re

from bot.db.models import Account
from bot.services.clock import FrozenClock
from bot.settings import Settings
from sandbox import SandboxServer
from tests.bot.conftest import ClientFactory
from tests.botapi import BotApiServer
from tests.fixtures.botapi import OWNER, running_bot, wait_until
from tests.fixtures.sandbox import assert_printable, seed_hostile_names


async def test_the_digest_shows_hostile_names_as_plain_text(
    botapi: BotApiServer,
    settings: Settings,
    signed_in: Account,
    sandbox: SandboxServer,
    sandbox_clients: ClientFactory,
    clock: FrozenClock,
) -> None:
    seed_hostile_names(sandbox, sandbox.state.pill_count())  # everyone: whoever the cards show

    async with running_bot(settings, linkedin_client_factory=sandbox_clients, clock=clock):
        botapi.send_text(OWNER, "/digest")

        def cards() -> list[str]:
            """The card texts, once the digest's last message (the "Showing …" footer) is there."""
            messages = botapi.bot_messages(OWNER)
            if not any((m.text or "").startswith("Showing ") for m in messages):
                return []
            return [m.text or "" for m in messages if m.button_texts == ["Withdraw", "Keep"]]

        shown = await wait_until(cards, within=60, what="the digest's cards")

    assert len(shown) == 5
    for card in shown:
        assert re.match(r"Ana\d+ Red · Head of People\nSent .*, with a note\.$", card), card
    for message in botapi.bot_messages(OWNER):
        assert_printable(message.text or "")
        assert_printable(message.html or "")
