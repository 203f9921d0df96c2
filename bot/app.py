"""The composition root: `build_application(settings)` is the only place the bot is put together.

It builds the PTB `Application` (token, Bot API base URL, rate limiter, HTML defaults, the typed
context), wires the resources that live and die with it (`_start_resources`/`_stop_resources`),
and registers every handler in one ordered list. Nothing here runs at import time. How the
pieces it wires depend on each other: docs/architecture.md.

The process's `Role` (bot.roles) decides what is wired: `ALL` (`run`) everything; `WEB` the
handlers and the scans but no browser at all; `WORKER` no handlers and no updater (it never asks
for updates), only the browser jobs, which still send and edit messages through the Bot API.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import click
from telegram import BotCommand
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, BaseHandler, ContextTypes, Defaults

from automation.access import ClientOpener, LinkedInAccess
from automation.config import AutomationConfig
from bot import jobs
from bot.context import BotContext, BotData, ChatData, UserData
from bot.data_folder import secure_data_folder
from bot.db.session import create_engine, create_session_factory
from bot.delivery import Delivery
from bot.handlers import (
    access,
    accounts,
    control,
    digest,
    errors,
    export,
    fallback,
    followups,
    login,
    notes,
    onboarding,
    pending,
    preferences,
    queue,
    replies,
    status,
    templates,
    withdraw,
)
from bot.rendering import DEFAULT_LANGUAGE, Renderer
from bot.roles import Role
from bot.services.clock import Clock, system_clock
from bot.services.linkedin import ClientProvider
from bot.services.owners import new_pairing_code, stored_owner_ids
from bot.services.secrets import SessionVault
from bot.settings import Settings
from bot.update_order import ChatOrderedProcessor

logger = logging.getLogger(__name__)

BotApplication = Application[Any, BotContext, UserData, ChatData, BotData, Any]

COMMANDS = (
    "start",
    "help",
    "status",
    "digest",
    "pending",
    "withdraw",
    "keep",
    "queue",
    "settings",
    "note",
    "login",
    "logout",
    "pause",
    "resume",
    "export",
    "stats",
    "templates",
    "accounts",
)
"""The menu shown by Telegram (setMyCommands), in this order; descriptions are templates."""

LANGUAGES = ("en", "nl")
RATE_LIMIT_RETRIES = 3
CONNECTION_POOL_SIZE = 8  # a 429 is waited out and retried, so nothing the bot sends is lost


def _handlers() -> list[tuple[int, BaseHandler[Any, BotContext, Any]]]:
    """Every handler with its group, in the order PTB must try them. Order matters!"""
    return [
        # Group -1: the owner gate sees every update first and stops strangers' updates.
        (-1, access.OWNER_GATE),
        # Group 0, 1: commands. /start must come first: it is the only one strangers reach (pairing).
        *((0, h) for h in onboarding.HANDLERS),
        *((0, h) for h in status.HANDLERS),
        *((0, h) for h in digest.HANDLERS),
        *((0, h) for h in pending.HANDLERS),
        *((0, h) for h in withdraw.HANDLERS),
        *((0, h) for h in queue.HANDLERS),
        *((0, h) for h in preferences.HANDLERS),
        *((0, h) for h in notes.HANDLERS),
        *((0, h) for h in followups.HANDLERS),
        *((0, h) for h in templates.HANDLERS),
        *((0, h) for h in login.HANDLERS),
        *((0, h) for h in control.HANDLERS),
        *((0, h) for h in accounts.HANDLERS),
        *((0, h) for h in export.HANDLERS),
        # Group 0, 2: plain text answers a question the bot asked (a note, context, a PIN, a cookie).
        *((0, h) for h in replies.HANDLERS),
        # Group 0, 3: last resort: buttons no pattern took (forged, outdated) and unknown commands.
        *((0, h) for h in fallback.HANDLERS),
    ]


def _file_url(base_url: str) -> str:
    """Telegram's file URL for a Bot API base URL ("…/bot" → "…/file/bot")."""
    root, _, _ = base_url.rstrip("/").rpartition("/")
    return f"{root}/file/bot"


def build_application(
    settings: Settings,
    *,
    linkedin_client_factory: ClientOpener | None = None,
    automation_config: AutomationConfig | None = None,
    clock: Clock = system_clock,
    role: Role = Role.ALL,
    polling: bool = True,
) -> BotApplication:
    """Build the bot for `settings`; resources are created when the application starts.

    `linkedin_client_factory` replaces the real browser (tests, `run --sandbox`);
    `automation_config` overrides the one made from settings; `clock` is the time the services see.
    `role` is the process's part (bot.roles); `polling=False` builds no updater, for a front whose
    updates come by webhook (`bot.webhook` puts them on `application.update_queue`).
    """
    token = settings.telegram_bot_token
    if token is None or not token.get_secret_value():
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    context_types = ContextTypes(context=BotContext, bot_data=BotData, user_data=UserData, chat_data=ChatData)
    builder = ApplicationBuilder()
    if not (polling and role.handles_updates):
        builder = builder.updater(None)
    application: BotApplication = (
        builder.token(token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(_file_url(settings.telegram_api_base_url))
        .rate_limiter(AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
        # PTB's default pool is one connection: an answer would queue behind every edit in flight.
        .connection_pool_size(CONNECTION_POOL_SIZE)
        # One update at a time made a burst of taps wait for each other's answers.
        .concurrent_updates(ChatOrderedProcessor())
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=ZoneInfo(settings.default_timezone)))
        .context_types(context_types)
        .post_init(_start_resources)
        .post_shutdown(_stop_resources)
        .build()
    )
    data = application.bot_data
    data.settings = settings
    data.role = role
    data.clock = clock
    data.renderer = Renderer()
    data.delivery = Delivery(application.bot, data.renderer)
    if role.runs_browser:  # a WEB process has no browser: nothing in it can launch one
        data.browsers = LinkedInAccess(
            automation_config or settings.automation_config(), opener=linkedin_client_factory
        )
    if role.handles_updates:
        for group, handler in _handlers():
            application.add_handler(handler, group=group)
    application.add_error_handler(errors.report_error)
    return application


async def _start_resources(application: BotApplication) -> None:
    """Open the database and the LinkedIn route, meet the owners (with handlers), schedule the role's jobs."""
    data = application.bot_data
    settings = data.settings
    assert settings is not None and data.renderer is not None
    secure_data_folder(settings)
    data.engine = create_engine(settings.resolved_database_url)
    data.db = create_session_factory(data.engine)
    data.vault = SessionVault.from_settings(settings)
    if data.browsers is not None:
        lease = timedelta(seconds=settings.worker_lease_seconds)
        data.linkedin = ClientProvider(data.db, data.vault, data.browsers.open, data.clock, lease=lease)
    if data.role.handles_updates:
        await _meet_owners(application)
    await jobs.schedule(application, data.role)


async def _meet_owners(application: BotApplication) -> None:
    """Learn the owners (or print a pairing code) and set the menu: what a process with handlers needs."""
    data = application.bot_data
    settings = data.settings
    assert settings is not None and data.renderer is not None and data.db is not None
    if settings.telegram_owner_ids:
        data.owner_ids = set(settings.telegram_owner_ids)
    else:
        async with data.db() as session:
            data.owner_ids = await stored_owner_ids(session)
        if not data.owner_ids:
            data.pairing_code = new_pairing_code()
            me = await application.bot.get_me()
            click.echo(
                data.renderer.render("telegram/console/pairing.txt.j2", code=data.pairing_code, bot=me)
            )
    for language in LANGUAGES:
        await application.bot.set_my_commands(
            _menu(data.renderer, language), language_code=None if language == DEFAULT_LANGUAGE else language
        )


def _menu(renderer: Renderer, language: str) -> list[BotCommand]:
    lines = renderer.render(f"telegram/{language}/commands.txt.j2").splitlines()
    descriptions = dict(line.split(" - ", 1) for line in lines if " - " in line)
    return [BotCommand(name, descriptions[name]) for name in COMMANDS]


async def _stop_resources(application: BotApplication) -> None:
    """Close the browser and the database."""
    data = application.bot_data
    if data.browsers is not None:
        await data.browsers.close()
    if data.engine is not None:
        await data.engine.dispose()
