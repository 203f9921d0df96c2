"""CLI: `run`, the Telegram bot."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
