"""Taking work from the queue: claims for new work and take-overs of abandoned work.

A claim moves one due action from QUEUED to RUNNING in a short transaction and is the only way
work starts, so whatever happens afterwards, the row says an attempt may have begun. Claims are
compare-and-set (safe on any backend), use `FOR UPDATE SKIP LOCKED` on PostgreSQL (several
worker processes), and are serialised per process (SQLite has no row locks). One account runs
one action at a time, and paced work (withdrawals, invitations) starts only when the account's
rhythm says so (`bot.services.rhythm`): inside its active hours, apart from other paced work,
withdrawals within the day's amount. Work the rhythm holds back is moved to the moment the
same schedule gives it, so /queue shows when it will really run.

A worker claims an account's work only under that account's lease (`leases`): the claim checks
the lease in its own transaction and records its fencing token on the action. A RUNNING action
is abandoned when its holder is dead, or, once another worker holds the account's lease, when
it was claimed under an older token; a claim made without a lease (by an older version) is
abandoned after `cutoff`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.models import Account, Action, ActionKind, ActionState, Invitation, InvitationState, Person
from bot.db.session import SessionFactory
from bot.services.actions.holders import HolderStatus, holder_status
from bot.services.actions.leases import Lease, lock_not_available, still_held, wait_briefly_for_locks
from bot.services.actions.queries import queue_load
from bot.services.actions.transitions import KEPT, cancel, claim, recorded_holder, take_over
from bot.services.events import record_event
from bot.services.rhythm import account_rhythm, schedule


@dataclass(frozen=True)
class ClaimedAction:
    """An action this worker has claimed (RUNNING), with what running it needs."""

    action_id: int
    account: Account
    kind: ActionKind
    slug: str | None
    name: str | None
    note: str | None
    attempts: int
    previous_error: str | None  # the error kind of an earlier try (also one that paused the account)
    started_at: datetime
    token: int | None = None  # the account lease's fencing token it is held under


def abandoned(action: Action, cutoff: datetime, lease: Lease | None = None) -> bool:
    """Whether a RUNNING action may be taken over by the holder of `lease` (its account's).

    Its holder is dead (a process on this machine that is gone: at once); or it was claimed
    under an older lease of the account, which `lease` has since replaced (its worker stopped
    renewing); or it was claimed without a lease and started before `cutoff`.
    """
    if action.state is not ActionState.RUNNING or action.started_at is None:
        return False
    if holder_status(recorded_holder(action)) is HolderStatus.DEAD:
        return True
    if action.lease_token is None:
        return action.started_at <= cutoff
    return lease is not None and lease.account_id == action.account_id and action.lease_token != lease.token


async def take_over_abandoned(
    db: SessionFactory, action_id: int, cutoff: datetime, at: datetime, lease: Lease | None = None
) -> ClaimedAction | None:
    """Take an abandoned RUNNING action for recovery; None if it is not abandoned or another took it.

    None too when its row stays locked by another transaction (a stalled worker's): a later run
    tries again.
    """
    try:
        return await _take_over(db, action_id, cutoff, at, lease)
    except DBAPIError as exc:
        if not lock_not_available(exc):
            raise
        return None


async def _take_over(
    db: SessionFactory, action_id: int, cutoff: datetime, at: datetime, lease: Lease | None
) -> ClaimedAction | None:
    async with db.begin() as session:
        await wait_briefly_for_locks(session)
        action = await session.get_one(Action, action_id)
        original = action.started_at
        if original is None or not abandoned(action, cutoff, lease):
            return None
        if lease is not None and not await still_held(session, lease, at):
            return None
        token = lease.token if lease is not None else None
        if not await take_over(session, action, at, token):
            return None
        claimed = await _describe(session, action)
        # The attempt began at the original start: an invitation found sent was sent after it.
        return dataclasses.replace(claimed, started_at=original, token=token)


async def next_account_due(
    db: SessionFactory, now: datetime, *, account_id: int | None = None, skipped: set[int] | None = None
) -> int | None:
    """The account whose oldest due work is next (a read: its lease is taken before any claim)."""
    async with db() as session:
        action = await _next_due(session, now, account_id, skipped or set(), postgres=False)
        return None if action is None else action.account_id


async def next_due_at(db: SessionFactory, *, account_id: int | None = None) -> datetime | None:
    """When the earliest queued work of an unpaused account is due (None: nothing is queued).

    A worker that found nothing to do waits until then at most (`wakeups.WorkWaiter.wait`), so
    work whose undo window or backoff ends is started on time without polling often.
    """
    query = (
        select(func.min(Action.not_before))
        .join(Account, Account.id == Action.account_id)
        .where(Action.state == ActionState.QUEUED, Account.paused.is_(False))
    )
    if account_id is not None:
        query = query.where(Action.account_id == account_id)
    async with db() as session:
        due: datetime | None = (await session.execute(query)).scalar_one()
    if due is not None and due.tzinfo is None:  # an aggregate skips the column's UTC tagging on SQLite
        due = due.replace(tzinfo=UTC)
    return due


async def claim_next_action(
    db: SessionFactory,
    now: datetime,
    *,
    account_id: int | None = None,
    cancelled: list[int] | None = None,
    lease: Lease | None = None,
) -> ClaimedAction | None:
    """Take the next due action (QUEUED → RUNNING) in one short transaction, or None.

    Skips paused accounts and accounts with an action already running, cancels withdrawals that
    are no longer wanted (the invitation is closed, or the person was keep-listed after the
    request) and appends their ids to `cancelled`, and moves withdrawals over the account's
    daily cap to its next local midnight. On PostgreSQL concurrent claimers never take the
    same row (SKIP LOCKED). With `lease`, only that account's work is taken, and nothing once
    the lease is no longer held; the action records the lease's token.
    """
    if lease is not None:
        account_id = lease.account_id
    try:
        return await _claim(db, now, account_id, cancelled, lease)
    except DBAPIError as exc:
        if not lock_not_available(exc):
            raise
        return None  # a row it needs is held by a stalled transaction: not this round


async def _claim(
    db: SessionFactory,
    now: datetime,
    account_id: int | None,
    cancelled: list[int] | None,
    lease: Lease | None,
) -> ClaimedAction | None:
    async with _claim_lock(), db.begin() as session:
        await wait_briefly_for_locks(session)
        if lease is not None and not await still_held(session, lease, now):
            return None
        postgres = (await session.connection()).dialect.name == "postgresql"
        skipped_accounts: set[int] = set()
        while True:
            action = await _next_due(session, now, account_id, skipped_accounts, postgres)
            if action is None:
                return None
            account = await session.get_one(Account, action.account_id, with_for_update=postgres or None)
            # With the account row locked, a second worker's claim for the same account is visible.
            if postgres and await _account_busy(session, account.id):
                skipped_accounts.add(account.id)
                continue
            withdrawal = action.kind is ActionKind.WITHDRAW
            if withdrawal and not await _withdrawal_still_wanted(session, action, now):
                if cancelled is not None:
                    cancelled.append(action.id)
                continue
            if not await _rhythm_allows(session, account, action, now):
                await _defer_due_work(session, account, action.kind, now)
                continue
            # On SQLite a second claimer in this process that picked the same row moves on.
            if not await claim(session, action, now, lease.token if lease is not None else None):
                continue
            return await _describe(session, action)


_CLAIM_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def _claim_lock() -> asyncio.Lock:
    """One claim at a time per process (per event loop).

    PostgreSQL's row locks make claims safe across processes; SQLite has none, so within one
    process (the supported SQLite deployment) claims are serialised here, which keeps the
    one-running-action-per-account rule and the daily cap exact when two runs overlap.
    """
    loop = asyncio.get_running_loop()
    lock = _CLAIM_LOCKS.get(loop)
    if lock is None:
        lock = _CLAIM_LOCKS[loop] = asyncio.Lock()
    return lock


async def _next_due(
    session: AsyncSession, now: datetime, account_id: int | None, skipped: set[int], postgres: bool
) -> Action | None:
    running = aliased(Action)
    busy = exists().where(running.account_id == Action.account_id, running.state == ActionState.RUNNING)
    query = (
        select(Action)
        .join(Account, Account.id == Action.account_id)
        .where(
            Action.state == ActionState.QUEUED,
            Action.not_before <= now,
            Account.paused.is_(False),
            ~busy,
        )
        .order_by(Action.not_before, Action.id)
        .limit(1)
    )
    if account_id is not None:
        query = query.where(Action.account_id == account_id)
    if skipped:
        query = query.where(Action.account_id.not_in(skipped))
    if postgres:
        # Several workers: each skips rows another is claiming instead of waiting for them.
        query = query.with_for_update(skip_locked=True, of=Action)
    return (await session.execute(query)).scalar_one_or_none()


async def _account_busy(session: AsyncSession, account_id: int) -> bool:
    query = select(func.count()).where(Action.account_id == account_id, Action.state == ActionState.RUNNING)
    return int((await session.execute(query)).scalar_one()) > 0


async def _withdrawal_still_wanted(session: AsyncSession, action: Action, now: datetime) -> bool:
    """Cancel a queued withdrawal whose invitation is closed or whose person is now keep-listed.

    The keep list is checked here, when work starts, rather than when someone is keep-listed:
    every way onto the list (a button, /keep, the CLI) is covered by this one check, and the
    worker, which tracks the batch's message, is the one that reports the skip.
    """
    invitation = await session.get(Invitation, action.invitation_id) if action.invitation_id else None
    if invitation is None or invitation.state is not InvitationState.PENDING:
        not_pending = ("NotPending", "the invitation is no longer pending")
        cancel(session, action, now, error=not_pending, reason="not_pending")
        return False
    person = await session.get(Person, invitation.person_id)
    if person is not None and person.keep:
        cancel(session, action, now, error=(KEPT, "the person is on the keep list"), reason="kept")
        return False
    return True


async def _rhythm_allows(session: AsyncSession, account: Account, action: Action, now: datetime) -> bool:
    """The claim gate: does the account's schedule give this due action the moment `now`?"""
    load = await queue_load(session, account, now=now, planning=False, exclude=(action.id,))
    counted = action.kind is ActionKind.WITHDRAW
    return schedule(account_rhythm(account), now, 1, load, counted=counted)[0] <= now


async def _defer_due_work(session: AsyncSession, account: Account, kind: ActionKind, now: datetime) -> None:
    """Move the account's due queued work of `kind` to the moments its schedule gives it."""
    due = list(
        (
            await session.execute(
                select(Action)
                .where(
                    Action.account_id == account.id,
                    Action.kind == kind,
                    Action.state == ActionState.QUEUED,
                    Action.not_before <= now,
                )
                .order_by(Action.not_before, Action.id)
            )
        ).scalars()
    )
    if not due:
        return
    load = await queue_load(session, account, now=now, planning=True, exclude=[a.id for a in due])
    slots = schedule(account_rhythm(account), now, len(due), load, counted=kind is ActionKind.WITHDRAW)
    # The gate and the plan agree (property-tested), so a held-back action never gets "now"
    # again; the floor keeps a claim from spinning should they ever disagree.
    floor = now + timedelta(seconds=1)
    for action, slot in zip(due, slots, strict=True):
        action.not_before = max(slot, floor)
    record_event(
        session,
        account_id=account.id,
        kind=f"{'withdrawals' if kind is ActionKind.WITHDRAW else 'invitations'}_deferred",
        at=now,
        count=len(due),
        until=max(slots[0], floor).isoformat(),
    )


async def _describe(session: AsyncSession, action: Action) -> ClaimedAction:
    account = await session.get_one(Account, action.account_id)
    person = await session.get(Person, action.person_id) if action.person_id else None
    return ClaimedAction(
        action_id=action.id,
        account=account,
        kind=action.kind,
        slug=person.slug if person else None,
        name=person.name if person else None,
        note=action.note,
        attempts=action.attempts,
        previous_error=action.error_kind,
        started_at=action.started_at or action.created_at,
        token=action.lease_token,
    )
