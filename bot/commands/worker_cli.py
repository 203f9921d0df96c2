"""CLI: `worker`, browser work for the `web` processes, on PostgreSQL.

A worker asks Telegram for no updates: it runs the action queue (withdrawals, invitations),
settles what a dead process left half-done, syncs accounts daily and closes an idle Chromium,
and sends or edits the messages that report each outcome through the Bot API. Any number of
workers may share one PostgreSQL; the queue's row locks keep an action to one of them.
"""

from __future__ import annotations

import asyncio

import click

from bot.commands.console import CliContext, pass_cli
from bot.commands.processes import check_shared_process, run_process


@click.command("worker")
@pass_cli
def worker(cli: CliContext) -> None:
    """Do the browser work queued by `invitesweep web` (PostgreSQL). Needs TELEGRAM_BOT_TOKEN."""
    settings = check_shared_process(cli, "worker")
    from bot.app import build_application
    from bot.roles import Role

    asyncio.run(run_process(settings, build_application(settings, role=Role.WORKER)))
