"""The `invitesweep` command line: a click group whose commands live in `bot.commands.*`.

Each feature module exposes `COMMANDS`, a list of click commands; this module only gathers them,
so that `invitesweep --help` lists everything and no command module imports another.
"""

from __future__ import annotations

import click

from bot.commands import bot_run, linkedin_cli, sandbox_cli, store_cli


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="invitesweep")
def main() -> None:
    """InviteSweep keeps your LinkedIn sent invitations healthy, from Telegram.

    Start with `invitesweep demo`: it needs no account and shows the whole product offline.
    """


for _module in (bot_run, linkedin_cli, sandbox_cli, store_cli):
    for _command in _module.COMMANDS:
        main.add_command(_command)
