"""The durable queue of browser work: requesting, undoing and retrying withdrawals and invitations.

    action = await request_withdrawal(db, account_id, invitation_id, now=clock(), requested_by=uid)
    await cancel(db, action.id, by_user=uid, now=clock())          # [Undo], within the window
    await request_sync(db, account_id, now=clock())                 # a sync between other work
    batch_id, plan = await request_bulk_withdrawal(db, account_id, 90, 100, uid, now=clock())
    outcomes = await run_due_actions(db, provider, clock)          # the worker (action_worker)

A request is idempotent while its action is active: the `active_key` unique column
("withdraw:<invitation id>", "invite:<person id>", "sync:<account id>") makes a second request
return the first action, on every backend, even when two taps race. Withdrawals and invitations
wait `undo_window` before the worker may take them. These functions own their short
transactions (a request that loses the race for the key must look the winner up in a fresh
one), so they take the session factory.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
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
from bot.db.session import SessionFactory
from bot.services.action_records import active_key, finish, withdrawals_used_today
from bot.services.action_worker import (
    ActionOutcome,
    ClaimedAction,
    ProgressHook,
    Result,
    WorkerPolicy,
    claim_next_action,
    recover_interrupted,
    run_due_actions,
)
from bot.services.events import record_event
from bot.services.policy import (
    DayPlan,
    effective_daily_cap,
    local_date,
    local_day_bounds,
    plan_withdrawals,
)

__all__ = [
    "DEFAULT_UNDO_WINDOW",
    "ActionOutcome",
    "ActionRefused",
    "ClaimedAction",
    "ProgressHook",
    "QueueItem",
    "QueueOverview",
    "Result",
    "WorkerPolicy",
    "cancel",
    "cancel_batch",
    "claim_next_action",
    "queue_overview",
    "recover_interrupted",
    "request_bulk_withdrawal",
    "request_invite",
    "request_sync",
    "request_withdrawal",
    "retry",
    "run_due_actions",
]

DEFAULT_UNDO_WINDOW = timedelta(seconds=10)
"""The default of `settings.undo_window_seconds`: how long [Undo] works before the worker may run."""


class ActionRefused(Exception):
    """A request that cannot be honoured; `reason` is a stable code for the front ends' templates.

    "not_found", "not_allowed" (not the owner), "not_pending", "kept" (on the keep list),
    "account_paused", "already_pending" (an invitation to that person is pending),
    "in_cooldown" (re-invite before the cooldown ends), "too_late" (Undo after the action started),
    "not_failed" (Retry of an action that did not fail), "busy" (lost a race; try again).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def request_withdrawal(
    db: SessionFactory,
    account_id: int,
    invitation_id: int,
    *,
    now: datetime,
    requested_by: int | None = None,
    chat_id: int | None = None,
    message_id: int | None = None,
    undo_window: timedelta = DEFAULT_UNDO_WINDOW,
) -> Action:
    """Queue the withdrawal of one pending invitation; a second request returns the first action.

    Raises:
        ActionRefused: "not_found", "not_pending", "kept" or "account_paused".
    """
    key = active_key(ActionKind.WITHDRAW, invitation_id)
    existing = await _active(db, key)
    if existing is not None:
        return _same_account(existing, account_id)
    try:
        async with db.begin() as session:
            account = await _usable_account(session, account_id)
            invitation = await session.get(Invitation, invitation_id)
            if invitation is None or invitation.account_id != account.id:
                raise ActionRefused("not_found")
            if invitation.state is not InvitationState.PENDING:
                raise ActionRefused("not_pending")
            person = await session.get_one(Person, invitation.person_id)
            if person.keep:
                raise ActionRefused("kept")
            action = _new_action(
                account.id,
                ActionKind.WITHDRAW,
                key,
                now + undo_window,
                now,
                invitation_id=invitation.id,
                person_id=person.id,
                requested_by=requested_by,
                chat_id=chat_id,
                message_id=message_id,
            )
            session.add(action)
            await session.flush()
            _record_requested(session, action, now)
    except IntegrityError:
        return _same_account(await _winner(db, key), account_id)
    return action


async def request_invite(
    db: SessionFactory,
    account_id: int,
    person_id: int,
    note: str | None,
    *,
    now: datetime,
    requested_by: int | None = None,
    chat_id: int | None = None,
    message_id: int | None = None,
    undo_window: timedelta = DEFAULT_UNDO_WINDOW,
) -> Action:
    """Queue a connection invitation to a person (with `note` if given); idempotent while active.

    The note is sent as given: check it with `bot.services.notes` first.

    Raises:
        ActionRefused: "not_found", "already_pending", "in_cooldown" or "account_paused".
    """
    key = active_key(ActionKind.INVITE, person_id)
    existing = await _active(db, key)
    if existing is not None:
        return _same_account(existing, account_id)
    try:
        async with db.begin() as session:
            account = await _usable_account(session, account_id)
            person = await session.get(Person, person_id)
            if person is None or person.account_id != account.id:
                raise ActionRefused("not_found")
            pending = await session.execute(
                select(Invitation.id).where(
                    Invitation.person_id == person.id, Invitation.state == InvitationState.PENDING
                )
            )
            if pending.first() is not None:
                raise ActionRefused("already_pending")
            cooling = await session.execute(
                select(Invitation.id).where(
                    Invitation.person_id == person.id, Invitation.cooldown_ends_at > now
                )
            )
            if cooling.first() is not None:
                # LinkedIn would refuse it ("You can resend an invitation 3 weeks after withdrawing it").
                raise ActionRefused("in_cooldown")
            action = _new_action(
                account.id,
                ActionKind.INVITE,
                key,
                now + undo_window,
                now,
                person_id=person.id,
                note=note or None,
                requested_by=requested_by,
                chat_id=chat_id,
                message_id=message_id,
            )
            session.add(action)
            await session.flush()
            _record_requested(session, action, now)
    except IntegrityError:
        return _same_account(await _winner(db, key), account_id)
    return action


async def request_sync(
    db: SessionFactory,
    account_id: int,
    *,
    now: datetime,
    requested_by: int | None = None,
    chat_id: int | None = None,
    message_id: int | None = None,
) -> Action:
    """Queue a sync of the account's Sent page, run by the worker between other browser work.

    There is no undo window (reading changes nothing on LinkedIn); a sync already queued or
    running is returned instead of a second one.

    Raises:
        ActionRefused: "not_found" or "account_paused".
    """
    key = active_key(ActionKind.SYNC, account_id)
    existing = await _active(db, key)
    if existing is not None:
        return existing
    try:
        async with db.begin() as session:
            account = await _usable_account(session, account_id)
            action = _new_action(
                account.id,
                ActionKind.SYNC,
                key,
                now,
                now,
                requested_by=requested_by,
                chat_id=chat_id,
                message_id=message_id,
            )
            session.add(action)
            await session.flush()
            _record_requested(session, action, now)
    except IntegrityError:
        return await _winner(db, key)
    return action


async def request_bulk_withdrawal(
    db: SessionFactory,
    account_id: int,
    older_than_days: int,
    max_n: int,
    requested_by: int | None,
    *,
    now: datetime,
    undo_window: timedelta = DEFAULT_UNDO_WINDOW,
    chat_id: int | None = None,
    message_id: int | None = None,
) -> tuple[str, DayPlan]:
    """Queue withdrawals of up to `max_n` pending invitations certainly older than `older_than_days`.

    Oldest first; keep-listed people and invitations already being withdrawn are left out. The
    plan spreads the work over local days within the daily cap, after what today already
    carries (done or queued); each action waits for its day. Returns (batch_id, plan), the plan
    as [(local date, count)]; an empty plan queues nothing.

    Raises:
        ActionRefused: "not_found" or "account_paused".
    """
    for _ in range(3):  # a single request racing for one of the same invitations: plan again
        try:
            return await _bulk(
                db, account_id, older_than_days, max_n, requested_by, now, undo_window, chat_id, message_id
            )
        except IntegrityError:
            continue
    raise ActionRefused("busy")


async def _bulk(
    db: SessionFactory,
    account_id: int,
    older_than_days: int,
    max_n: int,
    requested_by: int | None,
    now: datetime,
    undo_window: timedelta,
    chat_id: int | None,
    message_id: int | None,
) -> tuple[str, DayPlan]:
    batch_id = str(uuid.uuid4())
    async with db.begin() as session:
        account = await _usable_account(session, account_id)
        withdrawing = (
            select(Action.invitation_id)
            .where(
                Action.kind == ActionKind.WITHDRAW,
                Action.state.in_(ACTIVE_ACTION_STATES),
                Action.invitation_id.is_not(None),  # NOT IN with a NULL would match nothing
            )
            .scalar_subquery()
        )
        # The same rule as `policy.withdrawable`, in SQL: certainly old enough means its latest
        # possible send time is at least `older_than_days` ago.
        candidates = (
            await session.execute(
                select(Invitation.id, Invitation.person_id)
                .join(Person, Person.id == Invitation.person_id)
                .where(
                    Invitation.account_id == account.id,
                    Invitation.state == InvitationState.PENDING,
                    Person.keep.is_(False),
                    Invitation.sent_at_latest <= now - timedelta(days=older_than_days),
                    Invitation.id.not_in(withdrawing),
                )
                .order_by(Invitation.sent_at_latest, Invitation.id)
                .limit(max(0, max_n))
            )
        ).all()
        today = local_date(now, account.timezone)
        used = await _withdrawals_by_day(session, account, now, today)
        plan = plan_withdrawals(
            len(candidates),
            effective_daily_cap(account.daily_withdraw_cap, account.cap_override),
            today,
            used,
        )
        days = [day for day, count in plan for _ in range(count)]
        for (invitation_id, person_id), day in zip(candidates, days, strict=True):
            day_start = local_day_bounds(day, account.timezone)[0]
            session.add(
                _new_action(
                    account.id,
                    ActionKind.WITHDRAW,
                    active_key(ActionKind.WITHDRAW, invitation_id),
                    max(now + undo_window, day_start),
                    now,
                    invitation_id=invitation_id,
                    person_id=person_id,
                    requested_by=requested_by,
                    chat_id=chat_id,
                    message_id=message_id,
                    batch_id=batch_id,
                )
            )
        if candidates:
            await session.flush()
            record_event(
                session,
                account_id=account.id,
                kind="bulk_withdrawal_requested",
                at=now,
                batch_id=batch_id,
                count=len(candidates),
                older_than_days=older_than_days,
                plan=[[day.isoformat(), count] for day, count in plan],
                requested_by=requested_by,
            )
    return batch_id, plan


async def _withdrawals_by_day(
    session: AsyncSession, account: Account, now: datetime, today: date
) -> dict[date, int]:
    """What each local day already carries: today's done and running, plus queued withdrawals."""
    used = {today: await withdrawals_used_today(session, account, now)}
    queued = await session.execute(
        select(Action.not_before).where(
            Action.account_id == account.id,
            Action.kind == ActionKind.WITHDRAW,
            Action.state == ActionState.QUEUED,
        )
    )
    for (not_before,) in queued:
        day = max(today, local_date(not_before, account.timezone))
        used[day] = used.get(day, 0) + 1
    return used


async def cancel(db: SessionFactory, action_id: int, *, by_user: int | None, now: datetime) -> Action:
    """Cancel a queued action ([Undo], or from /queue); cancelling twice is harmless.

    `by_user` must own the account or have requested the action; None is the local CLI.

    Raises:
        ActionRefused: "not_found", "not_allowed", or "too_late" once the action has started.
    """
    async with db.begin() as session:
        action = await _owned_action(session, action_id, by_user)
        if action.state is ActionState.CANCELLED:
            return action
        if action.state is not ActionState.QUEUED:
            raise ActionRefused("too_late")
        _cancel(session, action, by_user, now)
        return action


async def cancel_batch(db: SessionFactory, batch_id: str, *, by_user: int | None, now: datetime) -> int:
    """Cancel every still-queued action of a bulk request; returns how many were cancelled."""
    async with db.begin() as session:
        actions = (
            await session.execute(
                select(Action).where(Action.batch_id == batch_id, Action.state == ActionState.QUEUED)
            )
        ).scalars()
        cancelled = 0
        for action in actions:
            await _owned_action(session, action.id, by_user)
            _cancel(session, action, by_user, now)
            cancelled += 1
        return cancelled


async def retry(db: SessionFactory, action_id: int, *, by_user: int | None, now: datetime) -> Action:
    """Queue a failed action again, from scratch ([Retry]); returns the active action.

    If the same work was requested again meanwhile, that action is returned instead.

    Raises:
        ActionRefused: "not_found", "not_allowed", "not_failed", "not_pending" or "account_paused".
    """
    try:
        async with db.begin() as session:
            action = await _owned_action(session, action_id, by_user)
            if action.state in ACTIVE_ACTION_STATES:
                return action
            if action.state is not ActionState.FAILED:
                raise ActionRefused("not_failed")
            await _usable_account(session, action.account_id)
            target = action.invitation_id if action.kind is ActionKind.WITHDRAW else action.person_id
            if target is None:
                raise ActionRefused("not_found")
            if action.kind is ActionKind.WITHDRAW:
                invitation = await session.get_one(Invitation, target)
                if invitation.state is not InvitationState.PENDING:
                    raise ActionRefused("not_pending")
            action.state = ActionState.QUEUED
            action.active_key = active_key(action.kind, target)
            action.attempts = 0
            action.error = action.error_kind = None
            action.not_before = now
            action.started_at = action.finished_at = None
            await session.flush()
            record_event(
                session,
                account_id=action.account_id,
                kind="action_retried",
                at=now,
                invitation_id=action.invitation_id,
                person_id=action.person_id,
                action_id=action.id,
                by_user=by_user,
            )
            return action
    except IntegrityError:
        async with db() as session:
            failed = await session.get_one(Action, action_id)
        target = failed.invitation_id if failed.kind is ActionKind.WITHDRAW else failed.person_id
        assert target is not None
        return await _winner(db, active_key(failed.kind, target))


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
    )


def _new_action(
    account_id: int,
    kind: ActionKind,
    key: str,
    not_before: datetime,
    now: datetime,
    *,
    invitation_id: int | None = None,
    person_id: int | None = None,
    note: str | None = None,
    requested_by: int | None = None,
    chat_id: int | None = None,
    message_id: int | None = None,
    batch_id: str | None = None,
) -> Action:
    return Action(
        account_id=account_id,
        kind=kind,
        invitation_id=invitation_id,
        person_id=person_id,
        note=note,
        state=ActionState.QUEUED,
        active_key=key,
        not_before=not_before,
        attempts=0,
        requested_by=requested_by,
        chat_id=chat_id,
        message_id=message_id,
        batch_id=batch_id,
        created_at=now,
    )


def _record_requested(session: AsyncSession, action: Action, now: datetime) -> None:
    record_event(
        session,
        account_id=action.account_id,
        kind=f"{action.kind.value}_requested",
        at=now,
        invitation_id=action.invitation_id,
        person_id=action.person_id,
        action_id=action.id,
        requested_by=action.requested_by,
    )


def _cancel(session: AsyncSession, action: Action, by_user: int | None, now: datetime) -> None:
    finish(action, ActionState.CANCELLED, now)
    record_event(
        session,
        account_id=action.account_id,
        kind="action_cancelled",
        at=now,
        invitation_id=action.invitation_id,
        person_id=action.person_id,
        action_id=action.id,
        by_user=by_user,
    )


async def _active(db: SessionFactory, key: str) -> Action | None:
    async with db() as session:
        return (await session.execute(select(Action).where(Action.active_key == key))).scalar_one_or_none()


async def _winner(db: SessionFactory, key: str) -> Action:
    """The action that won a race for `key` (our insert hit the unique constraint)."""
    winner = await _active(db, key)
    if winner is None:
        # It finished between our insert and this look-up: rare enough to report as busy.
        raise ActionRefused("busy")
    return winner


def _same_account(action: Action, account_id: int) -> Action:
    # Targets are global ids: another account's active action must not leak through the fast path.
    if action.account_id != account_id:
        raise ActionRefused("not_found")
    return action


async def _usable_account(session: AsyncSession, account_id: int) -> Account:
    account = await session.get(Account, account_id)
    if account is None:
        raise ActionRefused("not_found")
    if account.paused:
        raise ActionRefused("account_paused")
    return account


async def _owned_action(session: AsyncSession, action_id: int, by_user: int | None) -> Action:
    action = await session.get(Action, action_id)
    if action is None:
        raise ActionRefused("not_found")
    if by_user is not None and by_user != action.requested_by:
        account = await session.get_one(Account, action.account_id)
        if by_user != account.owner_telegram_id:
            raise ActionRefused("not_allowed")
    return action
