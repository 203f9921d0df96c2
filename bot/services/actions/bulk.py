"""Bulk withdrawal requests: the oldest pending invitations, planned over days by the account's rhythm."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.db.models import ActionKind, Invitation, Person
from bot.db.session import SessionFactory
from bot.services.actions.enqueue import DEFAULT_UNDO_WINDOW, ActionRefused, usable_account
from bot.services.actions.queries import queue_load, withdrawable
from bot.services.actions.transitions import active_key, new_action
from bot.services.events import record_event
from bot.services.policy import DayPlan
from bot.services.rhythm import account_rhythm, plan_by_day, schedule
from bot.services.wakeups import notify_work


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

    Oldest first; keep-listed people and invitations already being withdrawn are left out. Each
    action waits for the moment `rhythm.schedule` gives it: inside active hours, spread, each
    day within its amount after what it already carries (done or queued). Returns (batch_id,
    plan), the plan as [(local date, count)]; an empty plan queues nothing.

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
        account = await usable_account(session, account_id)
        candidates = (
            await session.execute(
                select(Invitation.id, Invitation.person_id)
                .join(Person, Person.id == Invitation.person_id)
                .where(withdrawable(account.id, now, older_than_days))
                .order_by(Invitation.sent_at_latest, Invitation.id)
                .limit(max(0, max_n))
            )
        ).all()
        load = await queue_load(session, account, now=now, planning=True)
        starts = schedule(account_rhythm(account), now, len(candidates), load, earliest=now + undo_window)
        plan = plan_by_day(starts, account.timezone)
        for (invitation_id, person_id), start in zip(candidates, starts, strict=True):
            session.add(
                new_action(
                    account.id,
                    ActionKind.WITHDRAW,
                    active_key(ActionKind.WITHDRAW, invitation_id),
                    start,
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
            await notify_work(session, account.id)
    return batch_id, plan
