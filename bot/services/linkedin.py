"""How services get a LinkedIn client for an account: `ClientProvider`.

    provider = ClientProvider(db, vault, access.open, clock)   # access: automation.access.LinkedInAccess
    async with provider.open(account) as client:
        await client.list_sent()

`open` decrypts the account's stored session, opens a client on it as the account's browser
identity (proxy, locale, time zone, user agent: `bot.services.identity`), and afterwards stores
the refreshed storage_state (LinkedIn rotates cookies), encrypted, and the user agent the
client chose. When LinkedIn says the session is
gone (`SessionExpired`), the account's session is marked EXPIRED and its browser work paused
until the owner signs in again; the error still reaches the caller.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from automation.access import ClientOpener
from automation.errors import AutomationError, SessionExpired
from bot.db.models import Account
from bot.db.session import SessionFactory
from bot.services.clock import Clock
from bot.services.identity import browser_identity, keep_user_agent
from bot.services.secrets import SessionVault
from bot.services.session_health import pause_for, refresh_session

if TYPE_CHECKING:
    # Types only: Playwright loads with the browser, not with the bot (docs/benchmarks.md).
    from automation.client import LinkedInClient

logger = logging.getLogger(__name__)


class ClientProvider:
    """Opens `LinkedInClient`s for accounts with their stored, encrypted sessions."""

    def __init__(self, db: SessionFactory, vault: SessionVault, opener: ClientOpener, clock: Clock) -> None:
        self.db = db
        self.vault = vault
        self.clock = clock
        self._opener = opener

    @asynccontextmanager
    async def open(self, account: Account) -> AsyncIterator[LinkedInClient]:
        """Open a client signed in as `account` for the block (its session read fresh from the store)."""
        async with self.db() as session:
            stored = await session.get_one(Account, account.id)
            state = self.vault.load_session(stored)
            identity = browser_identity(stored, self.vault)
        if state is None:
            # Never signed in (or signed out): no page can be opened, so do not open a browser at
            # all; the session status stays "none" and callers treat it like an expired session.
            raise SessionExpired("not signed in to LinkedIn")
        expired: SessionExpired | None = None
        async with self._opener(state, identity) as client:
            try:
                yield client
            except SessionExpired as error:
                expired = error
                raise
            finally:
                if expired is not None:
                    await self.expire(account.id, expired)
                else:
                    await self._persist(client, account.id)

    async def expire(self, account_id: int, error: SessionExpired) -> None:
        """Mark the account's session expired and pause it (in its own transaction).

        The owner is told by whoever catches the error (`claim_pause_notice`), not here.
        """
        async with self.db.begin() as session:
            account = await session.get_one(Account, account_id)
            await pause_for(session, account, error, self.clock())
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
            refresh_session(account, self.vault, state)
            keep_user_agent(account, client.user_agent)
