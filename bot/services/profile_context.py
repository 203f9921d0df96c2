"""The profile context a cooldown reminder's note is drafted from: read on LinkedIn, kept in the store.

A reminder's person is read once before the reminder goes out (`wants_read`, then
`read_for_reminder`): one profile visit with the owner's own context as the viewer, so the stored
context also names what the two share. The reminder scan (`bot.jobs`) makes at most one such
visit per account per scan, so reminders that come due together are visited a scan apart.
The visit is made by the scan itself, not queued as an action: it changes nothing on LinkedIn,
so it needs neither the queue's undo window, its never-twice claim nor its daily cap. The owner's own
profile is read on that same client when it was never read, is older than
`OWNER_CONTEXT_MAX_AGE`, or a new sign-in made it stale (`forget_owner_context`): sign-in itself
stays a sign-in, and an owner who never gets a reminder is never read.

The visit is browser work like any other: not while the account is paused or signed out, and
only inside the account's active hours (`bot.services.rhythm`). Outside them, or when the read
fails, the reminder goes out with what is already stored, possibly nothing: context makes a note
better, its absence never holds a reminder back. Errors are the caller's to handle (a pausing one
pauses the account through `session_health.pause_for`); nothing is stored from a failed read.

Both contexts are stored as `ProfileContext.as_dict` JSON and read back with `from_dict`, which
ignores keys a later version added.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from automation.types import ProfileContext
from bot.db.models import Account, Person, SessionStatus
from bot.db.session import SessionFactory
from bot.services.clock import Clock
from bot.services.events import record_event
from bot.services.rhythm import account_rhythm, window

if TYPE_CHECKING:
    # Types only: Playwright loads with the browser, not with the bot.
    from automation.client import LinkedInClient

OWNER_CONTEXT_MAX_AGE = timedelta(days=30)
"""The owner's own profile is read again after this long (a new job, a new school)."""
PROFILE_MAX_AGE = timedelta(days=7)
"""A person read this recently is not read again (a reminder snoozed for a day, redelivered)."""


def stored_context(data: Mapping[str, Any] | None) -> ProfileContext | None:
    """A context stored with `as_dict`, or None if none was stored."""
    return None if data is None else ProfileContext.from_dict(data)


def person_context(person: Person) -> ProfileContext | None:
    """What the person's profile showed when last read; None if never read."""
    return stored_context(person.profile_context)


def owner_context(account: Account, now: datetime) -> ProfileContext | None:
    """The owner's own context if it is fresh enough to measure "shared" against, else None."""
    read_at = account.owner_context_read_at
    if read_at is None or now - read_at > OWNER_CONTEXT_MAX_AGE:
        return None
    return stored_context(account.owner_context)


SHOWN_PER_LIST = 3
"""At most this many companies, schools or languages in one "in common" line of a card."""


@dataclass(frozen=True)
class InCommon:
    """What the card says the owner and the person share, each list at most `SHOWN_PER_LIST` long."""

    company_now: str | None
    companies: tuple[str, ...]  # before, or the person's other companies (not `company_now`)
    schools: tuple[str, ...]
    languages: tuple[str, ...]
    mutual_connections: int | None
    more: bool  # a list was cut

    def __bool__(self) -> bool:
        return bool(
            self.company_now or self.companies or self.schools or self.languages or self.mutual_connections
        )


def in_common(profile: ProfileContext) -> InCommon:
    """The shared facts of `profile` as the card lists them."""
    shared = profile.shared
    company_now = profile.company if shared.same_company_now else None
    companies = tuple(name for name in shared.companies if name != company_now)
    lists = (companies, shared.schools, shared.languages)
    return InCommon(
        company_now=company_now,
        companies=companies[:SHOWN_PER_LIST],
        schools=shared.schools[:SHOWN_PER_LIST],
        languages=shared.languages[:SHOWN_PER_LIST],
        mutual_connections=shared.mutual_connections or None,
        more=any(len(items) > SHOWN_PER_LIST for items in lists),
    )


def forget_owner_context(account: Account) -> None:
    """Make the owner's context stale (a new sign-in may be someone else): read it again next time."""
    account.owner_context_read_at = None


def wants_read(account: Account, person: Person, now: datetime) -> bool:
    """True if a reminder for `person` should visit their profile first, and browser work may run now."""
    if person.profile_read_at is not None and now - person.profile_read_at < PROFILE_MAX_AGE:
        return False
    if account.paused or account.session_status is not SessionStatus.VALID:
        return False
    rhythm = account_rhythm(account)
    bounds = window(rhythm, now.astimezone(ZoneInfo(rhythm.timezone)).date())
    return bounds is not None and bounds[0] <= now < bounds[1]


async def read_for_reminder(
    db: SessionFactory, client: LinkedInClient, account_id: int, person_id: int, *, now: Clock
) -> ProfileContext:
    """Read the person's profile (and the owner's, if stale) through `client` and store both.

    Raises what the client raises (`AutomationError`); nothing of a failed read is stored, but an
    owner's context read before the person's failed is kept.
    """
    async with db() as session:
        account = await session.get_one(Account, account_id)
        person = await session.get_one(Person, person_id)
        if person.account_id != account_id:
            raise LookupError(f"person {person_id} not found on account {account_id}")
        viewer = owner_context(account, now())
        slug = person.slug
    if viewer is None:
        viewer = await client.read_profile()
        async with db.begin() as session:
            account = await session.get_one(Account, account_id)
            account.owner_context = viewer.as_dict()
            account.owner_context_read_at = now()
    context = await client.read_profile(slug, viewer=viewer)
    async with db.begin() as session:
        person = await session.get_one(Person, person_id)
        person.profile_context = context.as_dict()
        person.profile_read_at = now()
        record_event(session, account_id=account_id, kind="profile_read", at=now(), person_id=person_id)
    return context
