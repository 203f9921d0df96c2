"""Follow-ups after acceptance: a first message to a new connection, drafted and proposed on a card.

When a sync sees that one of the account's invitations was accepted (`sync_closing.close_missing`),
`open_followup` stores one follow-up for it (unique per invitation), due `Account.followup_days`
after the acceptance and moved into the account's active hours (`into_active_hours`). The card is
not sent at sync: the follow-up job scans `scan_due` like the reminder job scans reminders, drafts
the message then (with the freshest stored context) and delivers it.

Delivery is at-least-once, as for cooldown reminders and for the same reason: the card is sent,
then `mark_shown` stamps it; a crash between the two shows it again at the next scan (a duplicate
card is an annoyance, its buttons stay harmless: the message action's unique key makes a second
[Send] return the first action), while a lost card would silently drop the follow-up. A failed
send backs off (`record_failure`, doubling up to six hours).

The owner answers on the card: [Send] queues a message action (`followup_sending.request_send`:
the draft as it is at the tap, on the action queue like an invitation, verified by reading the
conversation back; the follow-up stays SHOWN until the action is verified, so an Undo, a
failure or a cancelled action leaves the card as it was),
[Edit] replaces the draft (`set_draft`, within `MESSAGE_LIMIT`), [Done] closes it without sending
(`mark_done`), [Later] shows it again after some days (`snooze`). The action's outcome is recorded
by `record_message_sent`.

Drafts come from `templates/followups/<lang>/` (en, nl, de, fr, es), tiered by what is known: the
owner's own words about the person, the invitation's note (the message follows up on it without
repeating it), role and company, the name alone; the language is the person's profile language,
else the owner's. `bot.services.note_model.redraft_followup_with_model` may replace a scan's draft
with the owner's model's, under the note checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Account,
    Action,
    ActionKind,
    Followup,
    FollowupState,
    Invitation,
    Person,
)
from bot.rendering import Renderer
from bot.services.events import record_event
from bot.services.note_templates import NoteValues, values_from_profile
from bot.services.note_text import note_length as note_length
from bot.services.note_text import validate_note
from bot.services.notes import draft_language, first_name, split_headline
from bot.services.policy import local_date
from bot.services.profile_context import person_context
from bot.services.rhythm import Rhythm, account_rhythm, window

MESSAGE_LIMIT = 600
"""The longest first message the bot proposes or accepts (UTF-16 units, as notes are counted).
LinkedIn allows far longer messages; a first message to a new connection reads best short,
and the queue stores a message as a note (600 characters)."""
DEFAULT_SNOOZE_DAYS = 3
DEFAULT_BATCH = 100
MAX_BACKOFF = timedelta(hours=6)
TIERS = ("context", "note", "work", "name")
"""Built-in drafts, best informed first; each is `templates/followups/<lang>/<tier>.txt.j2`."""
OPEN_STATES = (FollowupState.DUE, FollowupState.SHOWN)


class FollowupNotFound(LookupError):
    """No such follow-up on this account (a forged or stale button)."""


class FollowupClosed(Exception):
    """The follow-up was already sent, is being sent, or was marked done: the tap changes nothing."""

    def __init__(self, state: FollowupState) -> None:
        super().__init__(state.value)
        self.state = state


@dataclass(frozen=True)
class MessageDraft:
    text: str
    template: str  # "followups/<lang>/<tier>", or the note model's name
    language: str


@dataclass(frozen=True)
class DueFollowup:
    """A follow-up whose card is due now, with what the card shows."""

    followup: Followup
    account: Account
    person: Person
    invitation: Invitation
    drafted: bool = False  # this scan drafted its message


# --- when -------------------------------------------------------------------------------------


def into_active_hours(rhythm: Rhythm, moment: datetime) -> datetime:
    """`moment` if it falls in the account's active hours, else the next moment they open."""
    day = local_date(moment, rhythm.timezone)
    for offset in range(8):  # every active weekday comes within a week
        bounds = window(rhythm, day + timedelta(days=offset))
        if bounds is not None and moment < bounds[1]:
            return max(moment, bounds[0])
    return moment


def due_after_acceptance(account: Account, accepted_at: datetime) -> datetime:
    """When the card for an acceptance seen at `accepted_at` is due."""
    return into_active_hours(account_rhythm(account), accepted_at + timedelta(days=account.followup_days))


async def open_followup(
    session: AsyncSession, account: Account, invitation: Invitation, *, at: datetime
) -> Followup | None:
    """Store the follow-up of an invitation just seen accepted; None if it already has one."""
    existing = await session.scalar(select(Followup.id).where(Followup.invitation_id == invitation.id))
    if existing is not None:
        return None
    followup = Followup(
        account_id=account.id,
        invitation_id=invitation.id,
        person_id=invitation.person_id,
        state=FollowupState.DUE,
        accepted_at=at,
        due_at=due_after_acceptance(account, at),
    )
    session.add(followup)
    await session.flush()
    record_event(
        session,
        account_id=account.id,
        kind="followup_opened",
        at=at,
        invitation_id=invitation.id,
        person_id=invitation.person_id,
        due_at=followup.due_at.isoformat(),
    )
    return followup


# --- the draft --------------------------------------------------------------------------------


@cache
def _renderer() -> Renderer:
    return Renderer()


def message_values(person: Person, invitation: Invitation | None) -> NoteValues:
    """The template variables for `person`: the notes' variables, the invitation's note included."""
    profile = person_context(person)
    role, company = split_headline(person.headline, person.company)
    return values_from_profile(
        first_name=first_name(person.name),
        profile=profile,
        role=role,
        company=company,
        headline=person.headline,
        context=" ".join((person.context or "").split()).rstrip(" .!") or None,
        original_note=invitation.note_text if invitation is not None else None,
    )


def message_language(person: Person, owner_language: str) -> str:
    """The message's language: as a note's (`notes.draft_language`)."""
    return draft_language(person, owner_language)


def draft_message(person: Person, invitation: Invitation | None, *, language: str) -> MessageDraft:
    """The built-in first message for `person`, from the best-informed tier that applies."""
    values = message_values(person, invitation)
    known = {
        "context": bool(values.context),
        "note": bool(values.original_note),
        "work": bool(values.role or values.company),
        "name": True,
    }
    lang = message_language(person, language)
    for tier in TIERS:
        if not known[tier]:
            continue
        key = f"followups/{lang}/{tier}"
        text = " ".join(_renderer().render(f"{key}.txt.j2", values.as_context()).split())
        if note_length(text) <= MESSAGE_LIMIT:
            return MessageDraft(text=text, template=key, language=lang)
    # Only an absurdly long context or name gets here: the name tier never names either twice.
    text = " ".join(_renderer().render(f"followups/{lang}/name.txt.j2", values.as_context()).split())
    return MessageDraft(text=text[:MESSAGE_LIMIT], template=f"followups/{lang}/name", language=lang)


# --- the scan ---------------------------------------------------------------------------------


async def scan_due(
    session: AsyncSession, *, now: datetime, limit: int = DEFAULT_BATCH, with_chat_only: bool = True
) -> list[DueFollowup]:
    """Follow-ups whose card is due now, oldest first, each with a drafted message stored on it.

    One that came due outside its account's active hours (a retry's backoff) is moved to when
    they open instead. Accounts without a chat are skipped unless `with_chat_only` is False.
    Call inside a transaction.
    """
    rows = (
        await session.execute(
            select(Followup, Account, Person, Invitation)
            .join(Account, Account.id == Followup.account_id)
            .join(Person, Person.id == Followup.person_id)
            .join(Invitation, Invitation.id == Followup.invitation_id)
            .where(
                Followup.state == FollowupState.DUE,
                Followup.due_at <= now,
                Account.chat_id.is_not(None) if with_chat_only else true(),
            )
            .order_by(Followup.due_at, Followup.id)
            .limit(limit)
        )
    ).all()
    due: list[DueFollowup] = []
    for followup, account, person, invitation in rows:
        opens = into_active_hours(account_rhythm(account), now)
        if opens > now:
            followup.due_at = opens
            continue
        drafted = followup.draft_message is None
        if drafted:
            draft = draft_message(person, invitation, language=account.language)
            followup.draft_message, followup.draft_template = draft.text, draft.template
        due.append(DueFollowup(followup, account, person, invitation, drafted))
    return due


async def count_due(session: AsyncSession, account: Account, *, now: datetime) -> int:
    count = await session.scalar(
        select(func.count()).where(
            Followup.account_id == account.id,
            Followup.state == FollowupState.DUE,
            Followup.due_at <= now,
        )
    )
    return int(count or 0)


# --- bookkeeping ------------------------------------------------------------------------------


async def load(session: AsyncSession, followup_id: int, account_id: int) -> Followup:
    followup = await session.get(Followup, followup_id)
    if followup is None or followup.account_id != account_id:
        raise FollowupNotFound(f"follow-up {followup_id} not found on account {account_id}")
    return followup


async def _open(session: AsyncSession, followup_id: int, account_id: int) -> Followup:
    followup = await load(session, followup_id, account_id)
    if followup.state not in OPEN_STATES:
        raise FollowupClosed(followup.state)
    return followup


def _event(session: AsyncSession, followup: Followup, kind: str, at: datetime, **detail: Any) -> None:
    record_event(
        session,
        account_id=followup.account_id,
        kind=kind,
        at=at,
        invitation_id=followup.invitation_id,
        person_id=followup.person_id,
        **detail,
    )


async def mark_shown(
    session: AsyncSession,
    followup_id: int,
    *,
    account_id: int,
    chat_id: int | None,
    message_id: int | None,
    now: datetime,
) -> Followup:
    """Stamp the card as delivered (after it went out) and remember its message."""
    followup = await load(session, followup_id, account_id)
    if followup.state is FollowupState.DUE:
        followup.state = FollowupState.SHOWN
    followup.card_sent_at = now
    followup.chat_id, followup.message_id = chat_id, message_id
    followup.last_error = None
    _event(session, followup, "followup_shown", now)
    return followup


async def record_failure(
    session: AsyncSession, followup_id: int, *, account_id: int, error: str, now: datetime
) -> Followup:
    """The card could not be sent: count it, keep why, try again later (doubling, up to 6 hours)."""
    followup = await load(session, followup_id, account_id)
    followup.attempts += 1
    followup.last_error = error[:500]
    followup.due_at = now + min(MAX_BACKOFF, timedelta(minutes=2**followup.attempts))
    return followup


async def mark_done(session: AsyncSession, followup_id: int, *, account_id: int, now: datetime) -> Followup:
    """[Done]: the owner followed up their own way; nothing is sent."""
    followup = await _open(session, followup_id, account_id)
    followup.state = FollowupState.DONE
    followup.done_at = now
    _event(session, followup, "followup_done", now)
    return followup


async def snooze(
    session: AsyncSession,
    followup_id: int,
    *,
    account_id: int,
    now: datetime,
    days: int = DEFAULT_SNOOZE_DAYS,
) -> Followup:
    """[Later]: the card comes again in `days` days (inside the active hours), the draft kept."""
    if days < 1:
        raise ValueError("snooze for at least one day")
    followup = await _open(session, followup_id, account_id)
    account = await session.get_one(Account, account_id)
    followup.state = FollowupState.DUE
    followup.due_at = into_active_hours(account_rhythm(account), now + timedelta(days=days))
    followup.attempts = 0
    _event(session, followup, "followup_snoozed", now, days=days)
    return followup


async def set_draft(session: AsyncSession, followup_id: int, text: str, *, account_id: int) -> Followup:
    """[Edit]: the owner's own message replaces the draft; raises `InvalidNote` when unsendable."""
    followup = await _open(session, followup_id, account_id)
    followup.draft_message = validate_note(text, MESSAGE_LIMIT)
    followup.draft_template = None
    followup.model_verdict = None
    return followup


async def record_message_sent(session: AsyncSession, action: Action, at: datetime) -> None:
    """A message action was verified in the conversation: its person's follow-up is SENT.

    Whatever the card said meanwhile ([Done] after [Send], or a [Later]), the message went out.
    """
    if action.kind is not ActionKind.MESSAGE or action.person_id is None:
        return
    followup = await session.scalar(
        select(Followup)
        .where(
            Followup.account_id == action.account_id,
            Followup.person_id == action.person_id,
            Followup.state != FollowupState.SENT,
        )
        .order_by(Followup.accepted_at.desc(), Followup.id.desc())
        .limit(1)
    )
    if followup is None:
        return
    followup.state = FollowupState.SENT
    followup.message_sent_at = at
    _event(session, followup, "followup_sent", at, action_id=action.id)


async def open_followups(session: AsyncSession, account: Account) -> Sequence[tuple[Followup, Person]]:
    """The account's follow-ups not yet sent or done, soonest due first (for lists)."""
    rows = await session.execute(
        select(Followup, Person)
        .join(Person, Person.id == Followup.person_id)
        .where(Followup.account_id == account.id, Followup.state.in_(OPEN_STATES))
        .order_by(Followup.due_at, Followup.id)
    )
    return [(followup, person) for followup, person in rows.all()]
