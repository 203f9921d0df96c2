"""How services get a LinkedIn client for an account: `ClientProvider`.

    provider = ClientProvider.for_browser(db, vault, browser, config, clock)
    async with provider.open(account) as client:
        await client.list_sent()

`open` decrypts the account's stored session, opens a client on it, and afterwards stores the
refreshed storage_state (LinkedIn rotates cookies), encrypted. When LinkedIn says the session is
gone (`SessionExpired`), the account's session is marked EXPIRED and its browser work paused
until the owner signs in again; the error still reaches the caller.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from automation.config import AutomationConfig
from automation.errors import AutomationError, SessionExpired
from bot.db.models import Account, SessionStatus
from bot.db.session import SessionFactory
from bot.services.accounts import pause_account
from bot.services.clock import Clock
from bot.services.secrets import SessionVault

if TYPE_CHECKING:
    # Types only: Playwright loads with the browser, not with the bot (docs/benchmarks.md).
    from playwright.async_api import Browser

    from automation.client import LinkedInClient, StorageState

logger = logging.getLogger(__name__)

ClientOpener = Callable[["StorageState | None"], AbstractAsyncContextManager["LinkedInClient"]]
"""Opens a client on a (decrypted) storage_state, e.g. `LinkedInAccess.open` or a plain
`lambda state: LinkedInClient(browser, config, state)`."""

SESSION_EXPIRED_REASON = "session_expired"


async def mark_session_expired(session: AsyncSession, account: Account, now: datetime) -> None:
    """Record that the account's LinkedIn session is gone and pause its browser work.

    The owner is told once: `session_notified_at` stays as it is, and whoever notifies sets it.
    """
    account.session_status = SessionStatus.EXPIRED
    await pause_account(session, account, SESSION_EXPIRED_REASON, now)


class ClientProvider:
    """Opens `LinkedInClient`s for accounts with their stored, encrypted sessions."""

    def __init__(self, db: SessionFactory, vault: SessionVault, opener: ClientOpener, clock: Clock) -> None:
        self.db = db
        self.vault = vault
        self.clock = clock
        self._opener = opener

    @classmethod
    def for_browser(
        cls, db: SessionFactory, vault: SessionVault, browser: Browser, config: AutomationConfig, clock: Clock
    ) -> ClientProvider:
        """Build a provider that opens each client in its own context of `browser`."""
        from automation.client import LinkedInClient  # a browser is running: Playwright is loaded

        return cls(db, vault, lambda state: LinkedInClient(browser, config, state), clock)

    @asynccontextmanager
    async def open(self, account: Account) -> AsyncIterator[LinkedInClient]:
        """Open a client signed in as `account` for the block (its session read fresh from the store)."""
        async with self.db() as session:
            stored = await session.get_one(Account, account.id)
            state = self.vault.load_session(stored)
        if state is None:
            # Never signed in (or signed out): no page can be opened, so do not open a browser at
            # all; the session status stays "none" and callers treat it like an expired session.
            raise SessionExpired("not signed in to LinkedIn")
        expired = False
        async with self._opener(state) as client:
            try:
                yield client
            except SessionExpired:
                expired = True
                raise
            finally:
                if expired:
                    await self.expire(account.id)
                else:
                    await self._persist(client, account.id)

    async def expire(self, account_id: int) -> None:
        """Mark the account's session expired and pause it (in its own transaction)."""
        async with self.db.begin() as session:
            account = await session.get_one(Account, account_id)
            await mark_session_expired(session, account, self.clock())
        logger.warning("LinkedIn session of account %s expired; its browser work is paused", account_id)

    async def _persist(self, client: LinkedInClient, account_id: int) -> None:
        try:
            state = await client.storage_state()
        except AutomationError as exc:
            # A broken context has nothing better to offer than what is already stored.
            logger.info("no storage_state to keep for account %s (%s)", account_id, type(exc).__name__)
            return
        async with self.db.begin() as session:
            account = await session.get_one(Account, account_id)
            # Only a session still believed valid is refreshed: storing the cookies of an expired
            # one would flip the account back to VALID behind the owner's back.
            if account.session_status is SessionStatus.VALID:
                self.vault.store_session(account, state)
