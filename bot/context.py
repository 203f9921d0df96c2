"""The typed context every handler and job receives: `context.db`, `context.render`, ...

PTB builds `bot_data` and `user_data` itself (by calling their classes without arguments), so
`BotData` starts empty; `build_application` fills in what is known at build time and `post_init`
the resources that need the event loop. The properties on `BotContext` fail loudly if a resource
is used before start-up instead of handing out `None`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from telegram import User
from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.rendering import Renderer
from bot.roles import Role
from bot.services.clock import Clock, system_clock
from bot.services.conversations import Asking, Awaiting, Conversations
from bot.services.owners import KnownOwners

__all__ = ["AFTER_ANSWER_SLOTS", "Asking", "Awaiting", "BotContext", "BotData", "ChatData", "UserData"]

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from automation.access import LinkedInAccess
    from bot.db.models import Account
    from bot.db.session import SessionFactory
    from bot.delivery import Delivery
    from bot.services.linkedin import ClientProvider
    from bot.services.secrets import SessionVault
    from bot.settings import Settings


@dataclass
class UserData:
    """Nothing per user in memory: what a user's next message answers is in the store
    (`BotContext.conversations`), so a restart or another process continues the conversation."""


@dataclass
class ChatData:
    """Nothing per chat yet; typed so that no handler reaches for an untyped dict."""


AFTER_ANSWER_SLOTS = 4
"""How many taps do their work after the answer at once (see `bot.handlers.common.Tap.answer`)."""


@dataclass
class BotData:
    """Everything the bot shares across updates; see the module docstring for who fills what."""

    settings: Settings | None = None
    role: Role = Role.ALL  # which jobs and handlers this process has (bot.roles)
    clock: Clock = system_clock
    renderer: Renderer | None = None
    delivery: Delivery | None = None
    browsers: LinkedInAccess | None = None
    vault: SessionVault | None = None
    linkedin: ClientProvider | None = None
    engine: AsyncEngine | None = None
    db: SessionFactory | None = None
    owner_ids: set[int] = field(default_factory=set)
    pairing_code: str | None = None
    refused_users: set[int] = field(default_factory=set)
    worker_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    reminder_lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one reminder scan at a time
    followup_lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one follow-up scan at a time
    signing_in: set[int] = field(default_factory=set)  # accounts whose handed-over sign-in runs here
    after_answer: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(AFTER_ANSWER_SLOTS))
    known_owners: KnownOwners = field(default_factory=KnownOwners)  # whose account is which, once read


def _require(value: Any, name: str) -> Any:
    if value is None:
        raise RuntimeError(f"{name} is not available before the application has started")
    return value


class BotContext(CallbackContext[ExtBot[None], UserData, ChatData, BotData]):
    """`CallbackContext` with typed access to the bot's resources."""

    def __init__(
        self,
        application: Application[Any, Any, UserData, ChatData, BotData, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def jobs(self) -> JobQueue[BotContext]:
        """The job queue, typed with this context (PTB's own property leaves it generic)."""
        queue: JobQueue[BotContext] = _require(self.application.job_queue, "the job queue")
        return queue

    @property
    def settings(self) -> Settings:
        settings: Settings = _require(self.bot_data.settings, "settings")
        return settings

    @property
    def clock(self) -> Clock:
        return self.bot_data.clock

    @property
    def db(self) -> SessionFactory:
        db: SessionFactory = _require(self.bot_data.db, "the database")
        return db

    @property
    def render(self) -> Renderer:
        renderer: Renderer = _require(self.bot_data.renderer, "the renderer")
        return renderer

    @property
    def delivery(self) -> Delivery:
        """The one way messages reach Telegram: `await context.delivery.send(chat_id, text)`."""
        delivery: Delivery = _require(self.bot_data.delivery, "delivery")
        return delivery

    @property
    def linkedin(self) -> ClientProvider:
        """Opens a signed-in `LinkedInClient` for an account: `async with context.linkedin.open(account)`."""
        provider: ClientProvider = _require(self.bot_data.linkedin, "LinkedIn access")
        return provider

    @property
    def browsers(self) -> LinkedInAccess:
        """The browser itself, for flows with no stored session yet (signing in)."""
        access: LinkedInAccess = _require(self.bot_data.browsers, "the browser")
        return access

    @property
    def vault(self) -> SessionVault:
        """Encrypts and decrypts stored LinkedIn sessions."""
        vault: SessionVault = _require(self.bot_data.vault, "the session vault")
        return vault

    @property
    def conversations(self) -> Conversations:
        """What each user's next text message answers, kept in the store."""
        return Conversations(self.db, self.clock)

    async def ask(self, user: User | None, awaiting: Awaiting, account: Account) -> None:
        """`user`'s next text answers `awaiting`, for `account` (every update asked from has a user)."""
        assert user is not None
        await self.conversations.ask(user.id, replace(awaiting, account_id=account.id))
