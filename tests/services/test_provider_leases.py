"""Every browser session of an account runs under its lease: `ClientProvider.open` takes it.

The counterpart is the in-memory LinkedIn over the sandbox's world; the subject is who may open
a browser on an account, on SQLite and PostgreSQL, and in two event loops at once on PostgreSQL
(what two processes are to the store).
"""

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import cast

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from automation.client import LinkedInClient
from automation.identity import BrowserIdentity
from automation.types import StorageState
from bot.commands import console
from bot.commands.browser_work import run_queue_with_progress
from bot.db.models import Account, AccountLease, Invitation, Person
from bot.db.session import SessionFactory, create_engine, create_session_factory
from bot.services.actions import Result, request_withdrawal
from bot.services.actions.leases import Lease, LeaseHolder, acquire, hold_lease
from bot.services.clock import FrozenClock, system_clock
from bot.services.linkedin import AccountBusy, ClientProvider
from bot.services.rhythm import ALWAYS
from bot.services.secrets import SessionVault
from bot.services.session_health import adopt_session
from bot.services.sync import sync_account
from bot.settings import Settings
from sandbox import SandboxServer
from tests.fakes.linkedin import FakeLinkedInSite
from tests.services.backends import fresh_postgres, postgres_url

TTL = timedelta(seconds=60)


@pytest.fixture
def clock(sandbox: SandboxServer) -> FrozenClock:
    return FrozenClock(sandbox.state.now())


async def _signed_in(
    store: SessionFactory, vault: SessionVault, sandbox: SandboxServer, clock: FrozenClock
) -> Account:
    async with store.begin() as session:
        account = Account(name="default", owner_telegram_id=7, **ALWAYS)
        session.add(account)
        await session.flush()
        await adopt_session(session, account, vault, sandbox.storage_state(), clock())
    return account


async def _lease_row(store: SessionFactory, account_id: int) -> AccountLease | None:
    async with store() as session:
        return await session.get(AccountLease, account_id)


async def _taken_by_another(store: SessionFactory, account_id: int, clock: FrozenClock) -> Lease:
    """Another holder takes the account, as `acquire` does once the first one's renewals stopped
    reaching the store (written directly: a heartbeat racing the test cannot renew it first)."""
    other = LeaseHolder.new()
    clock.advance(timedelta(seconds=10))
    async with store.begin() as session:
        row = await session.get_one(AccountLease, account_id)
        row.holder, row.token, row.expires_at = other.name, row.token + 1, clock() + timedelta(hours=1)
        token = row.token
    return Lease(account_id, other, token, timedelta(hours=1), clock() + timedelta(hours=1))


async def test_a_sync_while_a_worker_holds_the_account_is_refused_before_a_browser_opens(
    store: SessionFactory,
    vault: SessionVault,
    sandbox: SandboxServer,
    fake_site: FakeLinkedInSite,
    clock: FrozenClock,
) -> None:
    account = await _signed_in(store, vault, sandbox, clock)
    worker = await acquire(store, account.id, LeaseHolder.new(), clock(), TTL)  # a live worker's
    assert worker is not None
    provider = ClientProvider(store, vault, fake_site.opener, clock, lease=TTL)

    with pytest.raises(AccountBusy) as refused:
        async with provider.open(account) as client:
            await sync_account(store, client, account.id, clock)

    assert not refused.value.lost
    assert fake_site.opened == []  # no browser session was started beside the worker's
    row = await _lease_row(store, account.id)
    assert row is not None and (row.holder, row.token) == (worker.holder.name, worker.token)


async def test_open_holds_the_lease_for_its_block_and_gives_it_back_after(
    store: SessionFactory,
    vault: SessionVault,
    sandbox: SandboxServer,
    fake_site: FakeLinkedInSite,
    clock: FrozenClock,
) -> None:
    account = await _signed_in(store, vault, sandbox, clock)
    ttl = timedelta(seconds=90)
    provider = ClientProvider(store, vault, fake_site.opener, clock, lease=ttl)

    async with provider.open(account) as client:
        await client.list_sent()
        row = await _lease_row(store, account.id)
        assert row is not None and row.expires_at == clock() + ttl  # the provider's ttl, not the default
        assert await acquire(store, account.id, LeaseHolder.new(), clock(), TTL) is None  # a worker waits
        async with provider.open(account) as inner:  # nested in the same task: the same lease
            await inner.list_sent()
        assert await acquire(store, account.id, LeaseHolder.new(), clock(), TTL) is None  # still held

    after = await acquire(store, account.id, LeaseHolder.new(), clock(), TTL)
    assert after is not None and after.token == 2  # released at the end of the block
    assert len(fake_site.opened) == 2


async def test_a_block_that_loses_its_lease_stops_before_its_next_browser_step(
    store: SessionFactory,
    vault: SessionVault,
    sandbox: SandboxServer,
    fake_site: FakeLinkedInSite,
    clock: FrozenClock,
) -> None:
    account = await _signed_in(store, vault, sandbox, clock)
    ttl = timedelta(seconds=0.3)  # heartbeats every 0.1 s of real time; the clock is moved by hand
    provider = ClientProvider(store, vault, fake_site.opener, clock, lease=ttl)
    stalled = asyncio.Event()
    never = asyncio.Event()

    async def block() -> None:
        async with provider.open(account) as client:
            await client.list_sent()
            stalled.set()
            await never.wait()  # this process stalls here, past its lease
            await client.profile("anyone")  # the next browser step: must not run

    running = asyncio.create_task(block())
    await asyncio.wait_for(stalled.wait(), 20)
    other = await _taken_by_another(store, account.id, clock)

    with pytest.raises(AccountBusy) as stopped:
        await asyncio.wait_for(running, 20)

    assert stopped.value.lost
    assert fake_site.opened[0].operations == ["list_sent"]
    row_after = await _lease_row(store, account.id)
    assert row_after is not None and (row_after.holder, row_after.token) == (other.holder.name, other.token)


async def test_a_cancelled_block_is_cancelled_not_reported_busy(
    store: SessionFactory,
    vault: SessionVault,
    sandbox: SandboxServer,
    fake_site: FakeLinkedInSite,
    clock: FrozenClock,
) -> None:
    account = await _signed_in(store, vault, sandbox, clock)
    provider = ClientProvider(store, vault, fake_site.opener, clock, lease=TTL)
    inside = asyncio.Event()

    async def block() -> None:
        async with provider.open(account):
            inside.set()
            await asyncio.Event().wait()

    running = asyncio.create_task(block())
    await asyncio.wait_for(inside.wait(), 20)
    running.cancel()  # shutdown, Ctrl-C: not a lost lease
    with pytest.raises(asyncio.CancelledError):
        await running
    assert await acquire(store, account.id, LeaseHolder.new(), clock(), TTL) is not None  # released


async def test_the_worker_passes_its_lease_and_the_cli_queue_runs_under_the_providers_ttl(
    store: SessionFactory,
    vault: SessionVault,
    sandbox: SandboxServer,
    fake_site: FakeLinkedInSite,
    clock: FrozenClock,
) -> None:
    sandbox.reset(pending=2)
    account = await _signed_in(store, vault, sandbox, clock)
    async with fake_site.open(sandbox.storage_state()) as client:
        await sync_account(store, cast(LinkedInClient, client), account.id, clock)
    async with store() as session:
        invitation_id = (await session.execute(select(Invitation.id).join(Person))).scalars().first()
    assert invitation_id is not None
    await request_withdrawal(store, account.id, invitation_id, now=clock(), undo_window=timedelta(0))
    ttl = timedelta(seconds=123)
    seen: list[timedelta] = []

    @contextlib.asynccontextmanager
    async def opener(
        state: StorageState | None, /, identity: BrowserIdentity | None = None
    ) -> AsyncIterator[LinkedInClient]:
        row = await _lease_row(store, account.id)
        assert row is not None
        seen.append(row.expires_at - row.renewed_at)
        async with fake_site.open(state, identity) as opened:
            yield cast(LinkedInClient, opened)

    provider = ClientProvider(store, vault, opener, clock, lease=ttl)
    run = await run_queue_with_progress(store, provider, account, clock, step="withdraw")

    assert [o.result for o in run.final] == [Result.WITHDRAWN]
    assert seen == [ttl]  # one browser session, under the worker's lease with the configured ttl


class ConcurrentOpens:
    """An opener that counts the browser sessions open at once (threads: two event loops)."""

    def __init__(self, site: FakeLinkedInSite) -> None:
        self.site = site
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0
        self.opened = 0

    @contextlib.asynccontextmanager
    async def open(
        self, state: StorageState | None, /, identity: BrowserIdentity | None = None
    ) -> AsyncIterator[LinkedInClient]:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
            self.opened += 1
        try:
            async with self.site.open(state, identity) as client:
                yield cast(LinkedInClient, client)
        finally:
            with self.lock:
                self.now -= 1


@pytest.mark.postgres
async def test_two_processes_syncing_one_account_never_have_two_browser_sessions(
    sandbox: SandboxServer, fake_site: FakeLinkedInSite, vault: SessionVault, clock: FrozenClock
) -> None:
    async with fresh_postgres() as engine:
        account = await _signed_in(create_session_factory(engine), vault, sandbox, clock)
    counter = ConcurrentOpens(fake_site)
    rounds = 15

    def process() -> tuple[int, int]:
        """One process: its own event loop, engine and provider, syncing again and again."""

        async def main() -> tuple[int, int]:
            own = create_engine(postgres_url())
            db = create_session_factory(own)
            provider = ClientProvider(db, vault, counter.open, system_clock, lease=TTL)
            done = busy = 0
            try:
                while done < rounds:
                    try:
                        async with provider.open(account):
                            await asyncio.sleep(0.01)  # the session stays open a moment: room to overlap
                        done += 1
                    except AccountBusy:
                        busy += 1
                        await asyncio.sleep(0.005)
            finally:
                await own.dispose()
            return done, busy

        return asyncio.run(main())

    results = await asyncio.gather(*(asyncio.to_thread(process) for _ in range(2)))

    assert [done for done, _ in results] == [rounds, rounds]
    assert counter.opened == 2 * rounds
    assert counter.most == 1  # never two browser sessions of the account at once
    assert sum(busy for _, busy in results) > 0  # they did meet: one was refused while the other worked


async def test_hold_lease_tells_its_caller_when_the_lease_is_lost(
    store: SessionFactory, sandbox: SandboxServer, vault: SessionVault, clock: FrozenClock
) -> None:
    account = await _signed_in(store, vault, sandbox, clock)
    lost = asyncio.Event()
    async with hold_lease(store, account.id, clock, timedelta(seconds=0.3), on_lost=lost.set) as lease:
        assert lease is not None
        await _taken_by_another(store, account.id, clock)
        await asyncio.wait_for(lost.wait(), 20)
        assert lease.lost


async def test_the_cli_provider_takes_leases_for_worker_lease_seconds(
    store: SessionFactory, clock: FrozenClock, session_key: bytes
) -> None:
    settings = Settings(_env_file=None, worker_lease_seconds=90, session_key=SecretStr(session_key.decode()))  # type: ignore[call-arg]
    async with console.linkedin(store, settings, clock) as provider:  # no browser starts until a block opens
        assert provider.lease == timedelta(seconds=90)


async def test_tasks_of_one_process_take_turns_on_an_account_instead_of_being_refused(
    store: SessionFactory,
    vault: SessionVault,
    sandbox: SandboxServer,
    fake_site: FakeLinkedInSite,
    clock: FrozenClock,
) -> None:
    account = await _signed_in(store, vault, sandbox, clock)
    counter = ConcurrentOpens(fake_site)
    provider = ClientProvider(store, vault, counter.open, clock, lease=TTL)
    first_in = asyncio.Event()
    go_on = asyncio.Event()

    async def first() -> None:  # the daily sync
        async with provider.open(account):
            first_in.set()
            await go_on.wait()

    async def second() -> None:  # the owner's /digest meanwhile
        async with provider.open(account) as client:
            await client.list_sent()

    running = asyncio.create_task(first())
    await asyncio.wait_for(first_in.wait(), 20)
    waiting = asyncio.create_task(second())
    await asyncio.sleep(0)  # let it reach its turn
    assert not waiting.done() and counter.opened == 1
    go_on.set()
    await asyncio.wait_for(asyncio.gather(running, waiting), 20)

    assert counter.opened == 2 and counter.most == 1
