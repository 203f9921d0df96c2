"""The reminder card shows why its draft says what it says: the person's profile, read just before.

The bot runs over real HTTP against the local Bot API server; LinkedIn is the in-memory fake.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from automation.errors import LayoutChanged
from automation.types import ProfileContext, SharedFacts
from bot.db.models import Account, Invitation, InvitationState, Person, Reminder, ReminderState
from bot.db.session import SessionFactory
from bot.services.actions.leases import LeaseHolder, acquire
from bot.services.session_health import PauseCause
from bot.settings import Settings
from sandbox import SandboxServer
from tests.automation.test_profile_context import expected_context
from tests.bot.conftest import ClientFactory
from tests.botapi import BotApiServer, ChatMessage
from tests.fakes.linkedin import FakeLinkedInSite
from tests.fixtures.botapi import OWNER, run_job, running_bot, wait_until
from tests.fixtures.store import FIXED_NOW

CHECKPOINT = "LinkedIn stopped me at a security checkpoint"


async def due_reminder(
    db: SessionFactory, account: Account, slug: str, name: str, *, note: str | None = None
) -> Person:
    """A withdrawn invitation to `slug` (with `note`) whose reminder is due at the tests' "now"."""
    withdrawn = FIXED_NOW - timedelta(days=21, minutes=1)
    async with db.begin() as session:
        person = Person(
            account_id=account.id, slug=slug, name=name, headline="", profile_url=f"https://x/in/{slug}/"
        )
        session.add(person)
        await session.flush()
        invitation = Invitation(
            account_id=account.id,
            person_id=person.id,
            state=InvitationState.WITHDRAWN,
            sent_at_earliest=withdrawn - timedelta(days=100),
            sent_at_latest=withdrawn - timedelta(days=90),
            first_seen_at=withdrawn - timedelta(days=90),
            last_seen_at=withdrawn,
            withdrawn_at=withdrawn,
            closed_at=withdrawn,
            cooldown_ends_at=FIXED_NOW - timedelta(minutes=1),
            had_note=note is not None,
            note_text=note,
        )
        session.add(invitation)
        await session.flush()
        session.add(
            Reminder(
                account_id=account.id,
                invitation_id=invitation.id,
                person_id=person.id,
                due_at=FIXED_NOW - timedelta(minutes=1),
            )
        )
    return person


def without_isolates(text: str) -> str:
    """`text` without the marks that keep member text's direction to itself (U+2068, U+2069)."""
    return text.replace("\u2068", "").replace("\u2069", "")


def _card(botapi: BotApiServer) -> ChatMessage | None:
    """The reminder: the message with its five buttons (in whatever language)."""
    return next((m for m in botapi.bot_messages(OWNER) if len(m.button_texts) == 5), None)


def _shared_member(sandbox: SandboxServer) -> tuple[str, ProfileContext]:
    """A member with a role, a location, an About line and something in common with the owner."""
    owner = expected_context(sandbox, sandbox.state.owner().slug)
    for person in sandbox.state.people():
        context = expected_context(sandbox, person.slug).shared_with(owner)
        shared = context.shared
        if context.role and context.company and context.location and context.about and shared.companies:
            return person.slug, context
    raise AssertionError("the sandbox world has no such member")


async def test_the_card_shows_the_profile_read_before_it_and_the_first_note(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    signed_in: Account,
    sandbox: SandboxServer,
    fake_clients: ClientFactory,
    fake_site: FakeLinkedInSite,
) -> None:
    slug, expected = _shared_member(sandbox)
    person = await due_reminder(db, signed_in, slug, "Jane Doe", note="Hi <b>Jane</b>, loved your talk")

    async with running_bot(settings, linkedin_client_factory=fake_clients):
        card = await wait_until(lambda: _card(botapi), within=30, what="the reminder")

    body = without_isolates(card.text or "")
    assert f"{expected.role} at {expected.company}" in body
    assert f"Based in {expected.location}" in body
    assert (expected.about or "")[:60] in body
    assert "In common:" in body
    for company in expected.shared.companies[:3]:
        if company != expected.company or not expected.shared.same_company_now:
            assert company in body
    if expected.shared.mutual_connections:
        assert f"{expected.shared.mutual_connections} mutual connection" in body
    # The first note is shown as the member would read it: its markup is text, not formatting.
    assert "Your first invitation said" in body and "Hi <b>Jane</b>, loved your talk" in body
    reads = [op for client in fake_site.opened for op in client.operations if op.startswith("read_profile")]
    assert reads == ["read_profile me", f"read_profile {slug}"]
    async with db() as session:
        stored = await session.get_one(Person, person.id)
        assert stored.profile_read_at == FIXED_NOW
        assert ProfileContext.from_dict(stored.profile_context or {}) == expected
        reminder = await session.scalar(select(Reminder))
        assert reminder is not None and reminder.state is ReminderState.SENT


async def test_hostile_profile_text_is_escaped_cut_and_isolated(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    signed_in: Account,
    fake_clients: ClientFactory,
    fake_site: FakeLinkedInSite,
) -> None:
    person = await due_reminder(db, signed_in, "someone", "Someone")
    hostile = ProfileContext(
        role='<a href="https://evil.example">CEO</a>',
        company="شركة النور",
        location="Tel Aviv \u202eevil",
        about="A" * 5000,
        schools=("<i>MIT</i>",),
        shared=SharedFacts(schools=("<i>MIT</i>",), mutual_connections=1),
    )
    async with db.begin() as session:
        stored = await session.get_one(Person, person.id)
        stored.profile_context = hostile.as_dict()
        stored.profile_read_at = FIXED_NOW - timedelta(days=1)  # fresh: no visit

    async with running_bot(settings, linkedin_client_factory=fake_clients):
        card = await wait_until(lambda: _card(botapi), within=30, what="the reminder")

    body = card.text or ""
    html = card.html or ""
    assert '\u2068<a href="https://evil.example">CEO</a>\u2069 at \u2068شركة النور\u2069' in body
    assert '<a href="https://evil.example">' not in html  # shown as text, never a link
    assert "\u202e" not in body  # an override inside member text cannot flip the card
    assert "A" * 200 not in body and "A" * 150 in body
    assert "both studied at \u2068<i>MIT</i>\u2069; 1 mutual connection" in body
    assert len(body) < 4096
    assert not [op for client in fake_site.opened for op in client.operations]  # read a day ago: no visit


async def test_a_read_that_meets_friction_pauses_the_account_and_the_reminder_still_goes(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    signed_in: Account,
    sandbox: SandboxServer,
    fake_clients: ClientFactory,
) -> None:
    await due_reminder(db, signed_in, sandbox.state.people()[0].slug, "Jane Doe")
    sandbox.set_faults(friction="checkpoint")

    async with running_bot(settings, linkedin_client_factory=fake_clients):
        card = await wait_until(lambda: _card(botapi), within=30, what="the reminder")
        await wait_until(
            lambda: any(CHECKPOINT in (m.text or "") for m in botapi.bot_messages(OWNER)),
            within=30,
            what="the checkpoint notice",
        )

    assert "From their profile" not in (card.text or "")
    async with db() as session:
        account = await session.get_one(Account, signed_in.id)
        assert (account.paused, account.paused_reason) == (True, PauseCause.CHECKPOINT)
        assert (await session.scalar(select(Person.profile_context))) is None
        reminder = await session.scalar(select(Reminder))
        assert reminder is not None and reminder.state is ReminderState.SENT


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_a_read_the_page_cannot_parse_only_costs_the_context(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    signed_in: Account,
    sandbox: SandboxServer,
    fake_clients: ClientFactory,
    fake_site: FakeLinkedInSite,
    language: str,
) -> None:
    async with db.begin() as session:
        (await session.get_one(Account, signed_in.id)).language = language
    await due_reminder(db, signed_in, sandbox.state.people()[0].slug, "Jane Doe", note="Hello again")
    fake_site.fail_next("read_profile", LayoutChanged("the profile has 0 top cards"), times=1)

    async with running_bot(settings, linkedin_client_factory=fake_clients):
        card = await wait_until(lambda: _card(botapi), within=30, what="the reminder")

    body = card.text or ""
    first = {"en": "Your first invitation said", "nl": "Je eerste uitnodiging zei"}[language]
    assert first in body and "Hello again" in body
    assert "From their profile" not in body and "Uit hun profiel" not in body
    async with db() as session:
        assert not (await session.get_one(Account, signed_in.id)).paused


async def test_scans_at_the_same_time_send_a_reminder_once(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    signed_in: Account,
    sandbox: SandboxServer,
    fake_clients: ClientFactory,
) -> None:
    await due_reminder(db, signed_in, sandbox.state.people()[0].slug, "Jane Doe")

    async with running_bot(settings, linkedin_client_factory=fake_clients) as app:
        await asyncio.gather(*(run_job(app, "due-reminders") for _ in range(3)))
        await wait_until(lambda: _card(botapi), within=30, what="the reminder")
        await run_job(app, "due-reminders")  # sent: nothing more to do

    assert len([m for m in botapi.bot_messages(OWNER) if len(m.button_texts) == 5]) == 1


async def test_one_profile_visit_per_account_per_scan_the_next_reminder_waits_a_scan(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    signed_in: Account,
    sandbox: SandboxServer,
    fake_clients: ClientFactory,
    fake_site: FakeLinkedInSite,
) -> None:
    first, second = (p.slug for p in sandbox.state.people()[:2])
    await due_reminder(db, signed_in, first, "Jane Doe")
    waiting = await due_reminder(db, signed_in, second, "John Roe")

    def cards() -> list[ChatMessage]:
        return [m for m in botapi.bot_messages(OWNER) if len(m.button_texts) == 5]

    def reads() -> list[str]:
        done = [op for client in fake_site.opened for op in client.operations]
        return [op for op in done if op.startswith("read_profile")]

    async with running_bot(settings, linkedin_client_factory=fake_clients) as app:
        await wait_until(lambda: cards(), within=30, what="the first reminder")
        await wait_until(lambda: not app.bot_data.reminder_lock.locked(), what="the end of the scan")
        assert len(cards()) == 1 and "Jane Doe" in (cards()[0].text or "")
        assert reads() == ["read_profile me", f"read_profile {first}"]
        async with db() as session:
            put_off = await session.scalar(select(Reminder).where(Reminder.person_id == waiting.id))
        assert put_off is not None and put_off.sent_at is None and put_off.draft_note is None

        await run_job(app, "due-reminders")
        await wait_until(lambda: len(cards()) == 2, within=30, what="the second reminder")

    assert "John Roe" in (cards()[1].text or "")
    assert reads() == ["read_profile me", f"read_profile {first}", f"read_profile {second}"]
    async with db() as session:
        sent = await session.scalar(select(Reminder).where(Reminder.person_id == waiting.id))
    assert sent is not None and sent.state is ReminderState.SENT and sent.draft_note


async def test_while_another_process_holds_the_account_the_visit_is_skipped_and_the_reminder_goes(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    signed_in: Account,
    sandbox: SandboxServer,
    fake_clients: ClientFactory,
    fake_site: FakeLinkedInSite,
) -> None:
    slug = sandbox.state.people()[0].slug
    await due_reminder(db, signed_in, slug, "Jane Doe")
    worker = await acquire(db, signed_in.id, LeaseHolder.new(), datetime.now(UTC), timedelta(hours=1))
    assert worker is not None  # a worker process is doing the account's browser work

    async with running_bot(settings, linkedin_client_factory=fake_clients) as app:
        await wait_until(lambda: _card(botapi) is not None, within=30, what="the reminder")
        await wait_until(lambda: not app.bot_data.reminder_lock.locked(), what="the end of the scan")

    assert fake_site.opened == []  # no second browser session beside the worker's
    card = _card(botapi)
    assert card is not None and "Jane Doe" in without_isolates(card.text or "")
    async with db() as session:
        person = await session.get_one(Person, (await session.scalars(select(Person.id))).one())
    assert person.profile_read_at is None  # nothing read: the card goes without fresh context
