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

An account has at most one browser session at a time, across processes: `open` runs under the
account's lease (`bot.services.actions.leases`), taken for the block with the provider's ttl
(`WORKER_LEASE_SECONDS`), renewed while it runs, released after. A caller that already holds it
passes it in (the queue's worker: `open(account, lease=lease)`); a block nested in another
`open` of the same account in the same task reuses the outer one's, and other tasks of this
event loop wait their turn (the on-demand digest waits for the daily sync, as it did for the
browser slot). While another holder has the account (another process, or this process's
queue worker), `open` raises `AccountBusy` before any browser starts: commands say so, the
scheduled jobs and the digest's sync skip the round. If the lease is lost while the block runs (this process
stalled past its ttl and another took the account), the block is cancelled at its next await
and ends with `AccountBusy(lost=True)`: the browser stops, and what the block was writing is
rolled back with its transaction. A caller that passes its own lease is never cancelled: the
queue's claims and fence (`transitions.fence`) stop its work and drop a late outcome instead,
so no action is left RUNNING half-recorded.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import TYPE_CHECKING

from automation.access import ClientOpener
from automation.errors import AutomationError, SessionExpired
from bot.db.models import Account
from bot.db.session import SessionFactory
from bot.services.actions.leases import DEFAULT_LEASE, Lease, hold_lease
from bot.services.clock import Clock
from bot.services.identity import browser_identity, keep_user_agent
from bot.services.secrets import SessionVault
from bot.services.session_health import pause_for, refresh_session

if TYPE_CHECKING:
    # Types only: Playwright loads with the browser, not with the bot (docs/benchmarks.md).
    from automation.client import LinkedInClient

logger = logging.getLogger(__name__)

_HELD: ContextVar[frozenset[int]] = ContextVar("invitesweep_accounts_held", default=frozenset())
"""The accounts whose lease an enclosing `open` of this task holds (so a nested one reuses it)."""


class AccountBusy(Exception):
    """Another process is doing this account's browser work (`lost`: it took the account meanwhile)."""

    def __init__(self, account_id: int, *, lost: bool = False) -> None:
        self.account_id = account_id
        self.lost = lost
        when = "took it over while this process was working" if lost else "is working on it"
        super().__init__(f"another process {when} (account {account_id})")


@asynccontextmanager
async def exclusive_browser(
    db: SessionFactory, account_id: int, clock: Clock, ttl: timedelta
) -> AsyncIterator[None]:
    """Hold the account's lease for a block of browser work; cancel the block if it is lost meanwhile.

    For browser work that does not open the stored session (a sign-in); `ClientProvider.open`
    uses it too. A block nested in another of the same account in this task reuses its lease.

    Raises:
        AccountBusy: another process holds the account, or took it while the block ran.
    """
    if account_id in _HELD.get():
        yield
        return
    async with _local_turn(account_id), _leased(db, account_id, clock, ttl):
        yield


_TURNS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def _local_turn(account_id: int) -> asyncio.Lock:
    """This event loop's lock for the account: its own tasks take turns (as one browser slot made
    them before), and only another process is refused."""
    turns = _TURNS.setdefault(asyncio.get_running_loop(), {})
    return turns.setdefault(account_id, asyncio.Lock())


@asynccontextmanager
async def _leased(db: SessionFactory, account_id: int, clock: Clock, ttl: timedelta) -> AsyncIterator[None]:
    task = asyncio.current_task()
    assert task is not None, "browser work runs in a task"
    lost = False

    def stop() -> None:
        nonlocal lost
        lost = True
        task.cancel()  # the block's next await ends it: no further browser step on this account

    try:
        async with hold_lease(db, account_id, clock, ttl, on_lost=stop) as held:
            if held is None:
                raise AccountBusy(account_id)
            reset = _HELD.set(_HELD.get() | {account_id})
            try:
                yield
            finally:
                _HELD.reset(reset)
    except asyncio.CancelledError:
        if lost and task.uncancel() == 0:
            raise AccountBusy(account_id, lost=True) from None
        raise


class ClientProvider:
    """Opens `LinkedInClient`s for accounts with their stored sessions, one session per account at a time."""

    def __init__(
        self,
        db: SessionFactory,
        vault: SessionVault,
        opener: ClientOpener,
        clock: Clock,
        *,
        lease: timedelta = DEFAULT_LEASE,
    ) -> None:
        self.db = db
        self.vault = vault
        self.clock = clock
        self.lease = lease
        """The ttl of the account leases this provider takes (`WORKER_LEASE_SECONDS`)."""
        self._opener = opener

    @asynccontextmanager
    async def open(self, account: Account, *, lease: Lease | None = None) -> AsyncIterator[LinkedInClient]:
        """Open a client signed in as `account` for the block, under the account's lease.

        `lease`: the account's lease the caller holds (it fences its own work). Without it the
        lease is taken here, or reused from an enclosing `open` of this task.

        Raises:
            AccountBusy: another process holds the account (nothing was opened), or took it
                while the block ran (the block was stopped).
        """
        if lease is not None:
            if lease.account_id != account.id:
                raise ValueError(f"a lease of account {lease.account_id} opened account {account.id}")
            async with self._client(account) as client:
                yield client
        else:
            async with self._leased(account.id), self._client(account) as client:
                yield client

    def _leased(self, account_id: int) -> AbstractAsyncContextManager[None]:
        return exclusive_browser(self.db, account_id, self.clock, self.lease)

    @asynccontextmanager
    async def _client(self, account: Account) -> AsyncIterator[LinkedInClient]:
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
