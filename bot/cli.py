"""The `invitesweep` command line: a click group whose commands live in `bot.commands.*`.

`COMMANDS` names each command's module and its one-line help. A command's module (and what it
imports: the store, the services, the sandbox, Telegram) is loaded only when that command runs
or shows its help, so `invitesweep --help` lists everything from the table alone and starts in
a fraction of the time (docs/benchmarks.md). A test holds the table to the commands' own help.

It is also the one place where a command's end becomes an exit code: whatever a command raises
is turned into an `Outcome` (see `bot.commands.outcomes` for the table) and printed as one line
on stderr. `--debug` prints the traceback of an unexpected error before that line.
"""

from __future__ import annotations

import gc
import importlib
import sys
import traceback
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

import click

if TYPE_CHECKING:
    from bot.commands.outcomes import Outcome

# Nothing of the product is imported here at module level: `--help` needs only click, and each
# command loads what it needs (the context and outcomes come with the first command to run).


class LazyCommand(NamedTuple):
    """Where a command lives (`module`, `attribute`) and its one-line help, shown without loading it."""

    module: str
    attribute: str
    summary: str


COMMANDS: dict[str, LazyCommand] = {
    "accounts": LazyCommand(
        "bot.commands.accounts_cli",
        "accounts",
        'The LinkedIn accounts InviteSweep keeps (self-hosting usually has one: "default").',
    ),
    "db": LazyCommand("bot.commands.db_cli", "db", "The database."),
    "demo": LazyCommand(
        "bot.commands.demo_cli",
        "demo_command",
        "Try everything offline: a local LinkedIn imitation, no account, no Telegram, about a minute.",
    ),
    "digest": LazyCommand(
        "bot.commands.digest_cli",
        "digest",
        "Print the weekly digest: pending vs ceiling, age buckets, the stalest invitations.",
    ),
    "doctor": LazyCommand(
        "bot.commands.doctor_cli",
        "doctor",
        "Check the setup: browser, database, Telegram token, LinkedIn session (one line each).",
    ),
    "export": LazyCommand(
        "bot.commands.export_cli",
        "export",
        "Write the tracking sheet (every invitation, dates, notes, follow-ups) as CSV.",
    ),
    "followups": LazyCommand(
        "bot.commands.followups_cli",
        "followups_group",
        "Follow-ups after acceptance: list them, or mark one done.",
    ),
    "keep": LazyCommand(
        "bot.commands.keep_cli", "keep", "The keep list: people never suggested and never withdrawn in bulk."
    ),
    "login": LazyCommand(
        "bot.commands.login_cli",
        "login",
        "Sign in to LinkedIn in a visible browser (2FA, captcha) and store the session encrypted.",
    ),
    "note": LazyCommand("bot.commands.note_cli", "note", "Connection notes."),
    "pause": LazyCommand(
        "bot.commands.control_cli",
        "pause",
        "Pause the account's browser work (queued work waits; nothing is lost).",
    ),
    "queue": LazyCommand(
        "bot.commands.queue_cli",
        "queue",
        "The queue of browser work (withdrawals, invitations, syncs) that `invitesweep run` works through.",
    ),
    "resume": LazyCommand(
        "bot.commands.control_cli", "resume", "Resume the account's browser work, whatever paused it."
    ),
    "run": LazyCommand("bot.commands.run_cli", "run", "Run the Telegram bot (long polling)."),
    "sandbox": LazyCommand(
        "bot.commands.sandbox_cli",
        "sandbox",
        "Run the LinkedIn sandbox in the foreground, a local stand-in to try InviteSweep safely.",
    ),
    "scan": LazyCommand(
        "bot.commands.scan_cli",
        "scan",
        "List your pending sent invitations (name, age, profile, note) and LinkedIn's count.",
    ),
    "stats": LazyCommand(
        "bot.commands.stats_cli",
        "stats",
        "Acceptance rates (overall, with and without a note), how fast people accept, pending over time.",
    ),
    "status": LazyCommand(
        "bot.commands.status_cli",
        "status",
        "Show the account: session, last sync, pending vs ceiling, queue, reminders, notes left.",
    ),
    "sync": LazyCommand(
        "bot.commands.sync_cli", "sync", "Read the Sent invitations page and bring the store up to date."
    ),
    "web": LazyCommand(
        "bot.commands.web_cli",
        "web",
        "Run the Telegram front and the scheduler (PostgreSQL; browser work is for `worker`).",
    ),
    "withdraw": LazyCommand(
        "bot.commands.withdraw_cli",
        "withdraw",
        "Withdraw pending invitations older than an age, oldest first, within the daily cap.",
    ),
    "worker": LazyCommand(
        "bot.commands.worker_cli",
        "worker",
        "Do the browser work queued by `invitesweep web` (PostgreSQL).",
    ),
}
"""Every command: where it lives and its one-line help (its docstring's first sentence)."""


def load_command(entry: LazyCommand) -> click.Command:
    """Import a command from its module.

    The import makes some 90,000 objects that live as long as the process (classes, functions,
    SQLAlchemy's and pydantic's tables), and the cyclic garbage collector walked them again and
    again while they were made, and after: about 0.4 s of `status`'s 1 s of CPU. So it is off
    for the import, and what the import made is then frozen, out of every later collection's way
    (docs/benchmarks.md). The few hundred objects the import left as garbage stay frozen too:
    collecting them first would cost a full collection (~65 ms) to free a few kilobytes.
    """
    if entry.module in sys.modules:  # loaded already (tests invoke many commands in one process)
        module = sys.modules[entry.module]
    else:
        collecting = gc.isenabled()
        gc.disable()
        try:
            module = importlib.import_module(entry.module)
        finally:
            if collecting:
                gc.freeze()
                gc.enable()
    command = getattr(module, entry.attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{entry.module}.{entry.attribute} is not a click command")
    return command


class InviteSweep(click.Group):
    """A click group whose every failure ends as an `Outcome`: one stderr line and its exit code.

    Besides the commands added to it, it has `lazy_commands` (for `main`: `COMMANDS`), each
    loaded on first use.
    """

    def __init__(
        self, *args: Any, lazy_commands: Mapping[str, LazyCommand] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in self.lazy_commands:
            return super().get_command(ctx, cmd_name)
        return load_command(self.lazy_commands[cmd_name])

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of `--help`; a lazy command's line comes from its table, unloaded."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max((len(name) for name in names), default=0)
        rows = []
        for name in names:
            # A stand-in with the same help shortens it exactly as click shortens the command's own.
            command = self.commands.get(name) or click.Command(name, help=self.lazy_commands[name].summary)
            if not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:
            from bot.commands.console import CliContext
            from bot.commands.outcomes import outcome_for

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
            from bot.commands.outcomes import outcome_for

            _end(outcome_for(error, prog_name or "invitesweep"))
        sys.exit(result if isinstance(result, int) else 0)


def _end(outcome: Outcome) -> NoReturn:
    outcome.show()
    sys.exit(outcome.exit_code)


@click.group(
    cls=InviteSweep, lazy_commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(package_name="invitesweep")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """InviteSweep keeps your LinkedIn sent invitations healthy, from Telegram.

    Start with `invitesweep demo`: it needs no account and shows the whole product offline.

    Exit codes: 0 done, 1 the work failed (all or some), 2 bad input or configuration (nothing
    changed), 3 LinkedIn needs you to sign in, 4 the account is paused, 130 interrupted.
    """
    from bot.commands.console import CliContext

    ctx.obj = CliContext(debug=debug)
