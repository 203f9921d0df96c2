"""What the store commands and the demo share: settings, the migrated store, output, progress bars.

Every text comes from `templates/cli/`; progress bars go to stderr so stdout stays the report
(and can be piped or compared in tests).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from functools import cache
from typing import Any, NoReturn, TypeVar

import click
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import make_url

from bot.data_folder import secure_data_folder
from bot.db.migrate import upgrade_engine
from bot.db.session import SessionFactory, create_engine, create_session_factory
from bot.rendering import Renderer
from bot.settings import Settings

T = TypeVar("T")

USAGE_ERROR = 2  # click's own code for bad arguments: nothing was changed


@cache
def renderer() -> Renderer:
    return Renderer()


def say(template: str, **context: Any) -> None:
    """Print `templates/cli/<template>.txt.j2` to stdout."""
    click.echo(renderer().cli(template, **context))


def refuse(template: str, *, code: int = USAGE_ERROR, **context: Any) -> NoReturn:
    """Print the template to stderr and exit with `code` (2: the input was wrong, nothing changed)."""
    click.echo(renderer().cli(template, **context), err=True)
    raise SystemExit(code)


def invalid(reason: str, value: object, **detail: Any) -> click.BadParameter:
    """A `BadParameter` whose message is `cli/invalid.txt.j2` for `reason`."""
    return click.BadParameter(renderer().cli("invalid", reason=reason, value=value, **detail))


def load_settings() -> Settings:
    """The settings from the environment and `.env`; a malformed value exits with code 2."""
    try:
        return Settings()
    except ValidationError as exc:
        # Field names and pydantic's reason only: the offending value may be a secret.
        fields = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        refuse("invalid", reason="settings", value=fields)


def safe_url(url: str) -> str:
    """The database URL without its password, for printing."""
    return make_url(url).render_as_string(hide_password=True)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


@asynccontextmanager
async def open_store(settings: Settings, *, migrate: bool = True) -> AsyncIterator[SessionFactory]:
    """A session factory over the configured database, migrated to the newest schema first."""
    secure_data_folder(settings)
    engine = create_engine(settings.resolved_database_url)
    try:
        if migrate:
            await upgrade_engine(engine)
        yield create_session_factory(engine)
    finally:
        await engine.dispose()


@contextmanager
def progress_bar(description: str, total: int | None = None) -> Iterator[tuple[Progress, Any]]:
    """A rich progress bar on stderr: yields (progress, task id) for `progress.update`."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:
        yield progress, progress.add_task(description, total=total)
