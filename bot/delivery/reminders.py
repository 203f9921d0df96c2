"""Redraw a cooldown reminder's message after its note, its context or its invite changed."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from automation.errors import AutomationError
from bot.context import BotContext
from bot.db.models import Account, Invitation, Person, Reminder
from bot.delivery.chat import edit, pause_for_error
from bot.services import profile_context
from bot.services.chat_lookups import reminder_with_person
from bot.services.linkedin import AccountBusy
from bot.services.note_variants import TemplateRecord
from bot.services.notes import NoteQuota, note_quota
from bot.services.secrets import SessionKeyError
from bot.services.session_health import pauses
from bot.services.stats import template_records
from bot.views.reminders import reminder_card

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReminderCard:
    """What a reminder message shows, read in one unit of work."""

    account: Account
    reminder: Reminder
    person: Person
    quota: NoteQuota
    first_note: str | None = None  # the withdrawn invitation's note, if it had one
    record: TemplateRecord | None = None  # the drafting template's record so far


async def load_reminder_card(
    session: AsyncSession, account_id: int, reminder_id: int, *, now: datetime
) -> ReminderCard | None:
    """The reminder with its person, the account as it is now and its note quota; None if gone."""
    found = await reminder_with_person(session, reminder_id)
    if found is None:
        return None
    account = await session.get_one(Account, account_id)
    invitation = await session.get(Invitation, found[0].invitation_id)
    first_note = invitation.note_text if invitation is not None else None
    quota = await note_quota(session, account, now=now)
    template = found[0].draft_template
    record = (await template_records(session, account, now=now)).get(template or "") if template else None
    return ReminderCard(account, found[0], found[1], quota, first_note, record)


async def show_reminder(context: BotContext, card: ReminderCard, *, notice: str | None) -> None:
    """Edit the reminder's message to show `card`, with `notice` about the last change."""
    reminder = card.reminder
    if reminder.chat_id is None or reminder.message_id is None:
        return
    view = reminder_card(
        context.render,
        card.account,
        reminder,
        card.person,
        card.quota,
        first_note=card.first_note,
        notice=notice,
        record=card.record,
    )
    await edit(context, card.account, reminder.chat_id, reminder.message_id, view)


async def redraw_reminder(
    context: BotContext, account: Account, reminder_id: int, *, notice: str | None
) -> None:
    """Edit the reminder message to show its current note (after an edit or new context)."""
    async with context.db() as session:
        card = await load_reminder_card(session, account.id, reminder_id, now=context.clock())
    if card is not None:
        await show_reminder(context, card, notice=notice)


class Visit(enum.Enum):
    """What `read_profile_quietly` did."""

    NONE = "none"  # no visit: read recently, or browser work may not run now
    READ = "read"
    FAILED = "failed"


async def read_profile_quietly(context: BotContext, account_id: int, person_id: int) -> Visit:
    """Visit the person's profile for their reminder if it is wanted and browser work may run now.

    A failed read only costs the reminder its fresh context: it is logged, and an error that
    needs the owner pauses the account and tells them once, as a failed sync does. While another
    process works on the account the visit is skipped (no wait, no second browser session).
    """
    async with context.db() as session:
        account = await session.get_one(Account, account_id)
        person = await session.get_one(Person, person_id)
    if not profile_context.wants_read(account, person, context.clock()):
        return Visit.NONE
    try:
        async with context.linkedin.open(account) as client:
            await profile_context.read_for_reminder(
                context.db, client, account_id, person_id, now=context.clock
            )
    except AccountBusy as busy:
        logger.info("profile read of person %s skipped: %s", person_id, busy)
        return Visit.NONE  # another process has the account's browser: this reminder goes without
    except (AutomationError, SessionKeyError) as error:
        logger.warning("profile read of person %s failed: %s", person_id, type(error).__name__)
        if pauses(error):
            await pause_for_error(context, account_id, error)
        return Visit.FAILED
    return Visit.READ
