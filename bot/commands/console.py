"""What every command shares: the `CliContext` built in `bot.cli.main`, the store, progress bars.

Every text comes from `templates/cli/` (`bot.commands.texts`); progress bars go to stderr so
stdout stays the report (and can be piped or compared in tests). Commands stop by raising an
outcome from `bot.commands.outcomes`, never by exiting themselves.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import click
from pydantic import ValidationError
from sqlalchemy.engine import make_url

from bot.commands.outcomes import BadInput
from bot.commands.texts import renderer
from bot.data_folder import secure_data_folder
from bot.db.models import Account
from bot.db.revision import at_head
from bot.db.session import SessionFactory, create_engine, create_session_factory
from bot.rendering import Renderer
from bot.services.accounts import all_accounts, get_account
from bot.services.clock import Clock, system_clock
from bot.settings import Settings

if TYPE_CHECKING:
    from rich.progress import Progress
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.db.migrate import DatabaseUnusable
    from bot.services.linkedin import ClientProvider

T = TypeVar("T")


async def find_account(db: SessionFactory, name: str) -> Account:
    """The account called `name`; never creates one (only `login` and `accounts add` do).

    Raises:
        BadInput: there is none by that name; the line lists the names there are.
    """
    async with db() as session:
        account = await get_account(session, name)
        if account is None:
            known = [known.name for known in await all_accounts(session)]
            raise BadInput("unknown_account", name=name, known=known)
    return account


def load_settings() -> Settings:
    """The settings from the environment and `.env`, every value checked.

    Raises:
        BadInput: naming each refused setting as its environment variable, never its value
            (it may be a secret), or the `.env` file that cannot be read.
    """
    try:
        return Settings()
    except ValidationError as exc:
        names = sorted({str(error["loc"][0]).upper() for error in exc.errors() if error["loc"]})
        raise BadInput("settings_invalid", names=names) from None
    except (OSError, UnicodeDecodeError) as exc:  # a .env that is a folder, unreadable or not text
        raise BadInput("settings_unreadable", kind=type(exc).__name__) from None


@dataclass
class CliContext:
    """What every command shares, built once in `bot.cli.main`: settings, renderer, store, LinkedIn.

    Each is made on first use: `--help` and the commands that need no settings keep working on
    a broken configuration, and every command that needs them reads `cli.settings`, validated
    in one place.
    """

    debug: bool = False
    clock: Clock = system_clock
    _settings: Settings | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings()
        return self._settings

    @property
    def renderer(self) -> Renderer:
        """The command line's one renderer (`bot.commands.texts.renderer`)."""
        return renderer()

    def store(self, *, migrate: bool = True) -> AbstractAsyncContextManager[SessionFactory]:
        """The configured store for the block, migrated first (`open_store`)."""
        return open_store(self.settings, migrate=migrate)

    def linkedin(self, db: SessionFactory) -> AbstractAsyncContextManager[ClientProvider]:
        """Opens accounts' stored sessions in this command's one browser (`linkedin`)."""
        return linkedin(db, self.settings, self.clock)


pass_cli = click.make_pass_decorator(CliContext, ensure=True)
"""Hands a command the `CliContext` as its first argument."""


def safe_url(url: str) -> str:
    """The database URL without its password, for printing."""
    return make_url(url).render_as_string(hide_password=True)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def ensure_data_dir(settings: Settings) -> None:
    """Create `DATA_DIR` private if needed, or tighten it (`secure_data_folder`).

    Raises:
        BadInput: it cannot be created (a file in the way, no permission, a bad path).
    """
    try:
        secure_data_folder(settings)
    except (OSError, ValueError) as exc:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise BadInput("data_dir", path=settings.data_dir, detail=detail) from None


def database_refused(settings: Settings, error: DatabaseUnusable) -> BadInput:
    """The one line for a database that cannot be used, its URL shown without the password."""
    return BadInput(
        "database_unusable",
        problem=error.problem,
        revision=error.revision,
        url=safe_url(settings.resolved_database_url),
    )


@asynccontextmanager
async def open_store(settings: Settings, *, migrate: bool = True) -> AsyncIterator[SessionFactory]:
    """A session factory over the configured database, migrated to the newest schema first.

    Raises:
        BadInput: `DATA_DIR` cannot be made, or the database cannot be opened or is newer than
            this version (checked before anything is written).
    """
    ensure_data_dir(settings)
    try:
        engine = create_engine(settings.resolved_database_url)
    except OSError:  # the SQLite file's folder cannot be made
        from bot.db.migrate import DatabaseUnusable

        raise database_refused(settings, DatabaseUnusable("cannot_open")) from None
    try:
        if not await at_head(engine):  # nearly always at head: then Alembic is not even loaded
            from bot.db.migrate import DatabaseUnusable, check_database, upgrade_engine

            try:
                await check_database(engine)
            except DatabaseUnusable as error:
                raise database_refused(settings, error) from None
            if migrate:
                await upgrade_engine(engine)
        yield create_session_factory(engine)
    finally:
        await engine.dispose()


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """An engine on the configured database for the block, as it is: nothing checked or migrated
    (for `doctor`, which reports what it finds; commands use `open_store`)."""
    engine = create_engine(settings.resolved_database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@asynccontextmanager
async def linkedin(db: SessionFactory, settings: Settings, clock: Clock) -> AsyncIterator[ClientProvider]:
    """A provider that opens each account's stored session in one browser, launched on first use
    (`automation.access.LinkedInAccess`) and closed after the block."""
    from automation.access import LinkedInAccess
    from bot.services.linkedin import ClientProvider
    from bot.services.secrets import SessionVault

    vault = SessionVault.from_settings(settings)
    async with LinkedInAccess(settings.automation_config()) as access:
        lease = timedelta(seconds=settings.worker_lease_seconds)
        yield ClientProvider(db, vault, access.open, clock, lease=lease)


@contextmanager
def progress_bar(description: str, total: int | None = None) -> Iterator[tuple[Progress, Any]]:
    """A rich progress bar on stderr: yields (progress, task id) for `progress.update`."""
    from rich.console import Console  # loaded by the commands that show a bar, not by every one
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:
        yield progress, progress.add_task(description, total=total)
