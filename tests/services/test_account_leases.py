"""Account leases on SQLite and PostgreSQL: one worker per account, take-over after the ttl, fencing.

LinkedIn is the counterpart here (the in-memory one over the sandbox's world); the subject is
the store: who may work on an account, and whose outcome is recorded.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any, cast

import pytest
from sqlalchemy import func, select, update

from automation.client import LinkedInClient
from automation.identity import BrowserIdentity
from automation.types import StorageState, WithdrawResult
from bot.db.models import Account, AccountLease, Action, ActionState, Event, Invitation, Person
from bot.db.session import SessionFactory, create_session_factory
from bot.services.actions import Result, WorkerPolicy, request_withdrawal, run_due_actions
from bot.services.actions.claims import claim_next_action
from bot.services.actions.holders import Holder, holder_of_process
from bot.services.actions.leases import LeaseHolder, acquire, hold_lease, release, renew
from bot.services.actions.transitions import holder_values
from bot.services.clock import FrozenClock
from bot.services.linkedin import ClientProvider
from bot.services.rhythm import ALWAYS
from bot.services.secrets import SessionVault
from bot.services.session_health import adopt_session
from bot.services.sync import sync_account
from bot.settings import Settings
from sandbox import SandboxServer
from tests.fakes.linkedin import FakeLinkedInSite
from tests.fixtures.store import killed_worker
from tests.services.backends import fresh_postgres

TTL = timedelta(seconds=60)


@pytest.fixture
def clock(sandbox: SandboxServer) -> FrozenClock:
    return FrozenClock(sandbox.state.now())


async def _account(store: SessionFactory, name: str = "default") -> int:
    async with store.begin() as session:
        account = Account(name=name, owner_telegram_id=7, **ALWAYS)
        session.add(account)
        await session.flush()
        return account.id


async def _lease_row(store: SessionFactory, account_id: int) -> AccountLease:
    async with store() as session:
        return await session.get_one(AccountLease, account_id)


async def test_a_lease_is_one_holders_until_it_expires_and_every_acquisition_takes_the_next_token(
    store: SessionFactory, clock: FrozenClock
) -> None:
    account_id = await _account(store)
    first, second = LeaseHolder.new(), LeaseHolder.new()

    mine = await acquire(store, account_id, first, clock(), TTL)
    assert mine is not None and mine.token == 1
    assert await acquire(store, account_id, second, clock(), TTL) is None  # held
    again = await acquire(store, account_id, first, clock(), TTL)  # already ours: same token
    assert again is not None and again.token == 1

    clock.advance(TTL)  # not renewed for a whole ttl: anyone may take it
    theirs = await acquire(store, account_id, second, clock(), TTL)
    assert theirs is not None and theirs.token == 2
    assert not await renew(store, mine, clock()) and mine.lost  # the first holder finds out
    row = await _lease_row(store, account_id)
    assert (row.holder, row.token, row.acquired_at) == (second.name, 2, clock())

    await release(store, theirs, clock())
    after = await acquire(store, account_id, first, clock(), TTL)  # released: free at once
    assert after is not None and after.token == 3  # the row stays, so tokens only grow


async def test_of_concurrent_acquirers_exactly_one_gets_the_lease(
    store: SessionFactory, clock: FrozenClock
) -> None:
    account_id = await _account(store)

    leases = await asyncio.gather(
        *(acquire(store, account_id, LeaseHolder.new(), clock(), TTL) for _ in range(8))
    )

    won = [lease for lease in leases if lease is not None]
    assert [lease.token for lease in won] == [1]
    assert (await _lease_row(store, account_id)).holder == won[0].holder.name


async def test_a_dead_holders_lease_is_taken_at_once_not_after_its_ttl(
    store: SessionFactory, clock: FrozenClock
) -> None:
    account_id = await _account(store)
    dead = LeaseHolder(killed_worker(), "a worker that was killed")
    live = LeaseHolder(holder_of_process(1), "a live process")  # init never dies
    assert await acquire(store, account_id, dead, clock(), TTL) is not None

    async with hold_lease(store, account_id, clock, TTL) as lease:
        assert lease is not None and lease.token == 2

    other = await _account(store, "other")
    assert await acquire(store, other, live, clock(), TTL) is not None
    async with hold_lease(store, other, clock, TTL) as lease:
        assert lease is None  # its holder lives: it keeps the account until the ttl runs out


async def test_the_heartbeat_renews_the_lease_until_another_holder_takes_it(
    store: SessionFactory, clock: FrozenClock
) -> None:
    account_id = await _account(store)
    ttl = timedelta(seconds=0.3)  # heartbeats every 0.1 s of real time; the clock is moved by hand

    async with hold_lease(store, account_id, clock, ttl) as lease:
        assert lease is not None
        clock.advance(timedelta(seconds=10))
        await _until(lambda: lease.expires_at > clock(), "the heartbeat renews on the worker's clock")
        assert (await _lease_row(store, account_id)).expires_at == clock() + ttl
        # The worker stalls (its renewals stop reaching the store) and another takes the account.
        clock.advance(timedelta(seconds=10))
        async with store.begin() as session:
            row = await session.get_one(AccountLease, account_id)
            row.expires_at = clock()
        assert await acquire(store, account_id, LeaseHolder.new(), clock(), timedelta(hours=1)) is not None
        await _until(lambda: lease.lost, "the next heartbeat finds the lease taken")
    assert (await _lease_row(store, account_id)).token == 2  # a lost lease is not released by its loser


async def _until(condition: Callable[[], bool], what: str) -> None:
    """Wait (up to 20 s, for loaded machines) until `condition` holds; no assertion on how long."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.02)
    pytest.fail(f"never happened: {what}")


# The worker under leases.


class SlowWithdrawals:
    """An opener whose clients stall after a withdrawal lands, until the test lets them go on.

    What a worker that outlives its lease looks like from the store: the click is made, and the
    outcome arrives after another worker has taken the account over.
    """

    def __init__(self, site: FakeLinkedInSite) -> None:
        self.site = site
        self.landed = asyncio.Event()
        self.go_on = asyncio.Event()
        self.stall = True

    @contextlib.asynccontextmanager
    async def open(
        self, storage_state: StorageState | None, identity: BrowserIdentity | None = None
    ) -> AsyncIterator[LinkedInClient]:
        async with self.site.open(storage_state, identity) as client:
            if not self.stall:
                yield cast(LinkedInClient, client)
                return
            self.stall = False  # only the first client stalls

            class Stalling:
                def __getattr__(self, name: str) -> Any:
                    return getattr(client, name)

                async def withdraw(inner, slug: str, *, name: str | None = None) -> WithdrawResult:
                    result = await client.withdraw(slug, name=name)
                    self.landed.set()
                    await self.go_on.wait()
                    return result

            yield cast(LinkedInClient, Stalling())


async def _signed_in_with_pending(
    store: SessionFactory,
    vault: SessionVault,
    sandbox: SandboxServer,
    fake_site: FakeLinkedInSite,
    clock: FrozenClock,
) -> tuple[int, dict[str, int]]:
    sandbox.reset(pending=4)
    account_id = await _account(store)
    async with store.begin() as session:
        account = await session.get_one(Account, account_id)
        await adopt_session(session, account, vault, sandbox.storage_state(), clock())
    async with fake_site.open(sandbox.storage_state()) as client:
        await sync_account(store, cast(LinkedInClient, client), account_id, clock)
    async with store() as session:
        rows = await session.execute(select(Person.slug, Invitation.id).join(Invitation.person))
        return account_id, dict(rows.all())


async def _events_of(store: SessionFactory, action_id: int, invitation_id: int) -> dict[str, int]:
    async with store() as session:
        rows = await session.execute(
            select(Event.kind, func.count())
            .where((Event.action_id == action_id) | (Event.invitation_id == invitation_id))
            .group_by(Event.kind)
        )
        return {kind: int(n) for kind, n in rows.all()}


async def test_a_worker_that_outlives_its_lease_records_nothing_and_the_outcome_is_recorded_once(
    store: SessionFactory,
    vault: SessionVault,
    sandbox: SandboxServer,
    fake_site: FakeLinkedInSite,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    account_id, pending = await _signed_in_with_pending(store, vault, sandbox, fake_site, clock)
    slug, invitation_id = next(iter(pending.items()))
    action = await request_withdrawal(store, account_id, invitation_id, now=clock(), undo_window=timedelta(0))
    opener = SlowWithdrawals(fake_site)
    provider = ClientProvider(store, vault, opener.open, clock)
    policy = WorkerPolicy(lease=timedelta(minutes=10))  # no heartbeat during the test (every 200 s)

    slow = asyncio.create_task(run_due_actions(store, provider, clock, policy=policy))
    await asyncio.wait_for(opener.landed.wait(), 20)
    clock.advance(timedelta(minutes=11))  # the slow worker has not renewed for longer than its lease
    taken_over = await run_due_actions(store, provider, clock, policy=policy)
    opener.go_on.set()
    with caplog.at_level(logging.WARNING, logger="bot.services.actions.worker"):
        late = await asyncio.wait_for(slow, 20)

    assert [(o.action_id, o.result) for o in taken_over] == [(action.id, Result.WITHDRAWN)]
    assert late == []  # its outcome was another worker's to record
    lost = [r for r in caplog.records if "taken over by another worker" in r.getMessage()]
    assert len(lost) == 1
    assert sandbox.state.withdrawn_slugs() == [slug]
    async with store() as session:
        done = await session.get_one(Action, action.id)
    assert (done.state, done.attempts, done.lease_token) == (ActionState.DONE, 1, None)
    events = await _events_of(store, action.id, invitation_id)
    assert events.get("invitation_withdrawn") == 1
    assert all(n == 1 for n in events.values()), events


async def test_a_running_action_is_taken_over_once_its_workers_lease_runs_out(
    store: SessionFactory,
    vault: SessionVault,
    sandbox: SandboxServer,
    fake_site: FakeLinkedInSite,
    clock: FrozenClock,
) -> None:
    account_id, pending = await _signed_in_with_pending(store, vault, sandbox, fake_site, clock)
    slug, invitation_id = next(iter(pending.items()))
    action = await request_withdrawal(store, account_id, invitation_id, now=clock(), undo_window=timedelta(0))
    # A worker on another machine takes the account, claims the withdrawal, and goes silent.
    far = Holder("other-host", 42, "another-boot/pid:[4026531836]", 1234)
    elsewhere = LeaseHolder(far, "other-host pid 42 #0")
    lease = await acquire(store, account_id, elsewhere, clock(), TTL)
    assert lease is not None
    claimed = await claim_next_action(store, clock(), lease=lease)
    assert claimed is not None and claimed.token == lease.token
    provider = ClientProvider(store, vault, fake_site.opener, clock)

    clock.advance(TTL / 2)
    assert await run_due_actions(store, provider, clock) == []  # its lease still runs
    clock.advance(TTL / 2)
    outcomes = await run_due_actions(store, provider, clock)

    # Settled by readback first (still pending: back to the queue), then run once.
    assert [(o.action_id, o.result) for o in outcomes] == [
        (action.id, Result.REQUEUED),
        (action.id, Result.WITHDRAWN),
    ]
    assert sandbox.state.withdrawn_slugs() == [slug]
    # The silent worker's lease is gone: it can claim nothing more for the account.
    assert await claim_next_action(store, clock(), lease=lease) is None and lease.lost


async def test_a_worker_leaves_an_account_another_holds_and_serves_the_others(
    store: SessionFactory,
    vault: SessionVault,
    sandbox: SandboxServer,
    fake_site: FakeLinkedInSite,
    clock: FrozenClock,
) -> None:
    account_id, pending = await _signed_in_with_pending(store, vault, sandbox, fake_site, clock)
    (held_slug, held_id), (free_slug, free_id) = list(pending.items())[:2]
    other = await _account(store, "other")
    async with store.begin() as session:
        second = await session.get_one(Account, other)
        await adopt_session(session, second, vault, sandbox.storage_state(), clock())
        invitation = await session.get_one(Invitation, free_id)
        person = await session.get_one(Person, invitation.person_id)
        invitation.account_id = person.account_id = other  # the second account's invitation
    held = await request_withdrawal(store, account_id, held_id, now=clock(), undo_window=timedelta(0))
    free = await request_withdrawal(store, other, free_id, now=clock(), undo_window=timedelta(0))
    assert await acquire(store, account_id, LeaseHolder.new(), clock(), TTL) is not None  # a live worker's
    provider = ClientProvider(store, vault, fake_site.opener, clock)

    outcomes = await run_due_actions(store, provider, clock)

    assert [(o.action_id, o.result) for o in outcomes] == [(free.id, Result.WITHDRAWN)]
    assert sandbox.state.withdrawn_slugs() == [free_slug]
    async with store() as session:
        assert (await session.get_one(Action, held.id)).state is ActionState.QUEUED
    assert held_slug not in sandbox.state.withdrawn_slugs()


def test_the_lease_is_the_worker_lease_seconds_setting() -> None:
    assert WorkerPolicy().lease == TTL
    configured = Settings(_env_file=None, worker_lease_seconds=90)  # type: ignore[call-arg]
    assert WorkerPolicy.from_settings(configured).lease == timedelta(seconds=90)


async def test_a_killed_workers_action_is_taken_over_at_once_though_its_lease_has_not_run_out(
    store: SessionFactory,
    vault: SessionVault,
    sandbox: SandboxServer,
    fake_site: FakeLinkedInSite,
    clock: FrozenClock,
) -> None:
    account_id, pending = await _signed_in_with_pending(store, vault, sandbox, fake_site, clock)
    slug, invitation_id = next(iter(pending.items()))
    action = await request_withdrawal(store, account_id, invitation_id, now=clock(), undo_window=timedelta(0))
    killed = killed_worker()
    lease = await acquire(store, account_id, LeaseHolder(killed, "this host, a killed worker"), clock(), TTL)
    assert lease is not None
    assert await claim_next_action(store, clock(), lease=lease) is not None
    async with store.begin() as session:  # as that worker's claim would have recorded it
        for column, value in holder_values(killed).items():
            setattr(await session.get_one(Action, action.id), column, value)
    sandbox.state.withdraw(slug)  # its click landed just before the kill
    provider = ClientProvider(store, vault, fake_site.opener, clock)

    outcomes = await run_due_actions(store, provider, clock)  # no time has passed

    assert [(o.action_id, o.result) for o in outcomes] == [(action.id, Result.WITHDRAWN)]
    assert sandbox.state.withdrawn_slugs() == [slug]
    assert (await _lease_row(store, account_id)).token == lease.token + 1


@pytest.mark.postgres
async def test_a_worker_stopped_inside_a_transaction_does_not_hold_up_the_others(clock: FrozenClock) -> None:
    async with fresh_postgres() as engine:
        store = create_session_factory(engine)
        account_id = await _account(store)
        stalled = await acquire(store, account_id, LeaseHolder.new(), clock(), TTL)
        assert stalled is not None
        clock.advance(TTL)
        async with engine.connect() as frozen:  # stopped mid-renewal: the row stays locked
            await frozen.execute(update(AccountLease).values(renewed_at=clock()))
            gave_up = await asyncio.wait_for(acquire(store, account_id, LeaseHolder.new(), clock(), TTL), 20)
            assert gave_up is None  # after LOCK_WAIT, not when PostgreSQL drops the stalled connection
            await frozen.rollback()
        taken = await acquire(store, account_id, LeaseHolder.new(), clock(), TTL)
        assert taken is not None and taken.token == stalled.token + 1
