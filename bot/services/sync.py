"""Sync: reconcile one scrape of the Sent page with the store.

    report = await sync_account(db, client, account_id, clock)

What a sync does, in order:
1. Scrape every pending row (`client.list_sent()`), noting the time before and after.
2. In one short transaction: upsert people, insert invitations seen for the first time, narrow
   every pending invitation's `sent_at_earliest/latest` by this observation, and reopen an
   invitation we had closed when the page proves it is still the same pending one (a withdrawal
   that did not hold). Invitations we sent ourselves keep their exact time.
3. Only when the scrape is complete (row count equals the `People (N)` pill) are invitations
   missing from it closed: each is looked up on its profile (browser, outside any transaction),
   then marked ACCEPTED if we are now connected, else VANISHED. An incomplete scrape closes
   nothing and says so in the report.

Invitations with an active withdraw action are left to the action queue (its crash recovery and
InvitationNotFound handling decide what happened to them), and anything that changed after the
scrape began (a withdrawal or invitation the worker finished meanwhile) is not second-guessed.
Syncing the same page twice changes nothing the second time.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from automation.types import SentInvitation
from bot.db.models import (
    Account,
    Invitation,
    InvitationState,
    Person,
    Reminder,
    ReminderState,
)
from bot.db.session import SessionFactory
from bot.services.clock import Clock
from bot.services.events import record_event
from bot.services.policy import CeilingStatus, SentAtRange, ceiling_status, narrow
from bot.services.sync_closing import close_missing, missing_invitations, verdict

if TYPE_CHECKING:
    # Types only: Playwright loads with the browser, not with the bot (docs/benchmarks.md).
    from automation.client import LinkedInClient, ProgressCallback

logger = logging.getLogger(__name__)

DEFAULT_MAX_PROFILE_CHECKS = 60
"""Profile visits one sync may make: a page glitch must not turn into hundreds of visits."""

_AT = re.compile(r"\s(?:at|@)\s+", re.IGNORECASE)
_COMPANY_END = re.compile(r"\s+[|·•–—-]\s+|,\s*|\s+/\s+")


def company_from_headline(headline: str) -> str | None:
    """Read the employer from a headline such as "Data Engineer at Acme Corp | Speaker", if any."""
    # The last " at " wins: "Head of Growth at Scale at Acme" works at Acme.
    matches = list(_AT.finditer(headline))
    if not matches:
        return None
    company = _COMPANY_END.split(headline[matches[-1].end() :], maxsplit=1)[0].strip()
    return company[:200] or None


@dataclass(frozen=True)
class SyncReport:
    """What one sync saw and changed."""

    account_id: int
    rows: int  # rows the scrape loaded
    pill_count: int | None  # what the page's "People (N)" claimed
    ceiling: CeilingStatus  # pending (the pill when shown, else the rows) against the ceiling
    new: int
    accepted: int
    vanished: int
    reopened: int  # closed invitations the page shows still pending
    narrowed: int  # pending invitations whose send-time range got narrower
    complete: bool  # rows == pill; when False nothing was closed
    left_to_queue: int  # missing invitations skipped because a withdraw action owns them
    unresolved: int = 0  # missing invitations left for the next sync (profile-check budget)

    @property
    def pending(self) -> int:
        return self.ceiling.pending

    @property
    def closed(self) -> int:
        return self.accepted + self.vanished


async def sync_account(
    db: SessionFactory,
    client: LinkedInClient,
    account_id: int,
    now: Clock,
    *,
    on_progress: ProgressCallback | None = None,
    max_profile_checks: int = DEFAULT_MAX_PROFILE_CHECKS,
) -> SyncReport:
    """Scrape the account's Sent page with `client` and bring the store in line with it.

    Browser work happens outside transactions, so the worker can record outcomes meanwhile.
    At most `max_profile_checks` disappeared invitations are looked up (and closed) per sync, the
    longest-known first; the rest stay pending until the next sync (`SyncReport.unresolved`).

    Raises:
        AutomationError: from the scrape (nothing is changed) or from a pausing profile lookup
            (seen rows are already stored; closing is left to the next sync).
    """
    started = now()
    scrape = await client.list_sent(on_progress=on_progress)
    finished = now()
    rows = _unique_rows(scrape.invitations)
    complete = scrape.pill_count is not None and scrape.pill_count == len(rows)

    async with db.begin() as session:
        account = await session.get_one(Account, account_id)
        new, narrowed, reopened = await _apply_rows(session, account, rows, started, finished)
        missing, left_to_queue = await missing_invitations(session, account_id, rows, started)
        account.pill_count = scrape.pill_count
        account.last_synced_at = finished
        ceiling_value = account.pending_ceiling
        if not complete:
            logger.warning(
                "sync of account %s incomplete: %d rows, pill %s; nothing closed",
                account_id,
                len(rows),
                scrape.pill_count,
            )
            record_event(
                session,
                account_id=account_id,
                kind="sync_incomplete",
                at=finished,
                rows=len(rows),
                pill=scrape.pill_count,
            )

    accepted = vanished = 0
    unresolved = max(0, len(missing) - max_profile_checks) if complete else 0
    if complete and missing:
        verdicts = [(item, await verdict(client, item.slug)) for item in missing[:max_profile_checks]]
        accepted, vanished = await close_missing(db, account_id, verdicts, started, now())

    report = SyncReport(
        account_id=account_id,
        rows=len(rows),
        pill_count=scrape.pill_count,
        ceiling=ceiling_status(
            scrape.pill_count if scrape.pill_count is not None else len(rows), ceiling_value
        ),
        new=new,
        accepted=accepted,
        vanished=vanished,
        reopened=reopened,
        narrowed=narrowed,
        complete=complete,
        left_to_queue=left_to_queue if complete else 0,
        unresolved=unresolved,
    )
    if report.new or report.closed or report.reopened:
        async with db.begin() as session:
            record_event(
                session,
                account_id=account_id,
                kind="sync_changed",
                at=now(),
                new=report.new,
                accepted=report.accepted,
                vanished=report.vanished,
                reopened=report.reopened,
                pending=report.pending,
            )
    return report


def _unique_rows(rows: tuple[SentInvitation, ...]) -> dict[str, SentInvitation]:
    # One pending invitation per member: a duplicated row (a re-render) counts once.
    unique: dict[str, SentInvitation] = {}
    for row in rows:
        unique.setdefault(row.slug, row)
    return unique


async def _apply_rows(
    session: AsyncSession,
    account: Account,
    rows: dict[str, SentInvitation],
    started: datetime,
    finished: datetime,
) -> tuple[int, int, int]:
    """Upsert people and invitations for the scraped rows; returns (new, narrowed, reopened).

    Flushes once for the new people and once for the new invitations: per-row flushes made a
    500-row sync quadratic in the session's size.
    """
    people: dict[str, Person] = {}
    for chunk in _chunks(list(rows)):
        known = select(Person).where(Person.account_id == account.id, Person.slug.in_(chunk))
        people.update((person.slug, person) for person in (await session.execute(known)).scalars())
    for slug, row in rows.items():
        person = people.get(slug)
        if person is None:
            person = people[slug] = Person(
                account_id=account.id, slug=slug, name=row.name, profile_url=row.profile_url
            )
            session.add(person)
        _update_person(person, row)
    await session.flush()

    latest_by_person: dict[int, Invitation] = {}
    for chunk in _chunks([p.id for p in people.values()]):
        theirs = select(Invitation).where(Invitation.person_id.in_(chunk)).order_by(Invitation.id)
        for earlier in (await session.execute(theirs)).scalars():
            latest_by_person[earlier.person_id] = earlier  # ordered by id: the last one wins

    narrowed = reopened = 0
    created: list[tuple[Invitation, SentInvitation]] = []
    for slug, row in rows.items():
        # The row's age was rendered between the two instants; this range holds the send time.
        observed = SentAtRange(earliest=started - row.age.max_age, latest=finished - row.age.min_age)
        person = people[slug]
        latest = latest_by_person.get(person.id)
        if latest is not None and latest.state is InvitationState.PENDING:
            if _narrow_invitation(latest, observed):
                narrowed += 1
            latest.last_seen_at = finished
            if row.note and not latest.had_note:
                latest.had_note, latest.note_text = True, row.note[:600]
        elif latest is not None and _still_the_same(latest, observed, started):
            await _reopen(session, latest, observed, finished)
            reopened += 1
        else:
            fresh = Invitation(
                account_id=account.id,
                person_id=person.id,
                state=InvitationState.PENDING,
                sent_at_earliest=observed.earliest,
                sent_at_latest=observed.latest,
                first_seen_at=finished,
                last_seen_at=finished,
                had_note=row.note is not None,
                note_text=row.note[:600] if row.note else None,
            )
            session.add(fresh)
            created.append((fresh, row))
    await session.flush()
    for invitation, row in created:
        record_event(
            session,
            account_id=account.id,
            kind="invitation_new",
            at=finished,
            invitation_id=invitation.id,
            person_id=invitation.person_id,
            age=row.age_text,
        )
    return len(created), narrowed, reopened


_CHUNK = 500  # well under every backend's limit on bound parameters


def _chunks(values: list[Any]) -> list[list[Any]]:
    return [values[i : i + _CHUNK] for i in range(0, len(values), _CHUNK)]


def _update_person(person: Person, row: SentInvitation) -> None:
    person.name = row.name[:200]
    person.profile_url = row.profile_url[:500]
    if row.headline != person.headline:
        person.headline = row.headline[:500]
        person.company = company_from_headline(row.headline)


def _narrow_invitation(invitation: Invitation, observed: SentAtRange) -> bool:
    if invitation.sent_by_us:
        return False  # exact already: we recorded the moment we sent it
    current = SentAtRange(invitation.sent_at_earliest, invitation.sent_at_latest)
    narrowed = narrow(current, observed)
    if narrowed == current:
        return False
    invitation.sent_at_earliest, invitation.sent_at_latest = narrowed.earliest, narrowed.latest
    return True


def _still_the_same(invitation: Invitation, observed: SentAtRange, started: datetime) -> bool:
    """Whether a closed invitation that shows up pending again is that same invitation.

    Only withdrawn or vanished ones can come back (an accepted invitation cannot), only if they
    were closed before this scrape began (so a withdrawal the worker records meanwhile is not
    undone), and only if the row's age fits the send time we knew: a new invitation sent after
    the cooldown is younger than any moment in the old range.
    """
    if invitation.state not in (InvitationState.WITHDRAWN, InvitationState.VANISHED):
        return False
    if invitation.closed_at is None or invitation.closed_at >= started:
        return False
    return max(invitation.sent_at_earliest, observed.earliest) <= min(
        invitation.sent_at_latest, observed.latest
    )


async def _reopen(session: AsyncSession, invitation: Invitation, observed: SentAtRange, at: datetime) -> None:
    previous = invitation.state
    await _dismiss_reminder(session, invitation.id)
    invitation.state = InvitationState.PENDING
    invitation.closed_at = invitation.withdrawn_at = invitation.cooldown_ends_at = None
    _narrow_invitation(invitation, observed)
    invitation.last_seen_at = at
    record_event(
        session,
        account_id=invitation.account_id,
        kind="invitation_reopened",
        at=at,
        invitation_id=invitation.id,
        person_id=invitation.person_id,
        previous_state=previous.value,
    )


async def _dismiss_reminder(session: AsyncSession, invitation_id: int) -> None:
    # The cooldown it announces does not exist: the withdrawal turned out not to hold.
    reminder = (
        await session.execute(select(Reminder).where(Reminder.invitation_id == invitation_id))
    ).scalar_one_or_none()
    if reminder is not None and reminder.state is ReminderState.DUE:
        reminder.state = ReminderState.DISMISSED
