"""Sync: insert, narrow, idempotent, close what disappeared.

LinkedIn is the counterpart here, not the subject: the in-memory one (tests/fakes/linkedin.py) over
the sandbox's world; reading the Sent page itself is tested in tests/automation.
"""

from datetime import timedelta
from typing import cast

import pytest
from sqlalchemy import func, select

from automation.client import LinkedInClient, ProgressCallback
from automation.types import SentList
from bot.db.models import Account, Event, Invitation, InvitationState, Person, Reminder, ReminderState
from bot.db.session import SessionFactory
from bot.services.actions import request_withdrawal
from bot.services.sync import company_from_headline, sync_account
from sandbox import SandboxServer
from tests.fakes.linkedin import FakeLinkedIn, FakeLinkedInSite


@pytest.fixture
def linkedin(fake_linkedin: LinkedInClient) -> LinkedInClient:
    return fake_linkedin


async def _invitations(db: SessionFactory) -> dict[str, Invitation]:
    async with db() as session:
        rows = await session.execute(select(Person.slug, Invitation).join(Invitation.person))
        return {slug: invitation for slug, invitation in rows.all()}


async def _event_count(db: SessionFactory) -> int:
    async with db() as session:
        return int((await session.execute(select(func.count()).select_from(Event))).scalar_one())


def _assert_ranges_hold_the_truth(sandbox: SandboxServer, invitations: dict[str, Invitation]) -> None:
    for slug, invitation in invitations.items():
        truth = sandbox.state.invitation(slug)
        assert truth is not None
        assert invitation.sent_at_earliest <= truth.sent_at <= invitation.sent_at_latest, slug


async def test_first_sync_stores_every_pending_invitation(
    db: SessionFactory, account: Account, linkedin: LinkedInClient, sandbox: SandboxServer
) -> None:
    report = await sync_account(db, linkedin, account.id, sandbox.state.now)

    assert report.complete
    assert (report.rows, report.pill_count, report.new, report.closed) == (35, 35, 35, 0)
    assert report.pending == 35 and report.ceiling.ceiling == 500 and not report.ceiling.warning
    invitations = await _invitations(db)
    assert set(invitations) == set(sandbox.state.pending_slugs())
    _assert_ranges_hold_the_truth(sandbox, invitations)
    async with db() as session:
        people = {p.slug: p for p in (await session.execute(select(Person))).scalars()}
        stored = await session.get_one(Account, account.id)
    for slug, person in people.items():
        truth = sandbox.state.person(slug)
        assert truth is not None
        assert (person.name, person.headline, person.company) == (truth.name, truth.headline, truth.company)
        assert f"/in/{slug}" in person.profile_url
    assert stored.pill_count == 35 and stored.last_synced_at is not None


async def test_second_sync_changes_nothing_and_later_syncs_narrow(
    db: SessionFactory, account: Account, linkedin: LinkedInClient, sandbox: SandboxServer
) -> None:
    await sync_account(db, linkedin, account.id, sandbox.state.now)
    before = await _invitations(db)
    events = await _event_count(db)

    again = await sync_account(db, linkedin, account.id, sandbox.state.now)
    assert (again.new, again.closed, again.reopened) == (0, 0, 0)
    assert await _event_count(db) == events
    after = await _invitations(db)
    assert {s: (i.id, i.state) for s, i in after.items()} == {s: (i.id, i.state) for s, i in before.items()}

    # Days later every row's age text has moved on; intersecting both views narrows ranges.
    sandbox.advance_clock(timedelta(days=4, hours=7))
    later = await sync_account(db, linkedin, account.id, sandbox.state.now)
    assert later.new == 0 and later.narrowed > 0
    narrowed = await _invitations(db)
    _assert_ranges_hold_the_truth(sandbox, narrowed)
    for slug, invitation in narrowed.items():
        width = invitation.sent_at_latest - invitation.sent_at_earliest
        assert width <= before[slug].sent_at_latest - before[slug].sent_at_earliest


async def test_disappeared_rows_are_accepted_or_vanished(
    db: SessionFactory, account: Account, linkedin: LinkedInClient, sandbox: SandboxServer
) -> None:
    await sync_account(db, linkedin, account.id, sandbox.state.now)
    accepted, withdrawn_elsewhere = sandbox.state.pending_slugs()[3:5]
    assert sandbox.state.accept(accepted)
    sandbox.state.withdraw(withdrawn_elsewhere)

    report = await sync_account(db, linkedin, account.id, sandbox.state.now)

    assert (report.accepted, report.vanished, report.pending) == (1, 1, 33)
    invitations = await _invitations(db)
    assert invitations[accepted].state is InvitationState.ACCEPTED
    assert invitations[withdrawn_elsewhere].state is InvitationState.VANISHED
    assert invitations[accepted].closed_at is not None
    async with db() as session:
        kinds = (await session.execute(select(Event.kind).where(Event.kind.like("invitation_%")))).scalars()
        counted = list(kinds)
    assert counted.count("invitation_accepted") == 1 and counted.count("invitation_vanished") == 1
    assert (await sync_account(db, linkedin, account.id, sandbox.state.now)).closed == 0


async def test_profile_checks_per_sync_are_budgeted(
    db: SessionFactory, account: Account, linkedin: LinkedInClient, sandbox: SandboxServer
) -> None:
    sandbox.reset(pending=6)
    await sync_account(db, linkedin, account.id, sandbox.state.now)
    for slug in sandbox.state.pending_slugs()[:3]:
        sandbox.state.withdraw(slug)

    first = await sync_account(db, linkedin, account.id, sandbox.state.now, max_profile_checks=2)
    second = await sync_account(db, linkedin, account.id, sandbox.state.now, max_profile_checks=2)

    assert (first.closed, first.unresolved) == (2, 1)
    assert (second.closed, second.unresolved) == (1, 0)


class _LosesTheLastRow(FakeLinkedIn):
    """A scrape that stopped loading early, as a broken lazy load would."""

    async def list_sent(self, *, on_progress: ProgressCallback | None = None) -> SentList:
        full = await super().list_sent(on_progress=on_progress)
        return SentList(full.invitations[:-1], full.pill_count)


async def test_incomplete_scrape_closes_nothing(
    db: SessionFactory, account: Account, fake_site: FakeLinkedInSite, sandbox: SandboxServer
) -> None:
    async with fake_site.open(sandbox.storage_state()) as client:
        await sync_account(db, cast(LinkedInClient, client), account.id, sandbox.state.now)
    async with _LosesTheLastRow(fake_site, sandbox.storage_state()) as partial:
        report = await sync_account(db, cast(LinkedInClient, partial), account.id, sandbox.state.now)
    assert not report.complete
    assert (report.rows, report.pill_count, report.closed) == (34, 35, 0)
    assert all(i.state is InvitationState.PENDING for i in (await _invitations(db)).values())
    async with db() as session:
        kinds = (await session.execute(select(Event.kind))).scalars().all()
    assert "sync_incomplete" in kinds


@pytest.mark.parametrize(
    ("headline", "company"),
    [
        ("Data Engineer at Acme Corp", "Acme Corp"),
        ("Head of Growth at Scale at Northwind", "Northwind"),
        ("CTO @ Foo Labs | Speaker", "Foo Labs"),
        ("Recruiter at Initech, ex-Globex", "Initech"),
        ("Independent consultant", None),
    ],
)
def test_company_is_read_from_the_headline(headline: str, company: str | None) -> None:
    assert company_from_headline(headline) == company


async def test_withdrawal_that_did_not_hold_is_reopened_and_its_reminder_dismissed(
    db: SessionFactory, account: Account, linkedin: LinkedInClient, sandbox: SandboxServer
) -> None:
    await sync_account(db, linkedin, account.id, sandbox.state.now)
    slug, invitation = next(iter((await _invitations(db)).items()))
    async with db.begin() as session:
        # What the store holds after a withdrawal LinkedIn later undid.
        stored = await session.get_one(Invitation, invitation.id)
        stored.state = InvitationState.WITHDRAWN
        stored.withdrawn_at = stored.closed_at = sandbox.state.now()
        stored.cooldown_ends_at = sandbox.state.now() + timedelta(days=21)
        session.add(
            Reminder(
                account_id=account.id,
                invitation_id=stored.id,
                person_id=stored.person_id,
                due_at=stored.cooldown_ends_at,
            )
        )
    sandbox.advance_clock(timedelta(hours=2))

    report = await sync_account(db, linkedin, account.id, sandbox.state.now)

    assert (report.reopened, report.new) == (1, 0)
    reopened = (await _invitations(db))[slug]
    assert (reopened.id, reopened.state, reopened.withdrawn_at) == (
        invitation.id,
        InvitationState.PENDING,
        None,
    )
    async with db() as session:
        reminder = (await session.execute(select(Reminder))).scalar_one()
    assert reminder.state is ReminderState.DISMISSED


async def test_invitations_owned_by_a_withdraw_action_are_left_to_the_queue(
    db: SessionFactory, account: Account, linkedin: LinkedInClient, sandbox: SandboxServer
) -> None:
    await sync_account(db, linkedin, account.id, sandbox.state.now)
    slug, invitation = next(iter((await _invitations(db)).items()))
    await request_withdrawal(db, account.id, invitation.id, now=sandbox.state.now())
    sandbox.state.withdraw(slug)  # gone from the page while our action waits

    report = await sync_account(db, linkedin, account.id, sandbox.state.now)

    assert (report.left_to_queue, report.closed) == (1, 0)
    assert (await _invitations(db))[slug].state is InvitationState.PENDING
