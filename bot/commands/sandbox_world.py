"""The options that describe a sandbox world, shared by `sandbox` and `scan --sandbox`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

from sandbox import SandboxConfig
from sandbox.config import LOCALES, RENDERINGS

F = TypeVar("F", bound=Callable[..., object])

_DEFAULTS = SandboxConfig()
MAX_PENDING = 10_000  # twenty times LinkedIn's ceiling: enough for any benchmark, bounded memory


def world_options(help_prefix: str = "") -> Callable[[F], F]:
    """`--rendering`, `--locale` and `--pending`, defaulting to the sandbox's own defaults."""

    def helped(text: str) -> str:
        return f"{help_prefix}{text[0].lower()}{text[1:]}" if help_prefix else text

    def decorate(command: F) -> F:
        options = [
            click.option(
                "--rendering",
                type=click.Choice(RENDERINGS),
                default=_DEFAULTS.rendering,
                show_default=True,
                help=helped("Era of the Sent page: e4 (2026), e3 (early 2026) or e2 (Ember)."),
            ),
            click.option(
                "--locale",
                type=click.Choice(LOCALES),
                default=_DEFAULTS.locale,
                show_default=True,
                help=helped("Language of every page (it: one InviteSweep cannot read, to try that case)."),
            ),
            click.option(
                "--pending",
                type=click.IntRange(0, MAX_PENDING),
                default=_DEFAULTS.pending,
                show_default=True,
                help=helped("Pending invitations in the seeded world."),
            ),
        ]
        for option in reversed(options):
            command = option(command)
        return command

    return decorate
