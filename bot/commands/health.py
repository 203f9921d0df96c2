"""`invitesweep doctor`: is everything the product needs in place? One check per line.

Doctor reads, never repairs: it does not migrate the database, and it touches LinkedIn only with
`--online` (to prove the stored session still opens the Sent page), so it can run against a
broken setup and say what is wrong. The texts (labels, hints) live in
`templates/cli/doctor.txt.j2`; a check carries only its verdict and the facts for the hint.
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from automation.browser import BrowserNotFound, connect, find_browser
from automation.config import endpoint_label
from automation.errors import AutomationError, BrowserUnreachable, SessionExpired
from bot.commands.console import linkedin, open_database
from bot.db.migrate import head_revision
from bot.db.models import SessionStatus
from bot.db.session import SessionFactory, create_session_factory
from bot.services.accounts import get_account
from bot.services.clock import system_clock
from bot.settings import Settings


@dataclass(frozen=True)
class Check:
    name: str  # "browser", "database", "token", "session"
    ok: bool
    state: str  # a stable code the template explains, e.g. "found", "behind", "missing"
    detail: str = ""  # a fact for the line: a path, a revision, an error class


async def current_revision(db: SessionFactory) -> str | None:
    """The schema revision the database is at (None: never migrated)."""

    def _current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with db() as session:
        connection = await session.connection()
        return await connection.run_sync(_current)


def check_browser(settings: Settings) -> Check:
    try:
        found = find_browser(settings.browser_path, headless=settings.headless)
        return Check("browser", True, "found", str(found))
    except BrowserNotFound:
        return Check("browser", False, "missing", str(settings.browser_path or ""))


async def check_remote_browser(settings: Settings) -> Check:
    """Connect to the remote browser, read its version and disconnect (it keeps running)."""
    config = settings.automation_config()
    where = endpoint_label(config.remote_browser or "")
    try:
        remote = await connect(config)
    except BrowserUnreachable:
        return Check("browser", False, "unreachable", where)
    try:
        return Check("browser", True, "remote", f"{where} (Chromium {remote.browser.version})")
    finally:
        await remote.close()


def check_token(settings: Settings) -> Check:
    token = settings.telegram_bot_token
    present = token is not None and bool(token.get_secret_value().strip())
    return Check("token", present, "set" if present else "missing")


async def check_store(settings: Settings, account_name: str) -> tuple[Check, Check]:
    """The database (reachable, migrated) and the account's stored LinkedIn session."""
    try:
        async with open_database(settings) as engine:
            db = create_session_factory(engine)
            current = await current_revision(db)
            head = head_revision()
            if current != head:
                database = Check("database", False, "behind", current or "empty")
                return database, Check("session", False, "unknown")
            async with db() as session:
                account = await get_account(session, account_name)
    except Exception as exc:  # anything at all: doctor reports, it does not crash
        return Check("database", False, "unreachable", type(exc).__name__), Check("session", False, "unknown")
    database = Check("database", True, "migrated", current or "")
    if account is None:
        return database, Check("session", False, "no_account", account_name)
    status = account.session_status
    return database, Check("session", status is SessionStatus.VALID, status.value, account_name)


async def check_session_online(settings: Settings, account_name: str) -> Check:
    """Open the Sent page with the stored session. An expired one is recorded as such (and the
    account paused), exactly as the worker would on its next run."""
    from bot.services.linkedin import AccountBusy  # with the browser work, not with every `doctor`

    try:
        async with open_database(settings) as engine:
            db = create_session_factory(engine)
            async with db() as session:
                account = await get_account(session, account_name)
            if account is None or account.session_state is None:
                return Check("session", False, "none", account_name)
            async with linkedin(db, settings, system_clock) as provider, provider.open(account) as client:
                await client.check_session()
    except SessionExpired:
        return Check("session", False, "expired", account_name)
    except (AutomationError, AccountBusy) as exc:  # busy: a worker is using the session right now
        return Check("session", False, "unchecked", type(exc).__name__)
    return Check("session", True, "checked", account_name)


async def run_checks(settings: Settings, account_name: str, *, online: bool = False) -> list[Check]:
    database, session = await check_store(settings, account_name)
    if online and database.ok:
        session = await check_session_online(settings, account_name)
    remote = settings.browser_cdp_url or settings.browser_ws_endpoint
    browser = await check_remote_browser(settings) if remote else check_browser(settings)
    return [browser, database, check_token(settings), session]
