"""CLI: `demo` — the whole product offline, against a sandbox started for it (`bot.commands.demo`)."""

from __future__ import annotations

import click

from bot.commands import demo
from bot.commands.console import CliContext, pass_cli, run


@click.command("demo")
@click.option(
    "--pending",
    type=click.IntRange(10, 2000),
    default=520,
    show_default=True,
    help="Invitations in the world.",
)
@click.option(
    "--withdraw",
    "withdraw_n",
    type=click.IntRange(1, 20),
    default=5,
    show_default=True,
    help="How many to withdraw.",
)
@pass_cli
def demo_command(cli: CliContext, pending: int, withdraw_n: int) -> None:
    """Try everything offline: a local LinkedIn imitation, no account, no Telegram, about a minute."""
    run(demo.run_demo(cli.settings, pending=pending, withdraw=withdraw_n))
