"""CLI: `sync` — read the Sent invitations page and bring the store up to date."""

from __future__ import annotations

import click

from bot.commands import browser_work
from bot.commands.console import CliContext, find_account, pass_cli, run
from bot.commands.params import account_option
from bot.commands.texts import say


@click.command()
@account_option
@pass_cli
def sync(cli: CliContext, account_name: str) -> None:
    """Read the Sent invitations page and bring the store up to date."""

    async def _sync() -> None:
        async with cli.store() as db:
            account = await find_account(db, account_name)
            async with cli.linkedin(db) as provider:
                report = await browser_work.sync_with_progress(db, provider, account, cli.clock)
            say("sync_report", report=report)

    run(_sync())
