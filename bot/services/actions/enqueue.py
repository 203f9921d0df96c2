"""Putting one action on the queue: the refusal type and the race for its key.

Shared by the request functions (`bot.services.actions.requests`, `bot.services.actions.bulk`);
what the key guarantees is explained in `bot.services.actions.requests`, and the row itself is
made by `transitions.new_action`. `enqueue` is the one way a single request takes its key; each
request only says which action it wants.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, Action, ActionKind
from bot.db.session import SessionFactory
from bot.services.actions.queries import queue_load
from bot.services.actions.records import record_action_event
from bot.services.rhythm import account_rhythm, schedule
from bot.services.wakeups import notify_work

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


def record_requested(session: AsyncSession, action: Action, now: datetime) -> None:
    """Record the "<kind>_requested" event of a new action."""
    record_action_event(
        session, action, f"{action.kind.value}_requested", now, requested_by=action.requested_by
    )


NewAction = Callable[[AsyncSession, Account], Awaitable[Action]]
"""Check a request against the store and build its action (`transitions.new_action`), or refuse it."""


async def enqueue(db: SessionFactory, account_id: int, key: str, now: datetime, build: NewAction) -> Action:
    """Queue the action `build` makes for a usable account, unless one holding `key` is active.

    The active action, if any, is returned instead (also when a concurrent request wins the
    race for `key`); it must belong to `account_id`. Raises ActionRefused ("not_found",
    "account_paused", "busy" or what `build` raises).
    """
    existing = await active_action(db, key)
    if existing is not None:
        return same_account(existing, account_id)
    try:
        async with db.begin() as session:
            account = await usable_account(session, account_id)
            action = await build(session, account)
            session.add(action)
            await session.flush()
            record_requested(session, action, now)
            await notify_work(session, account_id)
    except IntegrityError:
        return same_account(await winner(db, key), account_id)
    return action


async def scheduled_start(
    session: AsyncSession, account: Account, kind: ActionKind, *, now: datetime, earliest: datetime
) -> datetime:
    """When a new action of `kind` may run, not before `earliest`: by the account's rhythm."""
    load = await queue_load(session, account, now=now, planning=True)
    rhythm = account_rhythm(account)
    return schedule(rhythm, now, 1, load, earliest=earliest, counted=kind is ActionKind.WITHDRAW)[0]


async def active_action(db: SessionFactory, key: str) -> Action | None:
    """Return the queued or running action holding `key`, if any."""
    async with db() as session:
        return (await session.execute(select(Action).where(Action.active_key == key))).scalar_one_or_none()


async def winner(db: SessionFactory, key: str) -> Action:
    """Return the action that won the race for `key` (our insert hit the unique constraint)."""
    found = await active_action(db, key)
    if found is None:
        # It finished between our insert and this look-up: rare enough to report as busy.
        raise ActionRefused("busy")
    return found


def same_account(action: Action, account_id: int) -> Action:
    """Return `action` if it belongs to `account_id`, else refuse as "not_found"."""
    # Targets are global ids: another account's active action must not leak through the fast path.
    if action.account_id != account_id:
        raise ActionRefused("not_found")
    return action


async def usable_account(session: AsyncSession, account_id: int) -> Account:
    """Return the account new work may be queued for; refuse a missing or paused one."""
    account = await session.get(Account, account_id)
    if account is None:
        raise ActionRefused("not_found")
    if account.paused:
        raise ActionRefused("account_paused")
    return account
