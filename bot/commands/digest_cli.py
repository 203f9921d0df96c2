"""CLI: `digest` — the weekly digest in the terminal: pending vs ceiling, age buckets, the stalest."""

from __future__ import annotations

import click

from bot.commands.console import CliContext, find_account, pass_cli, run
from bot.commands.demo import BUCKET_NAMES
from bot.commands.params import account_option
from bot.commands.texts import say
from bot.services.digest import build_digest

MAX_PAGE = 100_000


@click.command()
@account_option
@click.option(
    "--page", type=click.IntRange(1, MAX_PAGE), default=1, show_default=True, help="Which page of the list."
)
@click.option(
    "--page-size", type=click.IntRange(1, 200), default=10, show_default=True, help="Invitations per page."
)
@pass_cli
def digest(cli: CliContext, account_name: str, page: int, page_size: int) -> None:
    """Print the weekly digest: pending vs ceiling, age buckets, the stalest invitations."""

    async def _digest() -> None:
        async with cli.store() as db:
            account = await find_account(db, account_name)
            async with db() as session:
                result = await build_digest(
                    session, account, now=cli.clock(), page=page - 1, page_size=page_size
                )
            say("digest", digest=result, bucket_names=BUCKET_NAMES)

    run(_digest())
