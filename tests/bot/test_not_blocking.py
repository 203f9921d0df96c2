"""Browser work runs beside the chat: a slow sync does not hold up other commands or taps."""

from __future__ import annotations

from bot.db.models import Account
from bot.settings import Settings
from sandbox import SandboxServer
from tests.bot.conftest import ClientFactory
from tests.botapi import BotApiServer
from tests.fixtures.botapi import OWNER, running_bot, wait_until


def _index(botapi: BotApiServer, fragment: str) -> int | None:
    texts = [m.text or "" for m in botapi.bot_messages(OWNER)]
    return next((i for i, t in enumerate(texts) if fragment in t), None)


async def test_commands_are_answered_while_a_slow_sync_runs(
    botapi: BotApiServer,
    settings: Settings,
    signed_in: Account,
    sandbox: SandboxServer,
    fake_clients: ClientFactory,
) -> None:
    sandbox.set_faults(delay_ms=1500)  # every sandbox page is slow
    async with running_bot(settings, linkedin_client_factory=fake_clients):
        botapi.send_text(OWNER, "/digest")
        botapi.send_text(OWNER, "/help")
        botapi.send_text(OWNER, "/settings")
        await wait_until(
            lambda: _index(botapi, "weekly invitation digest") is not None, within=60, what="digest"
        )
    help_at, settings_at = _index(botapi, "What I can do"), _index(botapi, "Settings")
    digest_at = _index(botapi, "weekly invitation digest")
    assert help_at is not None and settings_at is not None and digest_at is not None
    assert help_at < digest_at and settings_at < digest_at
