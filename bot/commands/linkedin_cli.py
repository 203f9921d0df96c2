"""CLI: `login`, `scan` — direct LinkedIn operations."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
