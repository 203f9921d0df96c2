"""CLI: `doctor` — is everything in place? Browser, database, Telegram token, LinkedIn session."""

from __future__ import annotations

import click

from bot.commands.console import CliContext, pass_cli, run
from bot.commands.health import run_checks
from bot.commands.outcomes import WorkFailed
from bot.commands.params import account_option
from bot.commands.texts import say


@click.command()
@account_option
@click.option("--online", is_flag=True, help="Also open LinkedIn to prove the stored session still works.")
@pass_cli
def doctor(cli: CliContext, account_name: str, online: bool) -> None:
    """Check the setup: browser, database, Telegram token, LinkedIn session (one line each)."""
    checks = run(run_checks(cli.settings, account_name, online=online))
    say("doctor", checks=checks)
    failed = [check.name for check in checks if not check.ok]
    if failed:
        raise WorkFailed("doctor_failed", failed=failed)
