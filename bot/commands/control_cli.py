"""CLI: `pause` and `resume`, the owner's switch for an account's browser work (as /pause, /resume).

A pause LinkedIn caused ends with a new sign-in when a sign-in cures it (`invitesweep login`);
every other pause, the owner's own above all, ends only here or with /resume in Telegram.
"""

from __future__ import annotations

import click

from bot.commands.console import CliContext, account_option, find_account, open_store, pass_cli, run, say
from bot.db.models import Account
from bot.services import session_health
from bot.services.clock import system_clock
from bot.services.session_health import PauseCause


@click.command("pause")
@account_option
@pass_cli
def pause(cli: CliContext, account_name: str) -> None:
    """Pause the account's browser work (queued work waits; nothing is lost)."""
    settings = cli.settings

    async def _pause() -> None:
        async with open_store(settings) as db:
            found = await find_account(db, account_name)
            async with db.begin() as session:
                account = await session.get_one(Account, found.id)
                changed = await session_health.pause(session, account, PauseCause.OWNER, system_clock())
        say("paused", account=account, changed=changed)

    run(_pause())


@click.command("resume")
@account_option
@pass_cli
def resume(cli: CliContext, account_name: str) -> None:
    """Resume the account's browser work, whatever paused it."""
    settings = cli.settings

    async def _resume() -> None:
        async with open_store(settings) as db:
            found = await find_account(db, account_name)
            async with db.begin() as session:
                account = await session.get_one(Account, found.id)
                changed = await session_health.resume(session, account, system_clock())
        say("resumed", account=account, changed=changed)

    run(_resume())


COMMANDS: list[click.Command] = [pause, resume]
