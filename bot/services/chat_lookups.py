"""Read-only lookups the chat needs to redraw a message: an invitation's card, an action's subject,
a reminder with its person. Each returns plain data (or None when the row is gone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Account,
    Action,
    ActionKind,
    Invitation,
    InvitationState,
    Person,
    Reminder,
    ReminderState,
)
from bot.services.digest import StaleInvitation
from bot.services.notes import first_name
from bot.services.policy import cooldown_ends_at


@dataclass(frozen=True)
class InvitationView:
    """An invitation as its card shows it, and what withdrawing it now would mean."""

    item: StaleInvitation  # the same shape the digest and /pending cards use
    state: InvitationState
    keep: bool
    first_name: str | None
    reinvite_from: datetime  # if withdrawn now, re-inviting is possible from this moment


async def invitation_view(
    session: AsyncSession, account: Account, invitation_id: int, *, now: datetime
) -> InvitationView | None:
    """The card data for one of the account's invitations, or None if it is not theirs."""
    row = (
        await session.execute(
            select(Invitation, Person)
            .join(Person, Person.id == Invitation.person_id)
            .where(Invitation.id == invitation_id, Invitation.account_id == account.id)
        )
    ).one_or_none()
    if row is None:
        return None
    invitation, person = row
    day = timedelta(days=1)
    item = StaleInvitation(
        invitation_id=invitation.id,
        person_id=person.id,
        slug=person.slug,
        name=person.name,
        headline=person.headline,
        company=person.company,
        profile_url=person.profile_url,
        age_days=max(0, (now - invitation.sent_at_latest) // day),
        max_age_days=max(0, (now - invitation.sent_at_earliest) // day),
        had_note=invitation.had_note,
    )
    return InvitationView(
        item=item,
        state=invitation.state,
        keep=person.keep,
        first_name=first_name(person.name) or None,
        reinvite_from=cooldown_ends_at(now, account.cooldown_days),
    )


@dataclass(frozen=True)
class ActionSubject:
    """Who an action is about, for the message that tracks it."""

    name: str | None
    first_name: str | None
    cooldown_ends_at: datetime | None  # set once a withdrawal is recorded
    note: str | None
    invitation_id: int | None
    kind: ActionKind
    reminder_id: int | None  # for an invitation: the reminder it was sent from, if still open


async def action_subject(session: AsyncSession, action_id: int) -> ActionSubject | None:
    """The person (and, for a withdrawal, the re-invite date) an action is about; None if gone."""
    row = (
        await session.execute(
            select(Action, Person.name, Invitation.cooldown_ends_at)
            .outerjoin(Person, Person.id == Action.person_id)
            .outerjoin(Invitation, Invitation.id == Action.invitation_id)
            .where(Action.id == action_id)
        )
    ).one_or_none()
    if row is None:
        return None
    action, name, ends = row
    reminder = None
    if action.kind is ActionKind.INVITE and action.person_id is not None:
        reminder = await open_reminder_for_person(session, action.person_id)
    return ActionSubject(
        name=name,
        first_name=first_name(name or "") or None,
        cooldown_ends_at=ends,
        note=action.note,
        invitation_id=action.invitation_id,
        kind=action.kind,
        reminder_id=reminder.id if reminder is not None else None,
    )


async def reminder_with_person(session: AsyncSession, reminder_id: int) -> tuple[Reminder, Person] | None:
    """A reminder and the person it is about."""
    row = (
        await session.execute(
            select(Reminder, Person)
            .join(Person, Person.id == Reminder.person_id)
            .where(Reminder.id == reminder_id)
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1])


async def open_reminder_for_person(session: AsyncSession, person_id: int) -> Reminder | None:
    """The reminder currently shown to the owner for this person (state SENT), if any."""
    return await session.scalar(
        select(Reminder).where(Reminder.person_id == person_id, Reminder.state == ReminderState.SENT).limit(1)
    )
