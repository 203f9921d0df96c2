"""CLI: commands over the store and services (sync, status, digest, withdraw, demo, db, doctor, ...)."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
