"""CLI: `sandbox`, the local imitation of the LinkedIn pages."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
