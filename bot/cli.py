"""The `invitesweep` command line: a click group whose commands live in `bot.commands.*`.

Each feature module exposes `COMMANDS`, a list of click commands; this module only gathers them,
so that `invitesweep --help` lists everything and no command module imports another.

It is also the one place where a command's end becomes an exit code: whatever a command raises
is turned into an `Outcome` (see `bot.commands.outcomes` for the table) and printed as one line
on stderr. `--debug` prints the traceback of an unexpected error before that line.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from bot.commands import accounts_cli, bot_run, control_cli, linkedin_cli, sandbox_cli, store_cli
from bot.commands.console import CliContext
from bot.commands.outcomes import Outcome, outcome_for


class InviteSweep(click.Group):
    """A click group whose every failure ends as an `Outcome`: one stderr line and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:
            cli = ctx.find_object(CliContext)
            if cli is not None and cli.debug:
                traceback.print_exception(error)
            raise outcome_for(error, ctx.command_path) from None

    def main(  # always exits, like click's own standalone mode
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except Exception as error:
            _end(outcome_for(error, prog_name or "invitesweep"))
        sys.exit(result if isinstance(result, int) else 0)


def _end(outcome: Outcome) -> NoReturn:
    outcome.show()
    sys.exit(outcome.exit_code)


@click.group(cls=InviteSweep, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="invitesweep")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """InviteSweep keeps your LinkedIn sent invitations healthy, from Telegram.

    Start with `invitesweep demo`: it needs no account and shows the whole product offline.

    Exit codes: 0 done, 1 the work failed (all or some), 2 bad input or configuration (nothing
    changed), 3 LinkedIn needs you to sign in, 4 the account is paused, 130 interrupted.
    """
    ctx.obj = CliContext(debug=debug)


for _module in (accounts_cli, bot_run, control_cli, linkedin_cli, sandbox_cli, store_cli):
    for _command in _module.COMMANDS:
        main.add_command(_command)
