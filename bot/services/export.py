"""The tracking sheet: every invitation the account has seen, one CSV row each.

Dates are the account's local calendar days. A send time is a range (LinkedIn shows relative
ages), so the sheet has both ends; they are equal when the bot sent the invitation itself.
Cells that a spreadsheet would run as a formula (a name starting with "=", "+", "-" or "@") are
prefixed with an apostrophe: the names and headlines come from strangers' profiles.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import astuple, dataclass, fields
from datetime import date, datetime
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, Followup, Invitation, Person, Reminder, ReminderState
from bot.services.policy import local_date

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class SheetRow:
    """One invitation; the field names are the CSV header."""

    name: str
    company: str
    headline: str
    profile_url: str
    sent_from: date
    sent_to: date
    note: bool
    state: str
    withdrawn_at: date | None
    can_reinvite_from: date | None
    next_follow_up: date | None  # the cooldown reminder's date (re-invite)
    note_template: str  # the template that drafted the invitation's note ("own:<name>" for the owner's)
    followup_state: str  # the first message after acceptance: due, shown, sent, done (or empty)
    followup_due: date | None
    followup_message: str  # as drafted, edited, or sent
    followup_sent_at: date | None


HEADER = tuple(field.name for field in fields(SheetRow))


async def sheet_rows(session: AsyncSession, account: Account) -> list[SheetRow]:
    """Every invitation of `account`, newest first."""
    open_reminder = (
        select(Reminder.invitation_id, Reminder.due_at)
        .where(Reminder.account_id == account.id, Reminder.state.in_((ReminderState.DUE, ReminderState.SENT)))
        .subquery()
    )
    rows = await session.execute(
        select(Invitation, Person, open_reminder.c.due_at, Followup)
        .join(Person, Person.id == Invitation.person_id)
        .outerjoin(open_reminder, open_reminder.c.invitation_id == Invitation.id)
        .outerjoin(Followup, Followup.invitation_id == Invitation.id)
        .where(Invitation.account_id == account.id)
        .order_by(Invitation.sent_at_latest.desc(), Invitation.id.desc())
    )

    def day(moment: datetime | None) -> date | None:
        return None if moment is None else local_date(moment, account.timezone)

    return [
        SheetRow(
            name=person.name,
            company=person.company or "",
            headline=person.headline,
            profile_url=person.profile_url,
            sent_from=local_date(invitation.sent_at_earliest, account.timezone),
            sent_to=local_date(invitation.sent_at_latest, account.timezone),
            note=invitation.had_note,
            state=invitation.state.value,
            withdrawn_at=day(invitation.withdrawn_at),
            can_reinvite_from=day(invitation.cooldown_ends_at),
            next_follow_up=day(follow_up),
            note_template=invitation.note_template or "",
            followup_state=followup.state.value if followup else "",
            followup_due=day(followup.due_at) if followup else None,
            followup_message=(followup.draft_message or "") if followup else "",
            followup_sent_at=day(followup.message_sent_at) if followup else None,
        )
        for invitation, person, follow_up, followup in rows
    ]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def write_csv(rows: Iterable[SheetRow], stream: TextIO) -> int:
    """Write the header and `rows` to `stream`; returns how many rows were written."""
    writer = csv.writer(stream)
    writer.writerow(HEADER)
    count = 0
    for row in rows:
        writer.writerow([_cell(value) for value in astuple(row)])
        count += 1
    return count
