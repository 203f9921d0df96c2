"""How a command ends: its exit code and the one line that says why.

    code  exception      meaning
    0     —              done
    1     WorkFailed     the work failed, all of it or some (the line says what failed), or
                         another process is working on the account (`AccountBusy`)
    2     BadInput       bad input or configuration: nothing was changed
    3     NeedsSignIn    LinkedIn needs a person: sign in (again) with `invitesweep login`
    4     AccountPaused  the account's browser work is paused (`invitesweep status` says why)
    130   —              interrupted (Ctrl-C)

Commands stop by raising one of these with a template from `templates/cli/` and its context,
e.g. `raise WorkFailed("withdraw_failed", failed=3, total=5)`. They are click exceptions, so
click prints them (on stderr, as one line) and exits with the class's code; `outcome_for` turns
everything else a command may raise (a LinkedIn failure, a refused action, Ctrl-C, a bug) into
one of them. `bot.cli.main` applies it to every command: nothing else calls `sys.exit`.
"""

from __future__ import annotations

from typing import IO, Any, ClassVar

import click

from automation.browser import BrowserNotFound
from automation.errors import AutomationError, BadLogin, CheckpointRequired, HumanRequired, SessionExpired
from bot.commands.texts import renderer

EXIT_INTERRUPTED = 130  # the shell's own code for a process stopped by SIGINT

SIGN_IN_ERRORS = (SessionExpired, HumanRequired, CheckpointRequired, BadLogin)
"""LinkedIn failures that only a person signing in can clear."""


def one_line(text: str) -> str:
    """`text` with every run of whitespace (newlines included) folded into one space."""
    return " ".join(text.split())


class Outcome(click.ClickException):
    """A command's end other than success: a template from `templates/cli/` and an exit code."""

    code: ClassVar[int] = 1
    """The exit code, also set as click's `exit_code` on each instance."""

    def __init__(self, template: str, /, **context: Any) -> None:
        self.template = template
        self.context = context
        super().__init__(template)
        # click 8.4 declares `exit_code` per instance, 8.5 as a class variable: setting it on the
        # instance this way is right at run time under both and type-checks under both.
        object.__setattr__(self, "exit_code", self.code)

    def format_message(self) -> str:
        return one_line(renderer().cli(self.template, **self.context))

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.format_message(), file=file, err=file is None)


class WorkFailed(Outcome):
    """The work failed, all or some of it; the template says what (exit 1)."""

    code = 1


class BadInput(Outcome):
    """Bad input or configuration; nothing was changed (exit 2)."""

    code = 2


class NeedsSignIn(Outcome):
    """LinkedIn needs a person to sign in before this can run (exit 3)."""

    code = 3


class AccountPaused(Outcome):
    """The account's browser work is paused until someone acts (exit 4)."""

    code = 4


class Interrupted(Outcome):
    """Stopped with Ctrl-C (exit 130)."""

    code = EXIT_INTERRUPTED


def outcome_for(error: BaseException, command: str = "invitesweep") -> Outcome:
    """The outcome a command ends with when `error` escapes it; `command` names it in hints."""
    from bot.services.actions import ActionRefused
    from bot.services.linkedin import AccountBusy
    from bot.services.secrets import SessionKeyError

    if isinstance(error, Outcome):
        return error
    if isinstance(error, click.UsageError):
        where = error.ctx.command_path if error.ctx is not None else command
        return BadInput("usage", command=where, message=error.format_message())
    if isinstance(error, click.ClickException):
        return BadInput("usage", command=command, message=error.format_message())
    if isinstance(error, click.Abort):
        if isinstance(error.__context__, KeyboardInterrupt):
            return Interrupted("interrupted")
        return BadInput("no_answer", command=command)
    if isinstance(error, KeyboardInterrupt):
        return Interrupted("interrupted")
    if isinstance(error, BrowserNotFound):
        return BadInput("browser_failed", error=error, kind="BrowserNotFound")
    if isinstance(error, SIGN_IN_ERRORS):
        return NeedsSignIn("browser_failed", error=error, kind=type(error).__name__)
    if isinstance(error, AutomationError):
        failure = AccountPaused if error.pauses_account else WorkFailed
        return failure("browser_failed", error=error, kind=type(error).__name__)
    if isinstance(error, AccountBusy):
        return WorkFailed("account_busy", lost=error.lost)
    if isinstance(error, ActionRefused):
        failure = AccountPaused if error.reason == "account_paused" else WorkFailed
        return failure("action_refused", reason=error.reason)
    if isinstance(error, SessionKeyError):
        return BadInput("browser_failed", error=error, kind="SessionKeyError")
    return WorkFailed("unexpected", kind=type(error).__name__, command=command)
