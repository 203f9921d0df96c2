"""Signing in from chat when the processes are split: real `invitesweep web` and `invitesweep worker`.

The owner talks to the web process (long polling against the local Bot API server); the web
process has no browser and hands the sign-in to the worker through PostgreSQL; the worker signs
in with real Chromium against the sandbox and relays LinkedIn's code question back to the chat.
Every process's output goes to a file, which must hold nothing of the password or the code.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.models import Account, Event, LoginCheckpoint, LoginHandover, SessionStatus
from bot.db.session import SessionFactory, create_session_factory
from bot.services.actions.leases import LeaseHolder, acquire
from bot.services.clock import system_clock
from bot.services.rhythm import ALWAYS
from bot.services.secrets import SessionVault
from bot.settings import Settings
from sandbox import SandboxServer
from sandbox.config import DEFAULT_EMAIL
from tests.botapi import BotApiServer, ChatMessage
from tests.fixtures.botapi import OWNER, wait_until
from tests.fixtures.sandbox import SMALL_WORLD
from tests.services.backends import fresh_postgres, postgres_url

pytestmark = pytest.mark.postgres

INVITESWEEP = str(Path(sys.executable).with_name("invitesweep"))
# Credentials found nowhere else, so that one in a log can only have come from the sign-in.
PASSWORD = "Zq8-only-this-test-Pw"
PIN = "864209"
WRONG_PASSWORD = "not-the-Password-9x7"
WRONG_PIN = "000111"
HANDED_OVER = "a worker is opening LinkedIn"


@pytest.fixture
def database_url() -> str:
    return postgres_url()


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SessionFactory]:
    """The deployment's PostgreSQL, emptied and migrated, with the owner's account (not signed in)."""
    async with fresh_postgres() as engine:
        db = create_session_factory(engine)
        async with db.begin() as session:
            session.add(Account(name="default", owner_telegram_id=OWNER, chat_id=OWNER, **ALWAYS))
        yield db


class Deployment:
    """Starts `web` and `worker` processes on one store and one data dir; keeps their output."""

    def __init__(
        self, botapi: BotApiServer, sandbox: SandboxServer, tmp_path: Path, database_url: str
    ) -> None:
        self.tmp_path = tmp_path
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": botapi.token,
            "TELEGRAM_API_BASE_URL": botapi.base_url,
            "TELEGRAM_OWNER_IDS": str(OWNER),
            "DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": database_url,
            "LINKEDIN_BASE_URL": sandbox.base_url,
            "PACING_MIN_SECONDS": "0",
            "PACING_MAX_SECONDS": "0",
            "LOGIN_HANDOVER_SECONDS": "60",
            "WEBHOOK_SECRET": "",
        }
        self.logs: list[Path] = []

    @asynccontextmanager
    async def process(self, role: str, **env: str) -> AsyncIterator[asyncio.subprocess.Process]:
        log = self.tmp_path / f"{role}-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("wb") as output:
            process = await asyncio.create_subprocess_exec(
                INVITESWEEP, role, env={**self.env, **env}, stdout=output, stderr=output
            )
            try:
                yield process
            finally:
                process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.wait(), 60)
                except TimeoutError:
                    process.kill()
                    await process.wait()
                    raise
        assert process.returncode == 0, log.read_text()

    def output(self) -> str:
        return "\n".join(log.read_text(errors="replace") for log in self.logs)


@pytest.fixture
def member(sandbox: SandboxServer) -> SandboxServer:
    """The sandbox's member signs in with this test's own password and code."""
    sandbox.reset(**SMALL_WORLD, password=PASSWORD, pin=PIN)
    return sandbox


@pytest.fixture
def deployment(botapi: BotApiServer, member: SandboxServer, tmp_path: Path, database_url: str) -> Deployment:
    return Deployment(botapi, member, tmp_path, database_url)


def _said(botapi: BotApiServer, fragment: str, after: int = 0) -> ChatMessage | None:
    return next(
        (m for m in botapi.bot_messages(OWNER) if m.message_id > after and fragment in (m.text or "")), None
    )


async def _sign_in_with_password(botapi: BotApiServer, password: str) -> list[ChatMessage]:
    """/login, the e-mail, the password: the owner's three messages (the last two secrets)."""
    start = botapi.send_text(OWNER, "/login")
    await wait_until(lambda: _said(botapi, "Let's connect LinkedIn", start.message_id), within=60, what="ask")
    email = botapi.send_text(OWNER, DEFAULT_EMAIL)
    await wait_until(lambda: _said(botapi, "Now your LinkedIn password", email.message_id), what="password?")
    secret = botapi.send_text(OWNER, password)
    await wait_until(lambda: _said(botapi, HANDED_OVER, secret.message_id), what="the hand-over")
    return [start, email, secret]


async def _stored(db: SessionFactory) -> tuple[Account, list[str], int, int]:
    async with db() as session:
        account = await session.scalar(select(Account))
        assert account is not None
        kinds = list(await session.scalars(select(Event.kind).order_by(Event.id)))
        handovers = len((await session.scalars(select(LoginHandover))).all())
        checkpoints = len((await session.scalars(select(LoginCheckpoint))).all())
    return account, kinds, handovers, checkpoints


async def test_a_worker_signs_in_for_web_relaying_the_pin_and_nothing_secret_is_logged(
    botapi: BotApiServer, sandbox: SandboxServer, store: SessionFactory, deployment: Deployment
) -> None:
    async with deployment.process("web"), deployment.process("worker"):
        # A wrong password: the worker's answer, as `run` gives it.
        wrong = await _sign_in_with_password(botapi, WRONG_PASSWORD)
        rejected = "LinkedIn rejected that email or password"
        await wait_until(lambda: _said(botapi, rejected, wrong[-1].message_id), within=90, what="bad login")

        # The right one, and LinkedIn asks for the e-mailed code: the worker relays the question.
        sandbox.set_faults(checkpoint="email_pin")
        messages = await _sign_in_with_password(botapi, PASSWORD)
        asked = "LinkedIn emailed you a code — reply with it"
        await wait_until(lambda: _said(botapi, asked, messages[-1].message_id), within=90, what="the PIN")
        bad_pin = botapi.send_text(OWNER, WRONG_PIN)
        await wait_until(
            lambda: _said(botapi, "did not accept that code", bad_pin.message_id), within=60, what="ask again"
        )
        pin = botapi.send_text(OWNER, PIN)
        await wait_until(lambda: _said(botapi, "LinkedIn is connected", pin.message_id), within=60, what="ok")

    for message in [*wrong[1:], *messages[1:], bad_pin, pin]:
        assert botapi.message(OWNER, message.message_id).deleted
    account, kinds, handovers, checkpoints = await _stored(store)
    assert account.session_status is SessionStatus.VALID and "session_adopted" in kinds
    vault = SessionVault.from_settings(Settings(data_dir=deployment.tmp_path / "data"))
    state = vault.load_session(account)
    assert state is not None and any(c["name"] == "li_at" for c in state["cookies"])
    assert (handovers, checkpoints) == (0, 0)  # the credentials and the code are gone
    output = deployment.output()
    assert "getUpdates" in output or "Application started" in output, output  # their logs are here
    for secret in (PASSWORD, WRONG_PASSWORD, PIN, WRONG_PIN):
        assert secret not in output
    chat = " ".join(m.text or "" for m in botapi.bot_messages(OWNER))
    assert PASSWORD not in chat and PIN not in chat


async def test_linkedin_wanting_a_person_is_told_from_the_worker(
    botapi: BotApiServer, sandbox: SandboxServer, store: SessionFactory, deployment: Deployment
) -> None:
    sandbox.set_faults(checkpoint="captcha")
    async with deployment.process("web"), deployment.process("worker"):
        messages = await _sign_in_with_password(botapi, PASSWORD)
        refused = "LinkedIn wants a person at a browser"
        await wait_until(lambda: _said(botapi, refused, messages[-1].message_id), within=90, what="refusal")
    account, _, handovers, checkpoints = await _stored(store)
    assert account.session_status is not SessionStatus.VALID
    assert (handovers, checkpoints) == (0, 0)


async def test_without_a_worker_the_sign_in_lapses_and_its_credentials_are_erased(
    botapi: BotApiServer, sandbox: SandboxServer, store: SessionFactory, deployment: Deployment
) -> None:
    async with deployment.process("web", LOGIN_HANDOVER_SECONDS="2"):
        messages = await _sign_in_with_password(botapi, PASSWORD)
        lapsed = "No worker took the sign-in within 2 seconds"
        await wait_until(lambda: _said(botapi, lapsed, messages[-1].message_id), within=30, what="the lapse")
        assert _said(botapi, "LinkedIn", messages[-1].message_id + 2) is None  # nothing after the lapse
    account, kinds, handovers, _ = await _stored(store)
    assert handovers == 0  # nothing left for a worker that starts later
    assert account.session_status is not SessionStatus.VALID and "session_adopted" not in kinds
    assert PASSWORD not in deployment.output()


async def test_a_sign_in_waits_for_the_accounts_lease_and_lapses_if_it_never_comes(
    botapi: BotApiServer, store: SessionFactory, deployment: Deployment
) -> None:
    """Another process drives the account the whole time: the worker never opens a second browser
    session on it, and the hand-over expires with the web process's notice."""
    async with store() as session:
        account_id = (await session.scalars(select(Account.id))).one()
    holder = await acquire(store, account_id, LeaseHolder.new(), system_clock(), timedelta(minutes=10))
    assert holder is not None
    async with deployment.process("web", LOGIN_HANDOVER_SECONDS="6"), deployment.process("worker"):
        await wait_until(lambda: len(botapi.calls_of("getMe")) >= 2, within=60, what="both processes")
        messages = await _sign_in_with_password(botapi, PASSWORD)
        lapsed = "No worker took the sign-in within 6 seconds"
        await wait_until(lambda: _said(botapi, lapsed, messages[-1].message_id), within=30, what="the lapse")
    account, kinds, handovers, checkpoints = await _stored(store)
    assert (handovers, checkpoints) == (0, 0)
    assert account.session_status is not SessionStatus.VALID and "session_adopted" not in kinds
    assert _said(botapi, "Another InviteSweep process", messages[-1].message_id) is None  # not taken at all
    assert PASSWORD not in deployment.output()
