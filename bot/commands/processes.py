"""What `web` and `worker` share: refusing SQLite, the start-up `run` also does, and a clean stop.

Several processes coordinate through the store (the queue's row locks), which only PostgreSQL
gives them; SQLite stays the store of `run`, the single process that does everything. Both
commands then start as `run` does (the store migrated when behind, logs with secrets redacted,
the Bot API awaited) and stop on SIGINT/SIGTERM after the work in hand: PTB's `Application.stop`
waits for running jobs, and the action worker takes one action per step.
"""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.engine import make_url

from bot.commands.console import CliContext, ensure_data_dir
from bot.commands.outcomes import BadInput
from bot.commands.run_cli import (
    ALLOWED_UPDATES,
    STOP_SIGNALS,
    configure_logging,
    prepare_store,
    wait_for_bot_api,
)
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.app import BotApplication


class Front(Protocol):
    """What feeds a process its updates: PTB's updater (`PollingFront`) or the webhook server."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class PollingFront:
    """Long polling through the application's own updater (one poller per token)."""

    def __init__(self, application: BotApplication) -> None:
        assert application.updater is not None
        self._updater = application.updater

    async def start(self) -> None:
        await self._updater.start_polling(allowed_updates=ALLOWED_UPDATES)

    async def stop(self) -> None:
        if self._updater.running:
            await self._updater.stop()


def check_shared_process(cli: CliContext, command: str) -> Settings:
    """The settings `command` runs on, with logging set up as `run` has it.

    Raises:
        BadInput: no token, or a SQLite store (several processes need PostgreSQL).
    """
    settings = cli.settings
    if settings.telegram_bot_token is None or not settings.telegram_bot_token.get_secret_value():
        raise BadInput("no_token")
    if make_url(settings.resolved_database_url).get_backend_name() != "postgresql":
        raise BadInput("needs_postgres", command=command)
    ensure_data_dir(settings)
    # PTB 22 warns on every flood-control answer unless periods are timedeltas; opt in.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    configure_logging(settings)
    return settings


async def run_process(settings: Settings, application: BotApplication, front: Front | None = None) -> None:
    """Migrate the store if behind, await the Bot API, then serve until SIGINT/SIGTERM.

    The stop signals are caught from the first moment to the last, so one that comes while the
    process is still starting stops it as cleanly as one that comes later.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stop.set)
    try:
        await prepare_store(settings, None)
        if stop.is_set() or not await wait_for_bot_api(settings, stop=stop) or stop.is_set():
            return
        await _serve(application, front, stop)
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)


async def _serve(application: BotApplication, front: Front | None, stop: asyncio.Event) -> None:
    """Start `application` (and `front`), wait for `stop`, then stop in order.

    The order is PTB's own `run_polling`'s: initialize, post_init, the front, start; at the stop,
    the front first (no new updates), then the application (updates taken are handled, running
    jobs finish: the action in hand), shutdown, post_shutdown.
    """
    await application.initialize()
    try:
        assert application.post_init is not None
        await application.post_init(application)
        if front is not None:
            await front.start()
        try:
            await application.start()
            await stop.wait()
        finally:
            if front is not None:
                await front.stop()
            if application.running:
                await application.stop()
    finally:
        await application.shutdown()
        assert application.post_shutdown is not None
        await application.post_shutdown(application)
