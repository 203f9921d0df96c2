"""CLI: `queue show|run` — the queue of browser work that `invitesweep run` works through."""

from __future__ import annotations

import click

from bot.commands import browser_work
from bot.commands.console import CliContext, find_account, pass_cli, run
from bot.commands.outcomes import WorkFailed
from bot.commands.params import account_option
from bot.commands.texts import say
from bot.services.actions import queue_overview


@click.group()
def queue() -> None:
    """The queue of browser work (withdrawals, invitations, syncs) that `invitesweep run` works through."""


@queue.command("show")
@account_option
@pass_cli
def queue_show(cli: CliContext, account_name: str) -> None:
    """List what waits in the queue, what is running (and which process runs it), what failed this week."""

    async def _show() -> None:
        async with cli.store() as db:
            account = await find_account(db, account_name)
            overview = await queue_overview(db, account.id, now=cli.clock())
            say("queue_show", overview=overview)

    run(_show())


@queue.command("run")
@account_option
@pass_cli
def queue_run(cli: CliContext, account_name: str) -> None:
    """Run the account's due work now, without Telegram; finishes what a killed run left.

    Work a process on this machine left unfinished when it died is checked on LinkedIn and
    completed at once. Exits 1 if any of it did not go through, or another process is working
    the account's queue right now.
    """

    async def _run() -> None:
        async with cli.store() as db:
            account = await find_account(db, account_name)
            async with cli.linkedin(db) as provider:
                result = await browser_work.run_queue_with_progress(
                    db, provider, account, cli.clock, step="queue"
                )
            say("queue_run", run=result)
            if result.failed:
                raise WorkFailed("run_failed", run=result, noun="actions")

    run(_run())
