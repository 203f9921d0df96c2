"""Account leases: an account's browser work runs in one worker at a time, and a dead one's is taken over.

    async with hold_lease(db, account_id, now, ttl) as lease:
        if lease is None: ...            # another worker holds the account: leave it alone
        while lease.held: ...            # claim under lease.token, run, record

A lease is one row per account (`account_leases`) saying which lease-taking instance (`LeaseHolder`:
a process's host, pid and a random id, so two runs in one process are two holders) may do the
account's browser work, until when. Acquiring is one compare-and-set statement: insert the row,
or take it over when it has expired, when it is already ours, or when the caller judged its
holder dead (`seize`, a process on this machine that is gone). Every new acquisition takes the
next fencing token; the row is kept after release so tokens only grow. A claimed action records
the token (`actions.lease_token`), and its outcome is recorded only while the row still carries
it (`transitions.fence`): a worker that stalled past its lease and lost the account records
nothing. While the work runs, a heartbeat renews the lease every ttl/3; a renewal that finds
the lease gone marks it lost, and the worker stops taking that account's work.

A worker never queues behind a stalled one: on PostgreSQL the lease and claim statements wait at
most `LOCK_WAIT` for a row another transaction holds (a worker stopped inside a transaction
keeps its row locks until PostgreSQL drops its connection) and then give up for this round.

Expiry is judged on the workers' clocks (the injected `Clock`), so the machines of a deployment
keep their clocks in step (NTP): a skew of a few seconds only shortens or lengthens a lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, or_, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import AccountLease
from bot.db.session import SessionFactory
from bot.services.actions.holders import Holder, HolderStatus, current_holder, holder_status
from bot.services.clock import Clock

logger = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(seconds=60)
"""The default of `settings.worker_lease_seconds`: how long a worker that stops renewing keeps an account."""


LOCK_WAIT = timedelta(seconds=2)
"""How long a lease or claim statement waits for a row another transaction holds (PostgreSQL)."""


async def wait_briefly_for_locks(session: AsyncSession) -> None:
    """For the rest of the caller's transaction, give up on a row lock after `LOCK_WAIT` (PostgreSQL)."""
    if (await session.connection()).dialect.name == "postgresql":
        milliseconds = int(LOCK_WAIT.total_seconds() * 1000)
        await session.execute(text(f"SET LOCAL lock_timeout = '{milliseconds}ms'"))


def lock_not_available(exc: DBAPIError) -> bool:
    """Whether `exc` is PostgreSQL giving up on a row lock (lock_timeout, SQLSTATE 55P03)."""
    return getattr(exc.orig, "sqlstate", None) == "55P03"


@dataclass(frozen=True)
class LeaseHolder:
    """One lease-taking instance: the process (for judging it dead) and a name unique to this run."""

    process: Holder
    name: str

    @classmethod
    def new(cls) -> LeaseHolder:
        process = current_holder()
        return cls(process, f"{process.host[:200]} pid {process.pid} #{secrets.token_hex(6)}")


@dataclass
class Lease:
    """An account lease this worker holds: its fencing token, and whether it is still held."""

    account_id: int
    holder: LeaseHolder
    token: int
    ttl: timedelta
    expires_at: datetime
    lost: bool = field(default=False)

    @property
    def held(self) -> bool:
        return not self.lost


async def acquire(
    db: SessionFactory,
    account_id: int,
    holder: LeaseHolder,
    now: datetime,
    ttl: timedelta,
    *,
    seize: int | None = None,
) -> Lease | None:
    """Take the account's lease, or None while another holder's lease runs.

    One statement: insert the row, or update it when it has expired, is already `holder`'s
    (a renewal keeps the token), or still carries the token `seize` (the caller found its holder
    dead). A new acquisition takes the next token. A row held by a stalled transaction counts as
    taken (None).
    """
    try:
        return await _acquire(db, account_id, holder, now, ttl, seize)
    except DBAPIError as exc:
        if not lock_not_available(exc):
            raise
        logger.info("the lease of account %s is locked by another transaction; leaving it", account_id)
        return None


async def _acquire(
    db: SessionFactory, account_id: int, holder: LeaseHolder, now: datetime, ttl: timedelta, seize: int | None
) -> Lease | None:
    async with db.begin() as session:
        await wait_briefly_for_locks(session)
        dialect = (await session.connection()).dialect.name
        # The dialect's own INSERT (for its upsert), imported here: a SQLite store never loads
        # PostgreSQL's dialect (docs/benchmarks.md).
        from sqlalchemy.dialects import postgresql, sqlite

        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        row = insert(AccountLease).values(
            account_id=account_id,
            holder=holder.name,
            holder_pid=holder.process.pid,
            holder_pid_space=holder.process.pid_space,
            holder_started=holder.process.started,
            token=1,
            acquired_at=now,
            renewed_at=now,
            expires_at=now + ttl,
        )
        takeable = or_(AccountLease.expires_at <= now, AccountLease.holder == holder.name)
        if seize is not None:
            takeable = or_(takeable, AccountLease.token == seize)
        new = row.excluded
        renewing = AccountLease.holder == new.holder
        statement = row.on_conflict_do_update(
            index_elements=[AccountLease.account_id],
            set_={
                "holder": new.holder,
                "holder_pid": new.holder_pid,
                "holder_pid_space": new.holder_pid_space,
                "holder_started": new.holder_started,
                "token": case((renewing, AccountLease.token), else_=AccountLease.token + 1),
                "acquired_at": case((renewing, AccountLease.acquired_at), else_=new.acquired_at),
                "renewed_at": new.renewed_at,
                "expires_at": new.expires_at,
            },
            where=takeable,
        ).returning(AccountLease.token)
        token = (await session.execute(statement)).scalar_one_or_none()
    if token is None:
        return None
    return Lease(account_id, holder, int(token), ttl, now + ttl)


async def renew(db: SessionFactory, lease: Lease, now: datetime) -> bool:
    """Extend a held lease by its ttl from `now`; False (and `lease.lost`) if it was taken meanwhile.

    A lease that has run out but was not taken by anyone is still ours to renew: nobody can have
    started on the account under a newer token.
    """
    if lease.lost:
        return False
    async with db.begin() as session:
        await wait_briefly_for_locks(session)
        renewed = await session.execute(
            update(AccountLease)
            .where(*_ours(lease))
            .values(renewed_at=now, expires_at=now + lease.ttl)
            .execution_options(synchronize_session=False)
        )
    if renewed.rowcount != 1:  # type: ignore[attr-defined]
        _lose(lease)
        return False
    lease.expires_at = now + lease.ttl
    return True


async def still_held(session: AsyncSession, lease: Lease, now: datetime) -> bool:
    """Inside the caller's transaction: is `lease` still ours and unexpired? (Marks it lost if not.)"""
    row = (await session.execute(select(AccountLease.expires_at).where(*_ours(lease)))).scalar_one_or_none()
    if row is None:
        _lose(lease)
        return False
    return row > now


async def release(db: SessionFactory, lease: Lease, now: datetime) -> None:
    """Give the account back (the row stays, expired, so the next holder takes the next token)."""
    if lease.lost:
        return
    async with db.begin() as session:
        await session.execute(
            update(AccountLease)
            .where(*_ours(lease))
            .values(expires_at=now)
            .execution_options(synchronize_session=False)
        )
    lease.lost = True


async def current_lease(session: AsyncSession, account_id: int) -> AccountLease | None:
    return await session.get(AccountLease, account_id)


def holder_dead(row: AccountLease) -> bool:
    """Whether the process that holds `row` is known to be gone (this machine only; see holders)."""
    process = Holder("", row.holder_pid or 0, row.holder_pid_space, row.holder_started)
    return row.holder_pid is not None and holder_status(process) is HolderStatus.DEAD


@contextlib.asynccontextmanager
async def hold_lease(
    db: SessionFactory,
    account_id: int,
    clock: Clock,
    ttl: timedelta,
    *,
    holder: LeaseHolder | None = None,
    on_lost: Callable[[], None] | None = None,
) -> AsyncIterator[Lease | None]:
    """Acquire the account's lease, renew it every ttl/3 while the block runs, release it after.

    Yields None when another live holder has it. A holder found dead on this machine loses its
    lease at once instead of after its ttl. `on_lost` is called (from the heartbeat) when a
    renewal finds the lease taken by another holder.
    """
    holder = holder or LeaseHolder.new()
    lease = await acquire(db, account_id, holder, clock(), ttl)
    if lease is None:
        async with db() as session:
            row = await current_lease(session, account_id)
        if row is not None and holder_dead(row):
            lease = await acquire(db, account_id, holder, clock(), ttl, seize=row.token)
    if lease is None:
        yield None
        return
    beat = asyncio.create_task(_heartbeat(db, lease, clock, on_lost), name=f"lease-{account_id}")
    try:
        yield lease
    finally:
        beat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beat
        try:
            await release(db, lease, clock())
        except Exception:
            # It expires by itself; the next holder waits at most the ttl.
            logger.warning("could not release the lease of account %s", account_id, exc_info=True)


async def _heartbeat(
    db: SessionFactory, lease: Lease, clock: Clock, on_lost: Callable[[], None] | None
) -> None:
    interval = lease.ttl.total_seconds() / 3
    while lease.held:
        await asyncio.sleep(interval)  # a timer, not a wait for something to happen
        try:
            await renew(db, lease, clock())
        except Exception:
            # The store is unreachable: keep trying; if the lease runs out meanwhile, the renewal
            # that finally lands finds it taken and the worker stops.
            logger.warning("lease heartbeat for account %s failed", lease.account_id, exc_info=True)
    if on_lost is not None:
        on_lost()


def _ours(lease: Lease) -> tuple[ColumnElement[bool], ...]:
    return (
        AccountLease.account_id == lease.account_id,
        AccountLease.holder == lease.holder.name,
        AccountLease.token == lease.token,
    )


def _lose(lease: Lease) -> None:
    if not lease.lost:
        lease.lost = True
        logger.warning("lost the lease of account %s (token %s)", lease.account_id, lease.token)
