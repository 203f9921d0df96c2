"""CLI: `run`, the Telegram bot (long polling), optionally against the bundled LinkedIn sandbox.

Before polling starts, the Bot API is asked who the bot is (`getMe`): while it cannot be reached
the command says so on one line per attempt and tries again with growing pauses, so a bot
started before the network (a reboot, a container) comes up by itself instead of crashing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import click
from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError

from bot.commands.console import CliContext, ensure_data_dir, open_store, pass_cli
from bot.commands.outcomes import BadInput
from bot.commands.texts import renderer
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.db.session import SessionFactory
    from sandbox import SandboxServer

BOT_API_FIRST_DELAY_SECONDS = 1.0
BOT_API_MAX_DELAY_SECONDS = 60.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
"""Only what the bot acts on: edited messages would re-run commands, membership changes need nothing."""
SANDBOX_DATABASE = "sandbox.sqlite3"  # sandbox mode never touches the real store


class RedactSecrets(logging.Filter):
    """Replace secrets in every log line (PTB and httpx put the token in request URLs)."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = message
        for secret in self._secrets:
            redacted = redacted.replace(secret, "[redacted]")
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_text is None and self._secrets:
            # Format the traceback now, redacted, so no handler formats the raw one later.
            text = logging.Formatter().formatException(record.exc_info)
            for secret in self._secrets:
                text = text.replace(secret, "[redacted]")
            record.exc_text = text
        return True


def configure_logging(settings: Settings) -> None:
    """INFO to stderr, without request URLs from httpx and with every secret redacted."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    # alembic.runtime.plugins announces each plugin as Alembic loads, which `run` does after this
    # (only when the store needs migrating).
    for noisy in ("httpx", "httpcore", "apscheduler", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    secrets = [
        s.get_secret_value()
        for s in (settings.telegram_bot_token, settings.session_key, settings.webhook_secret)
        if s is not None
    ]
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactSecrets(secrets))


async def prepare_store(settings: Settings, sandbox_state: dict[str, Any] | None) -> None:
    """Bring the store to the newest schema, and with `run --sandbox` sign every account in.

    At the newest schema already (nearly always), Alembic is not loaded and stays out of the
    long-running bot's memory (docs/benchmarks.md).
    """
    async with open_store(settings) as db:
        if sandbox_state is not None:
            await _adopt_sandbox_session(db, settings, sandbox_state)


async def _adopt_sandbox_session(
    db: SessionFactory, settings: Settings, storage_state: dict[str, Any]
) -> None:
    """Give the sandbox's minted session to every account (and make the default one if none)."""
    from bot.services.accounts import all_accounts, get_or_create_account
    from bot.services.clock import system_clock
    from bot.services.secrets import SessionVault
    from bot.services.session_health import adopt_session

    vault = SessionVault.from_settings(settings)
    async with db.begin() as session:
        await get_or_create_account(session, timezone=settings.default_timezone)
        for account in await all_accounts(session):
            await adopt_session(session, account, vault, storage_state, system_clock())


def backoff_delays(first: float, ceiling: float) -> Iterator[float]:
    """first, 2·first, 4·first, … up to `ceiling`, then `ceiling` for ever."""
    delay = first
    while True:
        yield delay
        delay = min(delay * 2, ceiling)


async def wait_for_bot_api(
    settings: Settings,
    *,
    first_delay: float = BOT_API_FIRST_DELAY_SECONDS,
    max_delay: float = BOT_API_MAX_DELAY_SECONDS,
    stop: asyncio.Event | None = None,
) -> bool:
    """Ask the Bot API `getMe` until it answers; False if stopped (SIGINT/SIGTERM) while waiting.

    Each failed attempt prints one line on stderr (the reason's class, never the token). A
    caller that handles the stop signals itself passes its `stop` event; else they are caught
    here while waiting.

    Raises:
        BadInput: the Bot API answered and refused the token (or is not a Bot API at all).
    """
    assert settings.telegram_bot_token is not None
    bot = Bot(settings.telegram_bot_token.get_secret_value(), base_url=settings.telegram_api_base_url)
    own_signals = stop is None
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS if own_signals else ():
        loop.add_signal_handler(signum, stop.set)
    try:
        for attempt, delay in enumerate(backoff_delays(first_delay, max_delay), start=1):
            try:
                await bot.initialize()
                return True
            except InvalidToken:
                raise BadInput("bot_token_refused", url=settings.telegram_api_base_url) from None
            except NetworkError as error:  # also TimedOut; a BadRequest cannot answer getMe
                click.echo(
                    renderer().cli(
                        "bot_api_unreachable",
                        url=settings.telegram_api_base_url,
                        kind=type(error).__name__,
                        attempt=attempt,
                        delay=delay,
                    ),
                    err=True,
                )
            try:
                await asyncio.wait_for(stop.wait(), timeout=delay)
                return False
            except TimeoutError:
                continue
        return False  # unreachable: the delays never end
    finally:
        for signum in STOP_SIGNALS if own_signals else ():
            loop.remove_signal_handler(signum)
        await bot.shutdown()


@click.command("run")
@click.option(
    "--sandbox", is_flag=True, help="Run against the bundled LinkedIn sandbox: safe to try every button."
)
@pass_cli
def run(cli: CliContext, sandbox: bool) -> None:
    """Run the Telegram bot (long polling). Needs TELEGRAM_BOT_TOKEN."""
    settings = cli.settings
    if settings.telegram_bot_token is None or not settings.telegram_bot_token.get_secret_value():
        raise BadInput("no_token")
    ensure_data_dir(settings)
    # PTB 22 warns on every flood-control answer unless periods are timedeltas; opt in.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    configure_logging(settings)

    from bot.app import build_application

    server: SandboxServer | None = None
    automation_config = None
    if sandbox:
        from sandbox import SandboxConfig, SandboxServer  # only then: the bot itself serves no pages

        if not settings.database_url:
            settings = settings.model_copy(
                update={"database_url": f"sqlite:///{settings.data_dir / SANDBOX_DATABASE}"}
            )
        server = SandboxServer(SandboxConfig())
        base_url = server.start()
        automation_config = settings.automation_config(base_url=base_url)
        click.echo(renderer().render("telegram/console/sandbox.txt.j2", base_url=base_url))
    try:
        asyncio.run(prepare_store(settings, server.storage_state() if server is not None else None))
        if not asyncio.run(wait_for_bot_api(settings)):
            return
        application = build_application(settings, automation_config=automation_config)
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
    finally:
        if server is not None:
            server.stop()
