"""CLI: `pause` and `resume`, the owner's switch for an account's browser work (as /pause, /resume).

A pause LinkedIn caused ends with a new sign-in when a sign-in cures it (`invitesweep login`);
every other pause, the owner's own above all, ends only here or with /resume in Telegram.
"""

from __future__ import annotations

import click

from bot.commands.console import CliContext, find_account, pass_cli, run
from bot.commands.params import account_option
from bot.commands.texts import say
from bot.db.models import Account
from bot.services import session_health


@click.command("pause")
@account_option
@pass_cli
def pause(cli: CliContext, account_name: str) -> None:
    """Pause the account's browser work (queued work waits; nothing is lost)."""

    async def _pause() -> None:
        async with cli.store() as db:
            found = await find_account(db, account_name)
            async with db.begin() as session:
                account = await session.get_one(Account, found.id)
                paused = await session_health.pause_by_owner(session, account, cli.clock())
        say("paused", account=account, changed=paused.changed, sign_in_cause=paused.sign_in_cause)

    run(_pause())


@click.command("resume")
@account_option
@pass_cli
def resume(cli: CliContext, account_name: str) -> None:
    """Resume the account's browser work, whatever paused it."""

    async def _resume() -> None:
        async with cli.store() as db:
            found = await find_account(db, account_name)
            async with db.begin() as session:
                account = await session.get_one(Account, found.id)
                changed = await session_health.resume(session, account, cli.clock())
        say("resumed", account=account, changed=changed)

    run(_resume())
