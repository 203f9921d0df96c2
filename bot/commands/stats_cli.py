"""CLI: `stats` — acceptance rates, how fast people accept, pending over time."""

from __future__ import annotations

import click

from bot.commands.console import CliContext, find_account, pass_cli, run
from bot.commands.params import account_option
from bot.commands.texts import say
from bot.services.stats import account_stats


@click.command()
@account_option
@click.option("--days", type=click.IntRange(1, 365), default=30, show_default=True, help="History to show.")
@pass_cli
def stats(cli: CliContext, account_name: str, days: int) -> None:
    """Acceptance rates (overall, with and without a note), how fast people accept, pending over time."""

    async def _stats() -> None:
        async with cli.store() as db:
            account = await find_account(db, account_name)
            async with db() as session:
                result = await account_stats(session, account, now=cli.clock(), history_days=days)
            say("stats", stats=result, account=account)

    run(_stats())
