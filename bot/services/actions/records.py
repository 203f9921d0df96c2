"""What an action's outcome does to what it is about: the invitation, the reminders, the events.

The action's own state is `bot.services.actions.transitions`, which calls these inside the same
transaction: a withdrawal closes the invitation and schedules its reminder, a sent invitation is
stored pending and closes the person's reminders, one found accepted or gone is closed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Account,
    Action,
    Invitation,
    InvitationState,
    Reminder,
    ReminderState,
)
from bot.services.events import record_event
from bot.services.policy import cooldown_ends_at


def record_action_event(
    session: AsyncSession, action: Action, kind: str, at: datetime, **detail: Any
) -> None:
    """Record an event about `action` itself (its account, invitation, person and id, and `detail`)."""
    record_event(
        session,
        account_id=action.account_id,
        kind=kind,
        at=at,
        invitation_id=action.invitation_id,
        person_id=action.person_id,
        action_id=action.id,
        **detail,
    )


async def record_withdrawn(
    session: AsyncSession, action: Action, invitation: Invitation, account: Account, at: datetime, *, how: str
) -> None:
    """Record a withdrawal: close the invitation, start its cooldown, schedule the reminder."""
    invitation.state = InvitationState.WITHDRAWN
    invitation.withdrawn_at = at
    invitation.closed_at = at
    invitation.cooldown_ends_at = cooldown_ends_at(at, account.cooldown_days)
    reminder = (
        await session.execute(select(Reminder).where(Reminder.invitation_id == invitation.id))
    ).scalar_one_or_none()
    if reminder is None:
        reminder = Reminder(
            account_id=account.id, invitation_id=invitation.id, person_id=invitation.person_id
        )
        session.add(reminder)
    reminder.state = ReminderState.DUE
    reminder.due_at = invitation.cooldown_ends_at
    reminder.sent_at = None
    record_event(
        session,
        account_id=account.id,
        kind="invitation_withdrawn",
        at=at,
        invitation_id=invitation.id,
        person_id=invitation.person_id,
        action_id=action.id,
        how=how,
    )


async def record_invited(
    session: AsyncSession,
    action: Action,
    account: Account,
    at: datetime,
    *,
    note_sent: bool,
    sent_after: datetime | None = None,
    notes_remaining: int | None = None,
) -> Invitation | None:
    """Record a sent invitation: store it pending with its send time, close the reminders.

    `sent_after` widens the send time to [sent_after, at] when we only know it happened in
    between (crash recovery); otherwise the time is exact.
    """
    assert action.person_id is not None
    invitation = (
        await session.execute(
            select(Invitation).where(
                Invitation.person_id == action.person_id, Invitation.state == InvitationState.PENDING
            )
        )
    ).scalar_one_or_none()
    if invitation is None:
        invitation = Invitation(
            account_id=account.id,
            person_id=action.person_id,
            state=InvitationState.PENDING,
            sent_at_earliest=sent_after or at,
            sent_at_latest=at,
            first_seen_at=at,
            last_seen_at=at,
            sent_by_us=True,
            had_note=note_sent,
            note_text=action.note if note_sent else None,
            note_template=action.note_template if note_sent else None,
        )
        session.add(invitation)
        await session.flush()
    reminders = (
        await session.execute(
            select(Reminder).where(
                Reminder.person_id == action.person_id,
                Reminder.state.in_((ReminderState.DUE, ReminderState.SENT)),
            )
        )
    ).scalars()
    for reminder in reminders:
        reminder.state = ReminderState.DONE
    if notes_remaining is not None:
        account.notes_remaining = notes_remaining
        account.notes_remaining_seen_at = at
    record_event(
        session,
        account_id=account.id,
        kind="invitation_sent",
        at=at,
        invitation_id=invitation.id,
        person_id=action.person_id,
        action_id=action.id,
        with_note=note_sent,
    )
    return invitation


def record_closed_elsewhere(
    session: AsyncSession, action: Action, invitation: Invitation, state: InvitationState, at: datetime
) -> None:
    """Record an invitation accepted or gone before we could withdraw it: nothing left to do."""
    invitation.state = state
    invitation.closed_at = at
    record_event(
        session,
        account_id=action.account_id,
        kind=f"invitation_{state.value}",
        at=at,
        invitation_id=invitation.id,
        person_id=invitation.person_id,
        action_id=action.id,
    )
