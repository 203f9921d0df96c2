"""The CLI's words: its one `Renderer`, and the helpers that print or refuse with a template.

Every text the command line shows comes from `templates/cli/` through `renderer()`, built once
per process on first use (so `--help` and a command that prints nothing build none).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import click

from bot.rendering import Renderer


@cache
def renderer() -> Renderer:
    """The command line's one renderer."""
    return Renderer()


def say(template: str, **context: Any) -> None:
    """Print `templates/cli/<template>.txt.j2` to stdout."""
    click.echo(renderer().cli(template, **context))


def invalid(reason: str, value: object, **detail: Any) -> click.BadParameter:
    """A `BadParameter` whose message is `cli/invalid.txt.j2` for `reason`."""
    return click.BadParameter(renderer().cli("invalid", reason=reason, value=value, **detail))
