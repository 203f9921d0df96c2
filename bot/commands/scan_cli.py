"""CLI: `scan` — read the Sent invitations straight from LinkedIn (or the bundled sandbox).

No database is involved: this is the quickest way to see what the automation reads, and to check
that a stored session (a Playwright storage_state file) still works.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from automation.access import LinkedInAccess
from automation.config import AutomationConfig
from automation.errors import AutomationError, SessionExpired
from automation.types import SentList
from bot.commands.console import CliContext, pass_cli
from bot.commands.outcomes import BadInput, NeedsSignIn, WorkFailed
from bot.commands.sandbox_world import world_options
from bot.rendering import Renderer
from sandbox import SandboxConfig, SandboxServer


@click.command("scan")
@click.option("--sandbox", "use_sandbox", is_flag=True, help="Scan a local sandbox started for this command.")
@world_options(help_prefix="With --sandbox: ")
@click.option(
    "--state",
    "state_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Without --sandbox: a Playwright storage_state JSON file holding your LinkedIn session.",
)
@pass_cli
def scan(
    cli: CliContext, use_sandbox: bool, rendering: str, locale: str, pending: int, state_file: Path | None
) -> None:
    """List your pending sent invitations (name, age, profile, note) and LinkedIn's count.

    With --sandbox nothing leaves this machine. Without it, LINKEDIN_BASE_URL is read with the
    session in --state; the file holds your login cookies, so keep it private.
    """
    renderer = cli.renderer
    if not use_sandbox and state_file is None:
        raise click.UsageError(renderer.cli("scan_needs_state"))
    settings = cli.settings
    with ExitStack() as stack:
        if use_sandbox:
            server = stack.enter_context(
                SandboxServer(SandboxConfig(rendering=rendering, locale=locale, pending=pending))
            )
            config = settings.automation_config(base_url=server.base_url)
            storage_state: dict[str, Any] = server.storage_state()
        else:
            assert state_file is not None
            config = settings.automation_config()
            storage_state = read_storage_state(state_file)
        try:
            listed = asyncio.run(_scan(config, storage_state, renderer))
        except SessionExpired as error:
            raise NeedsSignIn("scan_failed", kind=type(error).__name__, error=error) from None
        except AutomationError as error:
            raise WorkFailed("scan_failed", kind=type(error).__name__, error=error) from None
    click.echo(
        renderer.cli(
            "scan", invitations=listed.invitations, pill_count=listed.pill_count, base_url=config.base_url
        )
    )


def read_storage_state(path: Path) -> dict[str, Any]:
    """The storage_state JSON object in `path`.

    Raises:
        BadInput: the file cannot be read, is not UTF-8 JSON, or holds no cookies list.
    """
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInput("state_file", path=path, problem="unreadable", detail=exc.strerror or "") from None
    except UnicodeDecodeError:
        raise BadInput("state_file", path=path, problem="not_text") from None
    except ValueError:
        raise BadInput("state_file", path=path, problem="not_json") from None
    if not isinstance(state, dict) or not isinstance(state.get("cookies", []), list):
        raise BadInput("state_file", path=path, problem="not_a_state") from None
    return state


async def _scan(config: AutomationConfig, storage_state: dict[str, Any], renderer: Renderer) -> SentList:
    """Load every row with a progress bar on stderr (stdout stays the plain list)."""
    with Progress(
        TextColumn(renderer.cli("scan_progress")),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("scan", total=None)

        def advance(loaded: int, total: int | None) -> None:
            progress.update(task, completed=loaded, total=total)

        async with LinkedInAccess(config) as access, access.open(storage_state) as client:
            return await client.list_sent(on_progress=advance)
