"""The command line answers --help for itself and every command."""

import pytest
from click.testing import CliRunner

from bot.cli import main


def test_top_level_help_names_the_demo() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "invitesweep demo" in result.output


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_has_help(name: str) -> None:
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert (main.commands[name].help or "").strip(), f"{name} has no help text"
