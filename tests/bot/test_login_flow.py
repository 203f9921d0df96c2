"""/login relays LinkedIn's PIN checkpoint through the chat and deletes every secret at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db.models import Account, Event, SessionStatus
from bot.db.session import SessionFactory
from bot.services.actions.leases import LeaseHolder, acquire
from bot.services.clock import system_clock
from bot.services.identity import set_proxy
from bot.services.secrets import SessionVault
from bot.services.session_health import PauseCause, pause
from bot.settings import Settings
from sandbox import SandboxServer
from sandbox.config import DEFAULT_EMAIL, DEFAULT_PASSWORD, DEFAULT_PIN
from tests.bot.conftest import ClientFactory
from tests.botapi import BotApiServer, ChatMessage
from tests.fakes.linkedin import FakeLinkedInSite
from tests.fixtures.botapi import OWNER, running_bot, wait_until
from tests.fixtures.proxy import RecordingProxy


def _said(botapi: BotApiServer, fragment: str) -> ChatMessage | None:
    return next((m for m in botapi.bot_messages(OWNER) if fragment in (m.text or "")), None)


async def test_email_pin_checkpoint_is_relayed_and_the_session_stored(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    owned: Account,
    sandbox: SandboxServer,
    fake_clients: ClientFactory,
) -> None:
    sandbox.set_faults(checkpoint="email_pin")
    async with running_bot(settings, linkedin_client_factory=fake_clients):
        botapi.send_text(OWNER, "/login")
        await wait_until(lambda: _said(botapi, "Let's connect LinkedIn"), what="the question")
        email = botapi.send_text(OWNER, DEFAULT_EMAIL)
        await wait_until(lambda: _said(botapi, "Now your LinkedIn password"), what="the password question")
        password = botapi.send_text(OWNER, DEFAULT_PASSWORD)
        await wait_until(
            lambda: _said(botapi, "LinkedIn emailed you a code — reply with it"), within=30, what="PIN"
        )
        assert botapi.message(OWNER, password.message_id).deleted
        assert botapi.message(OWNER, email.message_id).deleted

        wrong = botapi.send_text(OWNER, "000000")
        await wait_until(lambda: _said(botapi, "did not accept that code"), within=30, what="the second ask")
        pin = botapi.send_text(OWNER, DEFAULT_PIN)
        await wait_until(lambda: _said(botapi, "LinkedIn is connected"), within=30, what="the result")
        assert (
            botapi.message(OWNER, pin.message_id).deleted and botapi.message(OWNER, wrong.message_id).deleted
        )

    sent = " ".join(m.text or "" for m in botapi.bot_messages(OWNER))
    assert DEFAULT_PASSWORD not in sent and DEFAULT_PIN not in sent
    async with db() as session:
        stored = await session.get_one(Account, owned.id)
    assert stored.session_status is SessionStatus.VALID
    state = SessionVault.from_settings(settings).load_session(stored)
    assert state is not None and any(c["name"] == "li_at" for c in state["cookies"])
    assert stored.session_state is not None and b"li_at" not in stored.session_state


@pytest.mark.parametrize(
    ("cause", "still_paused"), [(PauseCause.SESSION_EXPIRED, False), (PauseCause.OWNER, True)]
)
async def test_signing_in_ends_a_session_pause_but_not_the_owners(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    owned: Account,
    sandbox: SandboxServer,
    sandbox_clients: ClientFactory,
    cause: PauseCause,
    still_paused: bool,
) -> None:
    async with db.begin() as session:
        row = await session.get_one(Account, owned.id)
        await pause(session, row, cause, sandbox.state.now())
        row.session_status = SessionStatus.EXPIRED
    li_at = next(c["value"] for c in sandbox.mint_session() if c["name"] == "li_at")
    async with running_bot(settings, linkedin_client_factory=sandbox_clients):
        botapi.send_text(OWNER, f"/login {li_at}")
        await wait_until(lambda: _said(botapi, "LinkedIn is connected"), within=30, what="the result")

    async with db() as session:
        stored = await session.get_one(Account, owned.id)
        kinds = list(await session.scalars(select(Event.kind).order_by(Event.id)))
    assert stored.session_status is SessionStatus.VALID
    assert (stored.paused, stored.paused_reason) == ((True, cause) if still_paused else (False, None))
    assert "session_adopted" in kinds


async def test_signing_in_from_the_chat_goes_through_the_accounts_proxy(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    owned: Account,
    sandbox_clients: ClientFactory,
    recording_proxy: RecordingProxy,
) -> None:
    vault = SessionVault.from_settings(settings)
    async with db.begin() as session:
        account = await session.get_one(Account, owned.id)
        set_proxy(account, vault, recording_proxy.server, recording_proxy.username, recording_proxy.password)
    async with running_bot(settings, linkedin_client_factory=sandbox_clients):
        botapi.send_text(OWNER, "/login")
        await wait_until(lambda: _said(botapi, "Let's connect LinkedIn"), what="the question")
        botapi.send_text(OWNER, DEFAULT_EMAIL)
        await wait_until(lambda: _said(botapi, "Now your LinkedIn password"), what="the password question")
        botapi.send_text(OWNER, DEFAULT_PASSWORD)
        await wait_until(lambda: _said(botapi, "LinkedIn is connected"), within=60, what="the result")
    # The sign-in left from where the account's later work will: LinkedIn sees one place.
    assert any("/login" in url for url in recording_proxy.passed())


async def test_signing_in_while_a_worker_drives_the_account_opens_no_second_browser(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    owned: Account,
    fake_site: FakeLinkedInSite,
) -> None:
    worker = await acquire(db, owned.id, LeaseHolder.new(), system_clock(), timedelta(minutes=5))
    assert worker is not None  # another process holds the account's browser work
    async with running_bot(settings, linkedin_client_factory=fake_site.opener):
        botapi.send_text(OWNER, "/login")
        await wait_until(lambda: _said(botapi, "Let's connect LinkedIn"), what="the question")
        botapi.send_text(OWNER, DEFAULT_EMAIL)
        await wait_until(lambda: _said(botapi, "Now your LinkedIn password"), what="the password question")
        botapi.send_text(OWNER, DEFAULT_PASSWORD)
        busy = "Another InviteSweep process is working on this account"
        await wait_until(lambda: _said(botapi, busy), within=30, what="the busy answer")
    assert fake_site.opened == []  # no browser session beside the worker's
    async with db() as session:
        stored = await session.get_one(Account, owned.id)
    assert stored.session_status is not SessionStatus.VALID
