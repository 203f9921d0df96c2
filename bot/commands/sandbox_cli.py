"""CLI: `sandbox`, the local imitation of the LinkedIn pages."""

from __future__ import annotations

import json
import threading

import click

from bot.commands.outcomes import BadInput
from bot.commands.sandbox_world import world_options
from bot.commands.texts import renderer
from sandbox import SandboxConfig, SandboxServer
from sandbox.config import PLANS

SENT_PATH = "/mynetwork/invitation-manager/sent/"


@click.command("sandbox")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Port to listen on (0 picks a free one).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@world_options()
@click.option(
    "--seed",
    type=click.IntRange(0, 2**32 - 1),
    default=7,
    show_default=True,
    help="Seed of the generated people and ages.",
)
@click.option(
    "--plan",
    type=click.Choice(PLANS),
    default="free",
    show_default=True,
    help="Account plan: note limit 200 (free) or 300 (premium).",
)
@click.option(
    "--drift",
    type=int,
    default=None,
    metavar="SEED",
    help="Vary everything on the pages that carries no meaning (class names, wrappers, order, cards "
    "among the rows, cut notes, month convention, page sizes), reproducibly per SEED.",
)
@click.option(
    "--latency",
    default=None,
    metavar="LOW-HIGH",
    callback=lambda _ctx, _param, value: parse_latency(value),
    help="Answer each lazy-loaded batch of Sent rows after LOW to HIGH milliseconds (uniform, seeded), "
    "as the live site does, e.g. 200-400.",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="NAME=VALUE",
    help="Switch a fault on, e.g. checkpoint=email_pin, withdraw_holds=false, delay_ms=500 (repeatable).",
)
def sandbox(
    port: int,
    host: str,
    rendering: str,
    locale: str,
    pending: int,
    seed: int,
    plan: str,
    drift: int | None,
    latency: tuple[float, float] | None,
    faults: tuple[str, ...],
) -> None:
    """Run the LinkedIn sandbox in the foreground, a local stand-in to try InviteSweep safely.

    Ctrl-C stops it. The world lives in memory: every start is a fresh, seeded world.
    """
    config = SandboxConfig(
        seed=seed,
        pending=pending,
        rendering=rendering,
        locale=locale,
        plan=plan,
        host=host,
        port=port,
        drift=drift,
        fragment_latency=latency,
    )
    texts = renderer()
    server = SandboxServer(config)
    switches = _parse_faults(faults)
    try:
        server.set_faults(**switches)
    except (TypeError, ValueError) as error:
        raise click.BadParameter(str(error), param_hint="--fault") from error
    try:
        base_url = server.start()
    except (OSError, OverflowError, UnicodeError) as error:  # port taken, unknown host, no permission
        detail = error.strerror if isinstance(error, OSError) and error.strerror else type(error).__name__
        raise BadInput("sandbox_listen", host=host, port=port, detail=detail) from None
    try:  # from here on Ctrl-C stops the sandbox cleanly, even while the banner is printed
        click.echo(
            texts.cli(
                "sandbox_started",
                base_url=base_url,
                sent_url=base_url + SENT_PATH,
                config=config,
                faults=switches,
            )
        )
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        click.echo(texts.cli("sandbox_stopped"))


def parse_latency(value: str | None) -> tuple[float, float] | None:
    """`LOW-HIGH` (or one `MS`) milliseconds as (low, high) seconds."""
    if value is None:
        return None
    low, _, high = value.partition("-")
    try:
        bounds = (int(low), int(high or low))
    except ValueError:
        bounds = (-1, -1)
    if not 0 <= bounds[0] <= bounds[1]:
        raise click.BadParameter(
            renderer().cli("sandbox_bad_latency", value=repr(value)), param_hint="--latency"
        )
    return bounds[0] / 1000, bounds[1] / 1000


def _parse_faults(pairs: tuple[str, ...]) -> dict[str, object]:
    """`name=value` pairs; values are read as JSON when they can be (true, 500), else as text."""
    switches: dict[str, object] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            message = renderer().cli("sandbox_bad_fault", pair=repr(pair))
            raise click.BadParameter(message, param_hint="--fault")
        try:
            switches[name.strip()] = json.loads(raw)
        except ValueError:
            switches[name.strip()] = raw
    return switches
