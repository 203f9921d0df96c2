"""CLI: `accounts add` and `accounts list`, the explicit way to make and see LinkedIn accounts.

`--account NAME` on the other commands only finds accounts; signing in (`invitesweep login`)
and `accounts add` are what create them.
"""

from __future__ import annotations

import click

from bot.commands.console import CliContext, pass_cli, run
from bot.commands.outcomes import BadInput
from bot.commands.params import AccountName
from bot.commands.texts import say
from bot.services.accounts import AccountExists, all_accounts, create_account


@click.group()
def accounts() -> None:
    """The LinkedIn accounts InviteSweep keeps (self-hosting usually has one: "default")."""


@accounts.command("add")
@click.argument("name", type=AccountName())
@pass_cli
def accounts_add(cli: CliContext, name: str) -> None:
    """Add an account called NAME (1–64 printable characters); sign it in with `login --account`."""
    settings = cli.settings

    async def _add() -> None:
        async with cli.store() as db:
            try:
                async with db.begin() as session:
                    await create_account(session, name, timezone=settings.default_timezone)
            except AccountExists:
                raise BadInput("account_exists", name=name) from None
        say("account_added", name=name)

    run(_add())


@accounts.command("list")
@pass_cli
def accounts_list(cli: CliContext) -> None:
    """List the accounts: name, LinkedIn session, paused or not."""

    async def _list() -> None:
        async with cli.store() as db, db() as session:
            say("accounts_list", accounts=await all_accounts(session))

    run(_list())
