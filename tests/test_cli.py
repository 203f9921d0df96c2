"""The command line answers --help for itself and every command."""

import pytest
from click.testing import CliRunner

from bot.cli import COMMANDS, load_command, main


def test_top_level_help_names_the_demo() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "invitesweep demo" in result.output


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help(name: str) -> None:
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert (load_command(COMMANDS[name]).help or "").strip(), f"{name} has no help text"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_table_holds_each_commands_own_one_line_help(name: str) -> None:
    command = load_command(COMMANDS[name])
    assert command.name == name
    assert COMMANDS[name].summary == command.get_short_help_str(limit=1000)


def test_top_level_help_lists_every_command_with_its_line() -> None:
    output = CliRunner().invoke(main, ["--help"], terminal_width=200).output
    listed = dict(
        line.strip().split(None, 1) for line in output.split("Commands:")[1].splitlines() if line.strip()
    )
    assert listed == {name: entry.summary for name, entry in COMMANDS.items()}
