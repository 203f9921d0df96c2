"""How a command ends: every kind of failure maps to its exit code and one line, in one place."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from automation.browser import BrowserNotFound
from automation.errors import (
    AccountRestricted,
    BadLogin,
    HumanRequired,
    LayoutChanged,
    SessionExpired,
    WeeklyLimit,
)
from bot.cli import InviteSweep, main
from bot.commands.console import CliContext
from bot.commands.outcomes import WorkFailed
from bot.services.actions import ActionRefused
from bot.services.secrets import SessionKeyError

SECRET = "hunter2-in-a-message"


def group_raising(error: BaseException) -> click.Group:
    """A front door like `invitesweep`'s whose one command raises `error`."""

    @click.group(cls=InviteSweep)
    @click.option("--debug", is_flag=True)
    @click.pass_context
    def front(ctx: click.Context, debug: bool) -> None:
        ctx.obj = CliContext(debug=debug)

    @front.command()
    def work() -> None:
        raise error

    return front


@pytest.mark.parametrize(
    ("error", "code", "says"),
    [
        (LayoutChanged(SECRET), 1, "did not look as expected"),
        (SessionExpired("gone"), 3, "invitesweep login"),
        (HumanRequired("captcha"), 3, "a person at the screen"),
        (BadLogin("no"), 3, "did not accept that email and password"),
        (WeeklyLimit("limit"), 4, "weekly invitation limit"),
        (AccountRestricted("restricted"), 4, "restricted"),
        (BrowserNotFound("no Chromium found; set BROWSER_PATH"), 2, "BROWSER_PATH"),
        (ActionRefused("account_paused"), 4, "paused"),
        (ActionRefused("busy"), 1, "Not possible right now"),
        (SessionKeyError("the key does not fit"), 2, "SESSION_KEY"),
        (WorkFailed("withdraw_aborted"), 1, "Nothing was withdrawn"),
        (KeyError(SECRET), 1, "unexpected error (KeyError)"),
        (KeyboardInterrupt(), 130, "Interrupted"),
    ],
)
def test_each_failure_has_its_code_and_one_line(error: BaseException, code: int, says: str) -> None:
    result = CliRunner().invoke(group_raising(error), ["work"])
    assert result.exit_code == code, result.output
    assert says in result.stderr
    # click ends the terminal's "^C" line with an empty one before the outcome's line
    assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1
    assert "Traceback" not in result.output
    if isinstance(error, KeyError):
        assert SECRET not in result.output  # a bug's message may hold anything


def test_debug_shows_where_a_bug_happened() -> None:
    result = CliRunner().invoke(group_raising(KeyError("where")), ["--debug", "work"])
    assert result.exit_code == 1
    assert "Traceback" in result.stderr and "KeyError" in result.stderr
    assert "stopped on an unexpected error (KeyError)" in result.stderr.splitlines()[-1]


def test_a_closed_stdin_at_a_question_is_bad_input() -> None:
    @click.group(cls=InviteSweep)
    def front() -> None:
        pass

    @front.command()
    def ask() -> None:
        click.confirm("Sure?", abort=True)

    result = CliRunner().invoke(front, ["ask"], input="")
    assert result.exit_code == 2
    assert "nothing answered on standard input" in result.stderr.splitlines()[-1]


def test_help_lists_the_exit_codes() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert "3 LinkedIn needs you to sign in" in " ".join(result.output.split())


def test_a_usage_error_is_one_sentence_then_where_help_is() -> None:
    result = CliRunner().invoke(main, ["sandbox", "--fault", "nonsense"])
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.endswith("delay_ms=500). See `main sandbox --help`.")
