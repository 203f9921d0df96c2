"""CLI: `export --csv` — the tracking sheet (every invitation, dates, notes, follow-ups) as CSV."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.commands.console import CliContext, find_account, pass_cli, run
from bot.commands.outcomes import WorkFailed
from bot.commands.params import account_option
from bot.commands.texts import say
from bot.services.export import sheet_rows, write_csv


@click.command()
@account_option
@click.option(
    "--csv",
    "csv_path",
    required=True,
    type=click.Path(dir_okay=False, writable=True, allow_dash=True, path_type=Path),
    help="Where to write the tracking sheet (- for stdout).",
)
@pass_cli
def export(cli: CliContext, account_name: str, csv_path: Path) -> None:
    """Write the tracking sheet (every invitation, dates, notes, follow-ups) as CSV."""

    async def _export() -> None:
        async with cli.store() as db:
            account = await find_account(db, account_name)
            async with db() as session:
                rows = await sheet_rows(session, account)
        if str(csv_path) == "-":
            write_csv(rows, sys.stdout)
            return
        try:
            with csv_path.open("w", newline="", encoding="utf-8") as stream:
                count = write_csv(rows, stream)
        except OSError as exc:
            detail = exc.strerror or type(exc).__name__
            raise WorkFailed("invalid", reason="csv_path", value=csv_path, detail=detail) from None
        say("export_done", count=count, path=csv_path)

    run(_export())
