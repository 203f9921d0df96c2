"""The queue as /queue and `invitesweep queue` show it: what waits, what failed, today's room."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select

from bot.db.models import ACTIVE_ACTION_STATES, Account, Action, ActionKind, ActionState, Person
from bot.db.session import SessionFactory
from bot.services.actions.enqueue import ActionRefused
from bot.services.actions.queries import next_in_batch, withdrawals_used_today
from bot.services.policy import effective_daily_cap


@dataclass(frozen=True)
class QueueItem:
    """One active or recently failed action, as /queue lists it."""

    action_id: int
    kind: ActionKind
    state: ActionState
    person_name: str | None
    not_before: datetime
    attempts: int
    error_kind: str | None
    batch_id: str | None
    holder_host: str | None  # while RUNNING: the machine and process working on it
    holder_pid: int | None


@dataclass(frozen=True)
class QueueOverview:
    """The account's queue: what waits, what failed lately, and today's room under the cap."""

    account_id: int
    paused: bool
    paused_reason: str | None
    daily_cap: int
    withdrawals_today: int
    active: list[QueueItem]  # running first, then queued soonest first
    failed: list[QueueItem]  # failed in the last `failed_since`, newest first

    @property
    def remaining_today(self) -> int:
        return max(0, self.daily_cap - self.withdrawals_today)


async def queue_overview(
    db: SessionFactory,
    account_id: int,
    *,
    now: datetime,
    limit: int = 50,
    failed_since: timedelta = timedelta(days=7),
) -> QueueOverview:
    """Summarise what the account's queue holds (for /queue and `invitesweep queue`)."""
    async with db() as session:
        account = await session.get(Account, account_id)
        if account is None:
            raise ActionRefused("not_found")
        base = (
            select(Action, Person.name)
            .outerjoin(Person, Person.id == Action.person_id)
            .where(Action.account_id == account_id)
        )
        active = await session.execute(
            base.where(Action.state.in_(ACTIVE_ACTION_STATES))
            .order_by((Action.state == ActionState.RUNNING).desc(), Action.not_before, Action.id)
            .limit(limit)
        )
        failed = await session.execute(
            base.where(Action.state == ActionState.FAILED, Action.finished_at >= now - failed_since)
            .order_by(Action.finished_at.desc())
            .limit(limit)
        )
        return QueueOverview(
            account_id=account_id,
            paused=account.paused,
            paused_reason=account.paused_reason,
            daily_cap=effective_daily_cap(account.daily_withdraw_cap, account.cap_override),
            withdrawals_today=await withdrawals_used_today(session, account, now),
            active=[_item(action, name) for action, name in active.all()],
            failed=[_item(action, name) for action, name in failed.all()],
        )


async def batch_next_start(db: SessionFactory, batch_id: str) -> datetime | None:
    """When the bulk request's next queued withdrawal is due, by the account's rhythm."""
    async with db() as session:
        return await next_in_batch(session, batch_id)


def _item(action: Action, name: str | None) -> QueueItem:
    return QueueItem(
        action_id=action.id,
        kind=action.kind,
        state=action.state,
        person_name=name,
        not_before=action.not_before,
        attempts=action.attempts,
        error_kind=action.error_kind,
        batch_id=action.batch_id,
        holder_host=action.holder_host,
        holder_pid=action.holder_pid,
    )


async def due_count(db: SessionFactory, account_id: int, *, now: datetime) -> int:
    """How many of the account's actions a run now would take on: due ones and running ones."""
    async with db() as session:
        query = select(func.count()).where(
            Action.account_id == account_id,
            or_(
                Action.state == ActionState.RUNNING,
                and_(Action.state == ActionState.QUEUED, Action.not_before <= now),
            ),
        )
        return int((await session.execute(query)).scalar_one())


async def unfinished_bulk_withdrawals(
    db: SessionFactory, account_id: int, *, now: datetime
) -> tuple[int, int]:
    """(active, due now): the account's withdrawals from bulk requests that are still queued or running."""
    async with db() as session:
        rows = await session.execute(
            select(Action.state, Action.not_before).where(
                Action.account_id == account_id,
                Action.kind == ActionKind.WITHDRAW,
                Action.batch_id.is_not(None),
                Action.state.in_(ACTIVE_ACTION_STATES),
            )
        )
        states = rows.all()
    due = sum(1 for state, not_before in states if state is ActionState.RUNNING or not_before <= now)
    return len(states), due
