"""An expired LinkedIn session pauses browser work and the owner is told once, not per job."""

from __future__ import annotations

from bot.db.models import Account, SessionStatus
from bot.db.session import SessionFactory
from bot.services.clock import system_clock as clock
from bot.services.secrets import SessionVault
from bot.services.session_health import adopt_session
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


async def test_the_owners_pause_during_an_expired_session_outlasts_the_next_sign_in(
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
        await wait_until(lambda: _count(botapi, EXPIRED) == 1, within=30, what="the notice")

        botapi.send_text(OWNER, "/pause")
        await wait_until(lambda: _count(botapi, "Paused by you."), what="the reply to /pause")
        (reply,) = [m.text or "" for m in botapi.bot_messages(OWNER) if "Paused by you." in (m.text or "")]
        assert "Browser work was already paused: the LinkedIn session expired — /login." in reply
        assert "After you sign in again it stays paused until you send /resume" in reply

        sandbox.set_faults(expire_sessions=False)
        async with db.begin() as session:  # the owner signs in again (/login or `invitesweep login`)
            account = await session.get_one(Account, signed_in.id)
            vault = SessionVault.from_settings(settings)
            assert await adopt_session(session, account, vault, vault.load_session(account), clock()) is False
        botapi.send_text(OWNER, "/status")
        await wait_until(lambda: _count(botapi, "LinkedIn session: connected"), what="the status")
        status = next(
            m.text or "" for m in botapi.bot_messages(OWNER) if "LinkedIn session:" in (m.text or "")
        )
        assert "Browser work is paused (by you — /resume)" in status

    async with db() as session:
        account = await session.get_one(Account, signed_in.id)
    assert (account.paused, account.paused_reason, account.session_status) == (
        True,
        "owner",
        SessionStatus.VALID,
    )
