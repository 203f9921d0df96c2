"""An expired LinkedIn session pauses browser work and the owner is told once, not per job."""

from __future__ import annotations

from bot.db.models import Account, SessionStatus
from bot.db.session import SessionFactory
from bot.settings import Settings
from sandbox import SandboxServer
from tests.bot.conftest import ClientFactory
from tests.botapi import BotApiServer
from tests.fixtures.botapi import OWNER, running_bot, wait_until

EXPIRED = "Your LinkedIn session has expired"
DIGEST = "Your weekly invitation digest"


def _count(botapi: BotApiServer, fragment: str) -> int:
    return sum(fragment in (m.text or "") for m in botapi.bot_messages(OWNER))


async def test_expired_session_pauses_and_is_told_once(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    signed_in: Account,
    sandbox: SandboxServer,
    fake_clients: ClientFactory,
) -> None:
    sandbox.set_faults(expire_sessions=True)
    async with running_bot(settings, linkedin_client_factory=fake_clients):
        botapi.send_text(OWNER, "/digest")
        await wait_until(lambda: _count(botapi, DIGEST) == 1, within=30, what="the first digest")
        await wait_until(lambda: _count(botapi, EXPIRED) == 1, what="the notice")
        botapi.send_text(OWNER, "/digest")
        await wait_until(lambda: _count(botapi, DIGEST) == 2, within=30, what="the second digest")
        botapi.send_text(OWNER, "/status")
        await wait_until(lambda: _count(botapi, "LinkedIn session: expired"), what="the status")

    assert _count(botapi, EXPIRED) == 1
    digests = [m.text or "" for m in botapi.bot_messages(OWNER) if DIGEST in (m.text or "")]
    assert "LinkedIn could not be read just now" in digests[0]
    async with db() as session:
        account = await session.get_one(Account, signed_in.id)
    assert account.session_status is SessionStatus.EXPIRED and account.paused
