"""Chat state lives in the store: an awaited answer and a PIN checkpoint outlast the Application.

Each "restart" stops the running Application and builds a new one on the same database, over the
Bot API double; the awaited-answer test runs on SQLite and on PostgreSQL (DATABASE_URL_TEST).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bot.db.migrate import upgrade_engine
from bot.db.models import Account, Conversation, LoginCheckpoint, Reminder, SessionStatus
from bot.db.session import SessionFactory, create_engine, create_session_factory
from bot.services.clock import FrozenClock
from bot.services.conversations import Asking, Awaiting, Conversations
from bot.services.note_templates import TemplateStore
from bot.services.rhythm import ALWAYS
from bot.settings import Settings
from sandbox import SandboxServer
from sandbox.config import DEFAULT_EMAIL, DEFAULT_PASSWORD, DEFAULT_PIN
from tests.bot.conftest import ClientFactory
from tests.botapi import BotApiServer
from tests.fixtures.botapi import OWNER, bot_settings, run_job, running_bot, wait_until
from tests.fixtures.store import FIXED_NOW, sqlite_url
from tests.services.test_reminders import add_reminder

TEMPLATE = "Hi {{ first_name }}, good to reconnect here."


def _said(botapi: BotApiServer, fragment: str, *, after: int = 0) -> str | None:
    texts = [m.text or "" for m in botapi.bot_messages(OWNER)][after:]
    return next((t for t in texts if fragment in t), None)


async def _say(botapi: BotApiServer, message: str, expect: str) -> str:
    before = len(botapi.bot_messages(OWNER))
    botapi.send_text(OWNER, message)
    return await wait_until(lambda: _said(botapi, expect, after=before), within=30, what=expect)


async def _store_with_owner(url: str, *, fresh_schema: bool) -> str:
    """Migrate `url` (from scratch if `fresh_schema`) and add the owner's account; return `url`."""
    engine = create_engine(url)
    if fresh_schema:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await upgrade_engine(engine)
    async with create_session_factory(engine).begin() as session:
        # The weekly digest is not due at the tests' "now" (Sunday evening), as for `owned`.
        session.add(
            Account(
                name="default",
                owner_telegram_id=OWNER,
                chat_id=OWNER,
                digest_weekday=6,
                digest_hour=20,
                **ALWAYS,
            )
        )
    await engine.dispose()
    return url


def _postgres() -> str:
    url = os.environ.get("DATABASE_URL_TEST")
    if not url:
        pytest.skip("DATABASE_URL_TEST is not set")
    return url


@pytest.fixture
async def postgres_url() -> str:
    """A migrated, otherwise empty PostgreSQL store (DATABASE_URL_TEST) holding the owner's account."""
    return await _store_with_owner(_postgres(), fresh_schema=True)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, db_path: Path) -> str:
    """The same on SQLite (this test's migrated file) and on PostgreSQL."""
    if request.param == "sqlite":
        return await _store_with_owner(sqlite_url(db_path), fresh_schema=False)
    return await _store_with_owner(_postgres(), fresh_schema=True)


async def test_an_awaited_answer_is_routed_after_a_restart(
    botapi: BotApiServer, database_url: str, db_path: Path, tmp_path: Path
) -> None:
    settings = bot_settings(botapi, db_path, tmp_path / "data", database_url=database_url)
    async with running_bot(settings):
        await _say(botapi, "/templates add reconnect", "Send the text of the template")

    async with running_bot(settings):  # a new Application on the same store: nothing in memory
        saved = await _say(botapi, TEMPLATE, "Saved the template")
        assert "reconnect" in saved
        # The answer closed the question: the same text again is not taken for a template.
        await _say(botapi, "Hello again", "I don't know that command")
    assert TemplateStore.in_data_dir(settings.data_dir).names() == ["reconnect"]


async def test_a_note_asked_for_before_a_restart_is_saved_after_it(
    botapi: BotApiServer, database_url: str, db_path: Path, tmp_path: Path, clock: FrozenClock
) -> None:
    settings = bot_settings(botapi, db_path, tmp_path / "data", database_url=database_url)
    engine = create_engine(database_url)
    db = create_session_factory(engine)
    try:
        async with db() as session:
            account = await session.scalar(select(Account))
        assert account is not None
        await add_reminder(db, account, "jane", due_at=clock() - timedelta(minutes=1))
        async with running_bot(settings, clock=clock) as app:
            await run_job(app, "due-reminders")
            card = await wait_until(lambda: botapi.message_with_button(OWNER, "Edit note"), what="the card")
            botapi.tap(OWNER, "Edit note", message_id=card.message_id)
            await wait_until(lambda: _said(botapi, "Send me the note"), what="the question")
            await _say(botapi, "x" * 250, "can't be sent")  # too long: the question stays open

        note = "Hi Jane, glad our paths crossed again. Shall we connect?"
        async with running_bot(settings, clock=clock):
            botapi.send_text(OWNER, note)
            await wait_until(
                lambda: (botapi.message(OWNER, card.message_id).text or "").startswith("Note updated."),
                what="the card with the new note",
            )
        async with db() as session:
            reminder = await session.scalar(select(Reminder))
        assert reminder is not None and reminder.draft_note == note
    finally:
        await engine.dispose()


async def test_the_password_step_continues_after_a_restart_and_no_secret_is_stored(
    botapi: BotApiServer, settings: Settings, db: SessionFactory, owned: Account, fake_clients: ClientFactory
) -> None:
    async with running_bot(settings, linkedin_client_factory=fake_clients):
        await _say(botapi, "/login", "Let's connect LinkedIn")
        await _say(botapi, DEFAULT_EMAIL, "Now your LinkedIn password")
    async with db() as session:
        (row,) = (await session.scalars(select(Conversation))).all()
    assert (row.asking, row.email, row.user_id) == (Asking.PASSWORD.value, DEFAULT_EMAIL, OWNER)

    async with running_bot(settings, linkedin_client_factory=fake_clients):
        password = botapi.send_text(OWNER, DEFAULT_PASSWORD)
        await wait_until(lambda: _said(botapi, "LinkedIn is connected"), within=30, what="the result")
        assert botapi.message(OWNER, password.message_id).deleted
    async with db() as session:
        stored = await session.get_one(Account, owned.id)
        left = await session.scalar(select(func.count()).select_from(Conversation))
    assert stored.session_status is SessionStatus.VALID
    assert left == 0


async def test_an_expired_question_is_forgotten(
    botapi: BotApiServer, settings: Settings, owned: Account, clock: FrozenClock
) -> None:
    async with running_bot(settings, clock=clock):
        await _say(botapi, "/templates add reconnect", "Send the text of the template")
        clock.advance(timedelta(minutes=31))
        await _say(botapi, TEMPLATE, "I don't know that command")
    assert TemplateStore.in_data_dir(settings.data_dir).names() == []


async def test_a_pin_after_a_restart_is_told_the_sign_in_ended(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    owned: Account,
    sandbox: SandboxServer,
    fake_clients: ClientFactory,
) -> None:
    sandbox.set_faults(checkpoint="email_pin")
    async with running_bot(settings, linkedin_client_factory=fake_clients):
        await _say(botapi, "/login", "Let's connect LinkedIn")
        await _say(botapi, DEFAULT_EMAIL, "Now your LinkedIn password")
        botapi.send_text(OWNER, DEFAULT_PASSWORD)
        await wait_until(
            lambda: _said(botapi, "LinkedIn emailed you a code"), within=30, what="the PIN question"
        )
        async with db() as session:
            assert await session.get(LoginCheckpoint, owned.id) is not None
    # Stopping ended the sign-in (its page went with the process) and said so.
    assert _said(botapi, "The bot stopped while LinkedIn waited for your code")

    async with running_bot(settings, linkedin_client_factory=fake_clients):
        before = len(botapi.bot_messages(OWNER))
        pin = botapi.send_text(OWNER, DEFAULT_PIN)
        await wait_until(lambda: _said(botapi, "That sign-in has ended", after=before), what="the answer")
        assert botapi.message(OWNER, pin.message_id).deleted
        assert len(botapi.bot_messages(OWNER)) == before + 1  # that, and nothing else
    async with db() as session:
        stored = await session.get_one(Account, owned.id)
        checkpoints = await session.scalar(select(func.count()).select_from(LoginCheckpoint))
    assert stored.session_status is SessionStatus.NONE and stored.session_state is None
    assert checkpoints == 0


async def test_a_crashed_sign_ins_checkpoint_takes_no_code(
    botapi: BotApiServer, settings: Settings, db: SessionFactory, owned: Account, clock: FrozenClock
) -> None:
    """A process killed while waiting leaves its row; once its hold lapses, a code is refused."""
    asked = FIXED_NOW - timedelta(minutes=1)
    async with db.begin() as session:
        session.add(
            LoginCheckpoint(
                account_id=owned.id,
                kind="email_pin",
                asked_at=asked,
                expires_at=asked + timedelta(minutes=5),
                alive_until=FIXED_NOW - timedelta(seconds=1),  # its task stopped renewing it
            )
        )
    await Conversations(db, clock).ask(OWNER, Awaiting(Asking.PIN, target=owned.id))

    async with running_bot(settings, clock=clock):
        await _say(botapi, DEFAULT_PIN, "That sign-in has ended")
    async with db() as session:
        assert await session.get(LoginCheckpoint, owned.id) is None


@pytest.mark.postgres
async def test_a_pin_received_by_another_process_completes_the_sign_in(
    postgres_url: str,
    db_path: Path,
    tmp_path: Path,
    sandbox: SandboxServer,
    fake_clients: ClientFactory,
) -> None:
    """Two Applications on one PostgreSQL store: the sign-in runs in one, the PIN reaches the other.

    Each polls its own Bot API double (as two `web` processes behind a load balancer each get some
    of the updates); they share the store and the session key (the data dir), nothing else.
    """
    sandbox.set_faults(checkpoint="email_pin")
    first, second = BotApiServer().start(), BotApiServer().start()
    try:
        one = bot_settings(first, db_path, tmp_path / "data", database_url=postgres_url)
        two = bot_settings(second, db_path, tmp_path / "data", database_url=postgres_url)
        async with (
            running_bot(one, linkedin_client_factory=fake_clients),
            running_bot(two, linkedin_client_factory=fake_clients),
        ):
            await _say(first, "/login", "Let's connect LinkedIn")
            await _say(first, DEFAULT_EMAIL, "Now your LinkedIn password")
            first.send_text(OWNER, DEFAULT_PASSWORD)
            await wait_until(
                lambda: _said(first, "LinkedIn emailed you a code"), within=30, what="the question"
            )

            wrong = second.send_text(OWNER, "000000")
            await wait_until(
                lambda: _said(first, "did not accept that code"), within=30, what="the second ask"
            )
            pin = second.send_text(OWNER, DEFAULT_PIN)
            await wait_until(lambda: _said(first, "LinkedIn is connected"), within=30, what="the result")
            assert second.message(OWNER, pin.message_id).deleted
            assert second.message(OWNER, wrong.message_id).deleted
            assert second.bot_messages(OWNER) == []  # the code was passed on, not answered
    finally:
        first.stop()
        second.stop()

    engine = create_engine(postgres_url)
    try:
        async with create_session_factory(engine)() as session:
            account = await session.scalar(select(Account))
            checkpoints = await session.scalar(select(func.count()).select_from(LoginCheckpoint))
            questions = await session.scalar(select(func.count()).select_from(Conversation))
    finally:
        await engine.dispose()
    assert account is not None and account.session_status is SessionStatus.VALID
    assert checkpoints == 0 and questions == 0
