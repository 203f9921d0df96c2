"""Cooldown reminders: find the ones that are due, draft their note, and keep their bookkeeping.

A reminder is a row (`reminders`) with a `due_at`: the action queue creates one when it verifies
a withdrawal (due when the re-invite cooldown ends), and a snooze moves it. One repeating job calls
`scan_due` from the database, so a restart loses nothing: whatever came due while the bot was down
is simply overdue at the first scan.

Reminders reach people at a sensible local hour: one that comes due at night in the account's
timezone is moved to the next `DELIVERY_HOURS` start instead of being sent, so the scan stays a
single indexed query and the new `due_at` shows when it will go.

Delivery is at-least-once (send, then stamp). `scan_due` only reads and drafts; the caller sends
the message and then calls `mark_sent` in a short transaction. If the process dies between the
send and that commit, the next scan sends the reminder again: a duplicate reminder is a small
annoyance, while a lost one (at-most-once, claim first) would silently drop the re-invite the
owner was waiting three weeks for. A failed send is recorded with `record_failure`, which backs
off before the next try. With one scheduler process (docs/architecture.md, "The process model")
nothing else races the scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from automation.types import ProfileContext
from bot.db.models import Account, Invitation, Person, Reminder, ReminderState
from bot.services.events import record_event
from bot.services.note_templates import OwnerTemplate
from bot.services.notes import NoteDraft, draft_note_for, note_limit, validate_note
from bot.services.profile_context import stored_context
from bot.services.stats import template_records

DELIVERY_HOURS = (9, 20)
"""Reminders go out from 09:00 up to 20:00 in the account's timezone."""
DEFAULT_SNOOZE_DAYS = 7
DEFAULT_BATCH = 200
MAX_BACKOFF = timedelta(hours=6)
CONTEXT_MAX_LENGTH = 500  # the column's size


class ReminderNotFound(LookupError):
    """No such reminder on this account (a forged or stale button)."""


@dataclass(frozen=True)
class DueReminder:
    """A reminder to send now, with everything its message shows."""

    reminder: Reminder
    account: Account
    person: Person
    invitation: Invitation
    drafted: bool = False  # its note was drafted by this scan (not the owner's, not an earlier draft)


def in_delivery_hours(now: datetime, timezone: str, hours: tuple[int, int] = DELIVERY_HOURS) -> bool:
    local_hour = now.astimezone(ZoneInfo(timezone)).hour
    return hours[0] <= local_hour < hours[1]


def next_delivery_start(now: datetime, timezone: str, hours: tuple[int, int] = DELIVERY_HOURS) -> datetime:
    """The next moment (UTC) the account's local clock shows `hours[0]`:00."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    start = datetime.combine(local.date(), time(hours[0]), tzinfo=zone)
    if start <= local:
        start = datetime.combine(local.date() + timedelta(days=1), time(hours[0]), tzinfo=zone)
    return start.astimezone(UTC)


def due_and_unsent(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """What makes a reminder one the scan sends at `now`: due, waiting, not yet sent."""
    return (Reminder.sent_at.is_(None), Reminder.due_at <= now, Reminder.state == ReminderState.DUE)


async def scan_due(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int = DEFAULT_BATCH,
    hours: tuple[int, int] = DELIVERY_HOURS,
    with_chat_only: bool = True,
    owner_templates: Sequence[OwnerTemplate] = (),
) -> list[DueReminder]:
    """Reminders to send now, oldest due first, each with a drafted note stored on it.

    Due reminders of accounts whose local time is outside `hours` get their `due_at` moved to the
    next local start of `hours` instead. Accounts without a Telegram chat are skipped unless
    `with_chat_only` is False (the demo prints its reminder), so their reminders wait for a chat
    instead of filling every batch. Call inside a transaction (`async with db.begin()`).
    The draft picks among the built-ins and `owner_templates` by their records (see `draft_for`).
    """
    rows = (
        await session.execute(
            select(Reminder, Account, Person, Invitation)
            .join(Account, Account.id == Reminder.account_id)
            .join(Person, Person.id == Reminder.person_id)
            .join(Invitation, Invitation.id == Reminder.invitation_id)
            .where(
                *due_and_unsent(now),
                Account.chat_id.is_not(None) if with_chat_only else true(),
            )
            .order_by(Reminder.due_at, Reminder.id)
            .limit(limit)
        )
    ).all()
    due: list[DueReminder] = []
    later: dict[str, list[int]] = {}  # timezone → reminder ids to move
    for reminder, account, person, invitation in rows:
        if not in_delivery_hours(now, account.timezone, hours):
            later.setdefault(account.timezone, []).append(reminder.id)
            continue
        drafted = reminder.draft_note is None
        if drafted:
            await draft_for(
                session,
                reminder,
                account,
                person,
                now=now,
                owner_templates=owner_templates,
                invitation=invitation,
            )
        due.append(DueReminder(reminder, account, person, invitation, drafted))
    for timezone, ids in later.items():
        await session.execute(
            update(Reminder)
            .where(Reminder.id.in_(ids))
            .values(due_at=next_delivery_start(now, timezone, hours))
            .execution_options(synchronize_session=False)
        )
    return due


async def with_profile_read(
    session: AsyncSession,
    item: DueReminder,
    *,
    now: datetime | None = None,
    owner_templates: Sequence[OwnerTemplate] = (),
) -> DueReminder:
    """`item` again after its person's profile was read: the person and account as stored now, and
    the note redrafted from them if this scan drafted it (an owner's text or an earlier draft stays).
    """
    reminder = await _load(session, item.reminder.id, item.account.id)
    person = await session.get_one(Person, item.person.id)
    account = await session.get_one(Account, item.account.id)  # with the owner's context just read
    if item.drafted:
        await draft_for(
            session,
            reminder,
            account,
            person,
            now=now or datetime.now(UTC),
            owner_templates=owner_templates,
            invitation=item.invitation,
        )
    return DueReminder(reminder, account, person, item.invitation, item.drafted)


def _owner(account: Account) -> ProfileContext | None:
    """The owner's stored profile context for drafting (however old: re-reading is not drafting's)."""
    return stored_context(account.owner_context)


async def put_off(session: AsyncSession, item: DueReminder) -> None:
    """`item` waits for the next scan (its profile visit is paced): a draft this scan made is
    dropped, so the next scan drafts it again, after the visit, from what that visit read.
    """
    if item.drafted:
        reminder = await _load(session, item.reminder.id, item.account.id)
        reminder.draft_note = reminder.draft_template = None


async def draft_for(
    session: AsyncSession,
    reminder: Reminder,
    account: Account,
    person: Person,
    *,
    now: datetime,
    owner_templates: Sequence[OwnerTemplate] = (),
    invitation: Invitation | None = None,
) -> NoteDraft:
    """Draft the reminder's note and remember which template wrote it (for the stats).

    The candidates compete on the account's acceptance record per template; the draft is in
    the owner's language (the person's profile language once profiles are stored with people).
    """
    draft = draft_note_for(
        person,
        account.plan,
        owner=_owner(account),
        language=account.language,
        withdrawn=invitation or await session.get(Invitation, reminder.invitation_id),
        now=now,
        owner_templates=owner_templates,
        records=await template_records(session, account, now=now),
    )
    reminder.draft_note, reminder.draft_template = draft.text, draft.template
    return draft


async def draft_for_person(
    session: AsyncSession,
    account: Account,
    person: Person | None,
    *,
    now: datetime,
    owner_templates: Sequence[OwnerTemplate] = (),
) -> NoteDraft | None:
    """A draft for anyone among the invitations (/note, `note draft`), drafted as a reminder's is:
    the owner's stored context, the person's last withdrawn invitation (its note, the days since),
    the records; None for nobody."""
    if person is None:
        return None
    withdrawn = await session.scalar(
        select(Invitation)
        .where(Invitation.person_id == person.id, Invitation.withdrawn_at.is_not(None))
        .order_by(Invitation.withdrawn_at.desc())
        .limit(1)
    )
    return draft_note_for(
        person,
        account.plan,
        owner=_owner(account),
        language=account.language,
        withdrawn=withdrawn,
        now=now,
        owner_templates=owner_templates,
        records=await template_records(session, account, now=now),
    )


async def count_due(session: AsyncSession, account: Account, *, now: datetime) -> int:
    """How many of the account's reminders are due and not yet sent (for status lines)."""
    count = await session.scalar(
        select(func.count()).where(
            Reminder.account_id == account.id,
            Reminder.state == ReminderState.DUE,
            Reminder.sent_at.is_(None),
            Reminder.due_at <= now,
        )
    )
    return int(count or 0)


async def _load(session: AsyncSession, reminder_id: int, account_id: int) -> Reminder:
    reminder = await session.get(Reminder, reminder_id)
    if reminder is None or reminder.account_id != account_id:
        raise ReminderNotFound(f"reminder {reminder_id} not found on account {account_id}")
    return reminder


async def mark_sent(
    session: AsyncSession,
    reminder_id: int,
    *,
    account_id: int,
    chat_id: int | None,
    message_id: int | None,
    now: datetime,
) -> Reminder:
    """Stamp a reminder as delivered (after the message went out) and remember the message."""
    reminder = await _load(session, reminder_id, account_id)
    reminder.state = ReminderState.SENT
    reminder.sent_at = now
    reminder.chat_id = chat_id
    reminder.message_id = message_id
    reminder.last_error = None
    record_event(
        session,
        account_id=account_id,
        kind="reminder_sent",
        at=now,
        invitation_id=reminder.invitation_id,
        person_id=reminder.person_id,
    )
    return reminder


async def record_failure(
    session: AsyncSession, reminder_id: int, *, account_id: int, error: str, now: datetime
) -> Reminder:
    """A send failed: count it, keep the reason, and try again later (doubling, up to 6 hours)."""
    reminder = await _load(session, reminder_id, account_id)
    reminder.attempts += 1
    reminder.last_error = error[:500]
    reminder.due_at = now + min(MAX_BACKOFF, timedelta(minutes=2**reminder.attempts))
    return reminder


async def snooze(
    session: AsyncSession,
    reminder_id: int,
    *,
    account_id: int,
    now: datetime,
    days: int = DEFAULT_SNOOZE_DAYS,
) -> Reminder:
    """Ask again in `days` days: the reminder becomes due again and will be sent anew."""
    if days < 1:
        raise ValueError("snooze for at least one day")
    reminder = await _load(session, reminder_id, account_id)
    reminder.state = ReminderState.DUE
    reminder.due_at = now + timedelta(days=days)
    reminder.sent_at = None
    reminder.attempts = 0
    record_event(
        session,
        account_id=account_id,
        kind="reminder_snoozed",
        at=now,
        invitation_id=reminder.invitation_id,
        person_id=reminder.person_id,
        days=days,
    )
    return reminder


async def dismiss(session: AsyncSession, reminder_id: int, *, account_id: int, now: datetime) -> Reminder:
    """ "Not now": close the reminder for good (it is never scanned again)."""
    reminder = await _load(session, reminder_id, account_id)
    reminder.state = ReminderState.DISMISSED
    reminder.sent_at = reminder.sent_at or now
    record_event(
        session,
        account_id=account_id,
        kind="reminder_dismissed",
        at=now,
        invitation_id=reminder.invitation_id,
        person_id=reminder.person_id,
    )
    return reminder


async def mark_done(session: AsyncSession, reminder_id: int, *, account_id: int, now: datetime) -> Reminder:
    """The person was re-invited: the reminder has done its job."""
    reminder = await _load(session, reminder_id, account_id)
    reminder.state = ReminderState.DONE
    reminder.sent_at = reminder.sent_at or now
    return reminder


async def set_draft(session: AsyncSession, reminder_id: int, text: str, *, account_id: int) -> Reminder:
    """Replace the drafted note with the owner's own text; raises `InvalidNote` if it cannot be sent."""
    reminder = await _load(session, reminder_id, account_id)
    account = await session.get_one(Account, account_id)
    reminder.draft_note = validate_note(text, note_limit(account.plan))
    reminder.draft_template = None  # the owner's own words: no template to credit
    reminder.model_verdict = reminder.model_verdict_detail = None  # the owner's words now
    return reminder


async def set_context(
    session: AsyncSession,
    person_id: int,
    text: str,
    *,
    account_id: int,
    now: datetime | None = None,
    owner_templates: Sequence[OwnerTemplate] = (),
) -> Person:
    """Remember what the owner knows about a person ("met at Denver Tech Conference").

    Open reminders for the person are redrafted, so the next message already uses it. An empty
    text clears the context.
    """
    person = await session.get(Person, person_id)
    if person is None or person.account_id != account_id:
        raise LookupError(f"person {person_id} not found on account {account_id}")
    account = await session.get_one(Account, account_id)
    now = now or datetime.now(UTC)
    cleaned = " ".join(text.split())[:CONTEXT_MAX_LENGTH]
    person.context = cleaned or None
    open_reminders = await session.scalars(
        select(Reminder).where(
            Reminder.person_id == person_id,
            Reminder.state.in_((ReminderState.DUE, ReminderState.SENT)),
        )
    )
    for reminder in open_reminders:
        await draft_for(session, reminder, account, person, now=now, owner_templates=owner_templates)
        reminder.model_verdict = reminder.model_verdict_detail = None
    return person
