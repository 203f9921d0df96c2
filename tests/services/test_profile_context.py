"""Profile context for reminders: read once before a reminder, stored with the person and the owner."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from automation.errors import AutomationError, LayoutChanged, SecurityCheckpoint
from automation.types import ProfileContext, SharedFacts
from bot.db.models import Account, Event, Person, Reminder, SessionStatus
from bot.db.session import SessionFactory
from bot.services.clock import FrozenClock
from bot.services.profile_context import (
    OWNER_CONTEXT_MAX_AGE,
    PROFILE_MAX_AGE,
    in_common,
    owner_context,
    person_context,
    read_for_reminder,
    wants_read,
)
from bot.services.reminders import scan_due, set_draft, with_profile_read
from bot.services.secrets import SessionVault
from bot.services.session_health import adopt_session
from sandbox import SandboxServer
from tests.automation.test_profile_context import expected_context
from tests.fakes.linkedin import FakeLinkedInSite
from tests.services.test_reminders import add_reminder

if TYPE_CHECKING:
    from automation.client import LinkedInClient


async def add_person(db: SessionFactory, account: Account, slug: str) -> Person:
    async with db.begin() as session:
        person = Person(
            account_id=account.id, slug=slug, name=slug, headline="", profile_url=f"https://x/in/{slug}/"
        )
        session.add(person)
    return person


WANTED = ("companies", "schools", "languages", "same_company_now")


def shared_members(sandbox: SandboxServer) -> list[str]:
    """Members who share a company, a school and a language with the owner (between them)."""
    owner = expected_context(sandbox, sandbox.state.owner().slug)
    shared = {
        p.slug: expected_context(sandbox, p.slug).shared_with(owner).shared for p in sandbox.state.people()
    }
    picked = [next(slug for slug, facts in shared.items() if getattr(facts, want)) for want in WANTED]
    return list(dict.fromkeys(picked))


async def test_the_person_is_read_with_the_owner_as_viewer_and_both_are_stored(
    db: SessionFactory,
    account: Account,
    fake_linkedin: LinkedInClient,
    fake_site: FakeLinkedInSite,
    sandbox: SandboxServer,
    clock: FrozenClock,
) -> None:
    owner_expected = expected_context(sandbox, sandbox.state.owner().slug)
    slugs = shared_members(sandbox)
    people = [await add_person(db, account, slug) for slug in slugs]

    for person in people:
        context = await read_for_reminder(db, fake_linkedin, account.id, person.id, now=clock)
        assert context == expected_context(sandbox, person.slug).shared_with(owner_expected)
        clock.advance(timedelta(minutes=3))

    # The owner's profile was read once, before the first person; each person once.
    operations = [op for op in fake_site.opened[0].operations if op.startswith("read_profile")]
    assert operations == ["read_profile me"] + [f"read_profile {slug}" for slug in slugs]
    async with db() as session:
        stored_account = await session.get_one(Account, account.id)
        assert owner_context(stored_account, clock()) == owner_expected
        for person in people:
            stored = await session.get_one(Person, person.id)
            assert person_context(stored) == expected_context(sandbox, person.slug).shared_with(
                owner_expected
            )
            assert stored.profile_read_at is not None
        shared = [person_context(await session.get_one(Person, p.id)) for p in people]
        assert any(c and c.shared.companies for c in shared)
        assert any(c and c.shared.schools for c in shared)
        assert any(c and c.shared.languages for c in shared)
        events = (await session.scalars(select(Event.kind).where(Event.kind == "profile_read"))).all()
        assert len(events) == len(people)


async def test_a_stale_owner_context_or_a_new_sign_in_reads_the_owner_again(
    db: SessionFactory,
    vault: SessionVault,
    account: Account,
    fake_linkedin: LinkedInClient,
    fake_site: FakeLinkedInSite,
    sandbox: SandboxServer,
    clock: FrozenClock,
) -> None:
    person = await add_person(db, account, sandbox.state.people()[0].slug)
    await read_for_reminder(db, fake_linkedin, account.id, person.id, now=clock)
    clock.advance(OWNER_CONTEXT_MAX_AGE - timedelta(minutes=1))
    await read_for_reminder(db, fake_linkedin, account.id, person.id, now=clock)
    clock.advance(timedelta(minutes=2))  # now older than the limit
    await read_for_reminder(db, fake_linkedin, account.id, person.id, now=clock)
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        assert owner_context(stored, clock()) is not None
        await adopt_session(session, stored, vault, sandbox.storage_state(), clock())  # a new sign-in
        assert owner_context(stored, clock()) is None
    await read_for_reminder(db, fake_linkedin, account.id, person.id, now=clock)

    reads = [op for op in fake_site.opened[0].operations if op.startswith("read_profile")]
    assert reads.count("read_profile me") == 3
    assert reads.count(f"read_profile {person.slug}") == 4


@pytest.mark.parametrize(
    "error", [LayoutChanged("the profile has 0 top cards"), SecurityCheckpoint("checkpoint")]
)
async def test_a_failed_read_stores_nothing_and_raises(
    db: SessionFactory,
    account: Account,
    fake_linkedin: LinkedInClient,
    fake_site: FakeLinkedInSite,
    sandbox: SandboxServer,
    clock: FrozenClock,
    error: AutomationError,
) -> None:
    person = await add_person(db, account, sandbox.state.people()[0].slug)
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        stored.owner_context = ProfileContext(company="Old").as_dict()
        stored.owner_context_read_at = clock()
    fake_site.fail_next("read_profile", error)
    with pytest.raises(type(error)):
        await read_for_reminder(db, fake_linkedin, account.id, person.id, now=clock)
    async with db() as session:
        assert (await session.get_one(Person, person.id)).profile_context is None
        assert (await session.get_one(Person, person.id)).profile_read_at is None


async def test_another_accounts_person_is_not_read(
    db: SessionFactory,
    account: Account,
    fake_linkedin: LinkedInClient,
    fake_site: FakeLinkedInSite,
    clock: FrozenClock,
) -> None:
    async with db.begin() as session:
        other = Account(name="other")
        session.add(other)
    person = await add_person(db, other, "someone")
    with pytest.raises(LookupError):
        await read_for_reminder(db, fake_linkedin, account.id, person.id, now=clock)
    assert fake_site.opened[0].operations == []


def test_stored_contexts_tolerate_keys_a_later_version_added() -> None:
    person = Person(profile_context={"role": "CTO", "shared": {"mutual_connections": 4, "new": 1}, "new": []})
    assert person_context(person) == ProfileContext(role="CTO", shared=SharedFacts(mutual_connections=4))
    assert person_context(Person()) is None


async def test_a_read_is_wanted_once_a_week_only_while_browser_work_may_run(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    now = clock()  # Tuesday 09:30 UTC
    owner = Account(
        name="x",
        session_status=SessionStatus.VALID,
        paused=False,
        timezone="UTC",
        active_weekdays=0b0011111,
        active_from_hour=9,
        active_until_hour=18,
        daily_withdraw_cap=30,
        cap_override=False,
        spread_work=True,
    )
    person = Person(profile_read_at=None)
    assert wants_read(owner, person, now)
    person.profile_read_at = now - PROFILE_MAX_AGE + timedelta(minutes=1)
    assert not wants_read(owner, person, now)
    person.profile_read_at = now - PROFILE_MAX_AGE
    assert wants_read(owner, person, now)
    assert not wants_read(owner, person, now.replace(hour=8))  # before the active hours
    assert not wants_read(owner, person, now + timedelta(days=4))  # Saturday
    owner.paused = True
    assert not wants_read(owner, person, now)
    owner.paused, owner.session_status = False, SessionStatus.EXPIRED
    assert not wants_read(owner, person, now)


def test_the_card_names_the_company_shared_now_once_and_cuts_long_lists() -> None:
    profile = ProfileContext(
        company="Acme",
        shared=SharedFacts(
            companies=("Acme", "Initech", "Globex", "Hooli", "Umbrella"),
            same_company_now=True,
            languages=("Dutch",),
            mutual_connections=0,
        ),
    )
    common = in_common(profile)
    assert common.company_now == "Acme"
    assert common.companies == ("Initech", "Globex", "Hooli") and common.more
    assert common.languages == ("Dutch",) and common.mutual_connections is None
    assert not in_common(ProfileContext())
    before = in_common(ProfileContext(company="Acme", shared=SharedFacts(companies=("Old Co",))))
    assert (before.company_now, before.companies, before.more) == (None, ("Old Co",), False)


async def test_after_the_read_a_scan_drafted_note_is_redrafted_and_an_owners_note_kept(
    db: SessionFactory,
    account: Account,
    fake_linkedin: LinkedInClient,
    sandbox: SandboxServer,
    clock: FrozenClock,
) -> None:
    first, second = (p.slug for p in sandbox.state.people()[:2])
    await add_reminder(db, account, first, due_at=clock() - timedelta(minutes=2))
    edited = await add_reminder(db, account, second, due_at=clock() - timedelta(minutes=1))
    async with db.begin() as session:
        await set_draft(session, edited.id, "Hi Jane, my own words.", account_id=account.id)
        due = await scan_due(session, now=clock())
    assert [item.drafted for item in due] == [True, False]
    async with db.begin() as session:
        for item in due:
            stored = await session.get_one(Reminder, item.reminder.id)
            stored.draft_note = "stale" if item.drafted else stored.draft_note
    for item in due:
        await read_for_reminder(db, fake_linkedin, account.id, item.person.id, now=clock)
    async with db.begin() as session:
        after = [await with_profile_read(session, item) for item in due]

    redrafted = after[0].reminder.draft_note or ""
    assert redrafted != "stale" and "Jane" in redrafted
    assert after[1].reminder.draft_note == "Hi Jane, my own words."
    assert all(item.person.profile_context is not None for item in after)
    assert after[0].account.owner_context is not None  # the owner read with the first person
