"""CLI: `status` — the account at a glance: session, last sync, pending vs ceiling, queue, reminders."""

from __future__ import annotations

import click

from bot.commands.console import CliContext, find_account, pass_cli, run
from bot.commands.params import account_option
from bot.commands.texts import say
from bot.services.actions import queue_overview
from bot.services.digest import build_digest
from bot.services.notes import note_quota
from bot.services.reminders import count_due


@click.command()
@account_option
@pass_cli
def status(cli: CliContext, account_name: str) -> None:
    """Show the account: session, last sync, pending vs ceiling, queue, reminders, notes left."""

    async def _status() -> None:
        async with cli.store() as db:
            account = await find_account(db, account_name)
            now = cli.clock()
            async with db() as session:
                digest = await build_digest(session, account, now=now, page_size=1)
                reminders_due = await count_due(session, account, now=now)
                quota = await note_quota(session, account, now=now)
            queue = await queue_overview(db, account.id, now=now)
            say(
                "status",
                account=account,
                ceiling=digest.ceiling,
                queue=queue,
                reminders_due=reminders_due,
                quota=quota,
            )

    run(_status())
