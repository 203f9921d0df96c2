"""CLI: `withdraw --older-than` — withdraw old pending invitations in bulk, within the daily cap."""

from __future__ import annotations

import click

from bot.commands import browser_work
from bot.commands.console import CliContext, find_account, pass_cli, run
from bot.commands.outcomes import WorkFailed
from bot.commands.params import Duration, account_option
from bot.commands.texts import say

MAX_WITHDRAW = 10_000  # twenty times LinkedIn's pending ceiling


@click.command()
@account_option
@click.option(
    "--older-than", "older_than", type=Duration(), required=True, help="Minimum age, e.g. 90d or 12w."
)
@click.option(
    "--max",
    "max_n",
    type=click.IntRange(1, MAX_WITHDRAW),
    default=1000,
    show_default=True,
    help="At most this many.",
)
@click.option("--dry-run", is_flag=True, help="Show what would be withdrawn; change nothing.")
@click.option("--yes", "-y", "assume_yes", is_flag=True, help="Do not ask for confirmation.")
@pass_cli
def withdraw(
    cli: CliContext, account_name: str, older_than: int, max_n: int, dry_run: bool, assume_yes: bool
) -> None:
    """Withdraw pending invitations older than an age, oldest first, within the daily cap.

    If an earlier withdraw (or a bulk request from Telegram) is unfinished, for instance because
    it was killed, this finishes that work instead of queuing more: run it again afterwards.
    Exits 1 if any withdrawal did not go through.
    """

    async def _withdraw() -> None:
        async with cli.store() as db:
            account = await find_account(db, account_name)
            preview = await browser_work.withdrawal_preview(db, account, older_than, max_n, cli.clock())
            say("withdraw_preview", preview=preview, dry_run=dry_run)
            if dry_run or not (preview.count or preview.unfinished):
                return
            if not assume_yes and not click.confirm(cli.renderer.cli("withdraw_confirm", preview=preview)):
                raise WorkFailed("withdraw_aborted")
            async with cli.linkedin(db) as provider:
                result = await browser_work.withdraw_with_progress(
                    db, provider, account, older_than, max_n, cli.clock, resume=preview.unfinished
                )
            say("withdraw_result", result=result)
            if result.run.failed:
                raise WorkFailed("run_failed", run=result.run, noun="withdrawals")

    run(_withdraw())
