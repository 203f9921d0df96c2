"""CLI: `db upgrade` — migrate the store to the newest schema (every command also does)."""

from __future__ import annotations

import click

from bot.commands.console import CliContext, pass_cli, run, safe_url
from bot.commands.health import current_revision
from bot.commands.texts import say


@click.group()
def db() -> None:
    """The database."""


@db.command("upgrade")
@pass_cli
def db_upgrade(cli: CliContext) -> None:
    """Migrate the database to the newest schema (also done by every command)."""

    async def _upgrade() -> None:
        async with cli.store() as factory:
            revision = await current_revision(factory)
        say("db_upgraded", url=safe_url(cli.settings.resolved_database_url), revision=revision)

    run(_upgrade())
