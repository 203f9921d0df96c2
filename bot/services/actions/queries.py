"""The queue's questions that other services ask too, written once as SQL.

- `withdrawals_used_today`, `withdrawals_per_day` and `queue_load`: what counts against the
  daily cap and the rhythm, so the claim, /queue, bulk requests and the digest count one way.
- `in_flight`: a withdrawal of the invitation is queued or running. The digest counts such
  invitations instead of offering them again, bulk requests leave them out, and sync leaves
  their closing to the queue.
- `old_enough` and `withdrawable`: `bot.services.policy.withdrawable` is the rule; these are the
  same rule for rows of `Invitation` (joined with their `Person`), built from
  `policy.old_enough_cutoff` so that the Python and the SQL cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    ACTIVE_ACTION_STATES,
    Account,
    Action,
    ActionKind,
    ActionState,
    Invitation,
    InvitationState,
    Person,
)
from bot.services.policy import local_date, local_day_bounds, old_enough_cutoff
from bot.services.rhythm import Load


def in_flight(account_id: int) -> ColumnElement[bool]:
    """True for the account's invitations a withdrawal is queued or running for."""
    withdrawing = (
        select(Action.invitation_id)
        .where(
            Action.account_id == account_id,
            Action.kind == ActionKind.WITHDRAW,
            Action.state.in_(ACTIVE_ACTION_STATES),
            Action.invitation_id.is_not(None),  # NOT IN with a NULL would match nothing
        )
        .scalar_subquery()
    )
    return Invitation.id.in_(withdrawing)


def old_enough(now: datetime, days: int) -> ColumnElement[bool]:
    """True for invitations certainly at least `days` old at `now` (`policy.old_enough`)."""
    return Invitation.sent_at_latest <= old_enough_cutoff(now, days)


def withdrawable(account_id: int, now: datetime, older_than_days: int) -> ColumnElement[bool]:
    """`policy.withdrawable` for the account's invitations, in SQL (the query joins `Person`).

    Pending, not keep-listed, no withdrawal in flight, certainly `older_than_days` old. The
    account's pause is not part of it: requests refuse a paused account before they ask.
    """
    return and_(
        Invitation.account_id == account_id,
        Invitation.state == InvitationState.PENDING,
        Person.keep.is_(False),
        ~in_flight(account_id),
        old_enough(now, older_than_days),
    )


async def withdrawals_used_today(session: AsyncSession, account: Account, now: datetime) -> int:
    """Count withdrawals done (or in flight) in the account's local day around `now`."""
    start, end = local_day_bounds(local_date(now, account.timezone), account.timezone)
    done_today = and_(Action.state == ActionState.DONE, Action.finished_at >= start, Action.finished_at < end)
    query = select(func.count()).where(
        Action.account_id == account.id,
        Action.kind == ActionKind.WITHDRAW,
        or_(Action.state == ActionState.RUNNING, done_today),
    )
    return int((await session.execute(query)).scalar_one())


async def withdrawals_per_day(
    session: AsyncSession, account: Account, *, now: datetime, exclude: Collection[int] = ()
) -> dict[date, int]:
    """Return how many withdrawals each local day already carries against the daily cap.

    Today carries those done today and those running; queued ones (but the `exclude`d) count on
    the local day they may run (overdue ones on today). Every plan of withdrawals starts here.
    """
    today = local_date(now, account.timezone)
    used = {today: await withdrawals_used_today(session, account, now)}
    queued = await session.execute(
        select(Action.not_before).where(
            Action.account_id == account.id,
            Action.kind == ActionKind.WITHDRAW,
            Action.state == ActionState.QUEUED,
            Action.id.not_in(exclude),
        )
    )
    for (not_before,) in queued:
        day = max(today, local_date(not_before, account.timezone))
        used[day] = used.get(day, 0) + 1
    return used


async def queue_load(
    session: AsyncSession, account: Account, *, now: datetime, planning: bool, exclude: Collection[int] = ()
) -> Load:
    """What the account's queue holds, for `rhythm.schedule` (the `exclude`d actions left out).

    `planning` (a request, a plan, moving work) sees the queued work ahead as well; the claim
    gate (`planning=False`) sees only what already ran: whether this one may start now depends
    on the work before it, not on the work planned after it.
    """
    started = await session.execute(
        select(Action.started_at).where(
            Action.account_id == account.id,
            Action.started_at >= now - timedelta(days=1),
            Action.started_at <= now,
            Action.id.not_in(exclude),
        )
    )
    if not planning:
        used = {local_date(now, account.timezone): await withdrawals_used_today(session, account, now)}
        return Load(used=used, started=[at for (at,) in started if at is not None])
    queued = await session.execute(
        select(Action.not_before).where(
            Action.account_id == account.id,
            Action.state == ActionState.QUEUED,
            Action.not_before >= now,
            Action.id.not_in(exclude),
        )
    )
    return Load(
        used=await withdrawals_per_day(session, account, now=now, exclude=exclude),
        started=[at for (at,) in started if at is not None],
        queued=[at for (at,) in queued],
    )


async def next_in_batch(session: AsyncSession, batch_id: str) -> datetime | None:
    """When the bulk request's next queued withdrawal is due (None once nothing waits)."""
    query = select(func.min(Action.not_before)).where(
        Action.batch_id == batch_id, Action.state == ActionState.QUEUED
    )
    found: datetime | None = (await session.execute(query)).scalar_one_or_none()
    return found
