"""A web process and a worker on one PostgreSQL: the tap is taken by one, the withdrawal done by the other.

Both run over real HTTP against the local Bot API server. The web application has no browser
(its opener refuses and records); the worker has no handlers and reaches LinkedIn through the
in-memory fake over the sandbox's world, and edits the card the owner tapped.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

import bot.delivery.login
from bot.db.migrate import upgrade_engine
from bot.db.models import (
    Account,
    Action,
    ActionState,
    Conversation,
    Invitation,
    InvitationState,
    LoginCheckpoint,
    LoginHandover,
    Person,
    SessionStatus,
)
from bot.db.session import SessionFactory, create_engine, create_session_factory
from bot.roles import Role
from bot.services.clock import FrozenClock
from bot.services.rhythm import ALWAYS
from bot.services.secrets import SessionVault
from bot.services.session_health import adopt_session
from bot.services.sync import sync_account
from bot.settings import Settings
from sandbox import SandboxServer
from sandbox.config import DEFAULT_EMAIL, DEFAULT_PASSWORD
from tests.bot.conftest import ClientFactory
from tests.bot.test_roles import NoBrowser
from tests.botapi import BotApiServer, ChatMessage
from tests.fakes.linkedin import FakeLinkedInSite
from tests.fixtures.botapi import OWNER, bot_settings, running_bot, wait_until

pytestmark = pytest.mark.postgres


def _said(botapi: BotApiServer, fragment: str) -> ChatMessage | None:
    return next((m for m in botapi.bot_messages(OWNER) if fragment in (m.text or "")), None)


@pytest.fixture
def pg_url() -> str:
    url = os.environ.get("DATABASE_URL_TEST")
    if not url:
        pytest.skip("DATABASE_URL_TEST is not set")
    return url


@pytest.fixture
async def pg(pg_url: str) -> AsyncIterator[SessionFactory]:
    engine = create_engine(pg_url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await upgrade_engine(engine)
    yield create_session_factory(engine)
    await engine.dispose()


@pytest.fixture
def shared_settings(botapi: BotApiServer, pg_url: str, db_path: Path, tmp_path: Path) -> Settings:
    """What every process of the deployment reads: one PostgreSQL, one data dir (the session key)."""
    return bot_settings(botapi, db_path, tmp_path / "data", database_url=pg_url, undo_window_seconds=0.0)


async def test_a_tap_on_web_is_withdrawn_by_a_worker_that_edits_the_card(
    botapi: BotApiServer,
    pg: SessionFactory,
    shared_settings: Settings,
    sandbox: SandboxServer,
    fake_site: FakeLinkedInSite,
    clock: FrozenClock,
) -> None:
    async with pg.begin() as session:
        account = Account(
            name="default", owner_telegram_id=OWNER, chat_id=OWNER, digest_weekday=6, digest_hour=20, **ALWAYS
        )
        session.add(account)
        await session.flush()
        vault = SessionVault.from_settings(shared_settings)
        await adopt_session(session, account, vault, sandbox.storage_state(), clock())
    async with fake_site.open(sandbox.storage_state()) as client:
        await sync_account(pg, client, account.id, clock)  # what a worker's daily sync did earlier

    no_browser = NoBrowser()
    async with (
        running_bot(shared_settings, role=Role.WEB, clock=clock, linkedin_client_factory=no_browser),
        running_bot(shared_settings, role=Role.WORKER, clock=clock, linkedin_client_factory=fake_site.opener),
    ):
        botapi.send_text(OWNER, "/pending")
        card = await wait_until(lambda: botapi.message_with_button(OWNER, "Withdraw"), what="a card")
        name = (card.text or "").split(" · ")[0].splitlines()[0]
        async with pg() as session:
            person = await session.scalar(select(Person).where(Person.name == name))
        assert person is not None and sandbox.state.is_pending(person.slug)

        def shown() -> ChatMessage:
            return botapi.message(OWNER, card.message_id)

        botapi.tap(OWNER, "Withdraw", message_id=card.message_id)
        await wait_until(lambda: "Yes, withdraw" in shown().button_texts, what="the confirmation")
        botapi.tap(OWNER, "Yes, withdraw", message_id=card.message_id)
        # The worker polls the queue (every few seconds) and edits the card the owner tapped.
        await wait_until(
            lambda: (shown().text or "").startswith("✅ Withdrawn"), within=30, what="the outcome"
        )

    assert f"Withdrawn: {name}." in (shown().text or "")
    assert not sandbox.state.is_pending(person.slug) and person.slug in sandbox.state.withdrawn_slugs()
    async with pg() as session:
        invitation = await session.scalar(select(Invitation).where(Invitation.person_id == person.id))
        assert invitation is not None and invitation.state is InvitationState.WITHDRAWN
        assert (await session.scalars(select(Action.state))).all() == [ActionState.DONE]
    assert no_browser.calls == []


async def test_a_code_that_never_comes_ends_the_workers_sign_in_as_run_does(
    botapi: BotApiServer,
    pg: SessionFactory,
    shared_settings: Settings,
    sandbox: SandboxServer,
    sandbox_clients: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The worker holds the page; the web process only relays. No code in time: the worker gives
    up and says so, exactly as `run` does, and the chat no longer waits for a code."""
    monkeypatch.setattr(bot.delivery.login, "PIN_WAIT", timedelta(seconds=3))
    async with pg.begin() as session:
        session.add(Account(name="default", owner_telegram_id=OWNER, chat_id=OWNER, **ALWAYS))
    sandbox.set_faults(checkpoint="email_pin")
    no_browser = NoBrowser()
    async with (
        running_bot(shared_settings, role=Role.WEB, linkedin_client_factory=no_browser),
        running_bot(shared_settings, role=Role.WORKER, linkedin_client_factory=sandbox_clients),
    ):
        botapi.send_text(OWNER, "/login")
        await wait_until(lambda: _said(botapi, "Let's connect LinkedIn"), what="the question")
        botapi.send_text(OWNER, DEFAULT_EMAIL)
        await wait_until(lambda: _said(botapi, "Now your LinkedIn password"), what="the password question")
        botapi.send_text(OWNER, DEFAULT_PASSWORD)
        await wait_until(lambda: _said(botapi, "a worker is opening LinkedIn"), what="the hand-over")
        await wait_until(
            lambda: _said(botapi, "LinkedIn emailed you a code"), within=60, what="the PIN question"
        )
        await wait_until(lambda: _said(botapi, "No code arrived"), within=30, what="the worker giving up")
    async with pg() as session:
        stored = (await session.scalars(select(Account))).one()
        assert (await session.scalars(select(LoginHandover))).all() == []
        assert (await session.scalars(select(LoginCheckpoint))).all() == []
        assert (await session.scalars(select(Conversation))).all() == []  # no question left open
    assert stored.session_status is not SessionStatus.VALID
    assert no_browser.calls == []
