"""CLI: `web`, the Telegram front and the scheduler, by long polling or by webhook, on PostgreSQL.

A web process answers commands and taps and runs the weekly digest and the reminder scans; it
never opens a browser (the work it queues is done by `invitesweep worker`). With `--webhook-url`
it serves Telegram's webhook (`bot.webhook`): behind a load balancer several may run, each
checking Telegram's secret token. Without it, it long-polls, and only one may run per token.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import click

from bot.commands.console import CliContext, pass_cli
from bot.commands.outcomes import BadInput
from bot.commands.processes import PollingFront, check_shared_process, run_process
from bot.commands.run_cli import ALLOWED_UPDATES
from bot.commands.texts import invalid, say

DEFAULT_LISTEN = "127.0.0.1"
DEFAULT_PORT = 8080


class WebhookUrl(click.ParamType[str]):
    """The public https address Telegram sends updates to."""

    name = "url"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        url = str(value).strip()
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises on a port that is not a number
        except ValueError:
            raise invalid("webhook_url", value) from None
        if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
            raise invalid("webhook_url", value)
        return url


@click.command("web")
@click.option(
    "--webhook-url",
    type=WebhookUrl(),
    default=None,
    help="Serve Telegram's webhook for this public https URL instead of long polling (needs WEBHOOK_SECRET).",
)
@click.option(
    "--listen",
    default=None,
    help=f"The address the webhook server binds [default: {DEFAULT_LISTEN}; 0.0.0.0 in a container].",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help=f"The port the webhook server binds [default: {DEFAULT_PORT}].",
)
@pass_cli
def web(cli: CliContext, webhook_url: str | None, listen: str | None, port: int | None) -> None:
    """Run the Telegram front and the scheduler (PostgreSQL; browser work is for `worker`)."""
    if webhook_url is None and (listen is not None or port is not None):
        raise BadInput("webhook_options")
    if webhook_url is not None and cli.settings.webhook_secret is None:
        raise BadInput("webhook_secret_missing")
    settings = check_shared_process(cli, "web")
    from bot.app import build_application
    from bot.roles import Role

    if webhook_url is None:
        application = build_application(settings, role=Role.WEB)
        asyncio.run(run_process(settings, application, PollingFront(application)))
        return
    from bot.webhook import WebhookFront, webhook_path

    assert settings.webhook_secret is not None
    host, wanted = listen or DEFAULT_LISTEN, DEFAULT_PORT if port is None else port
    application = build_application(settings, role=Role.WEB, polling=False)
    try:
        front = WebhookFront(
            application,
            url=webhook_url,
            secret=settings.webhook_secret.get_secret_value(),
            listen=host,
            port=wanted,
            allowed_updates=ALLOWED_UPDATES,
        )
    except OSError as error:
        raise BadInput("webhook_listen", host=host, port=wanted, detail=error.strerror or error) from None
    bound_host, bound_port = front.address
    say("webhook_serving", url=webhook_url, host=bound_host, port=bound_port, path=webhook_path(webhook_url))
    asyncio.run(run_process(settings, application, front))
