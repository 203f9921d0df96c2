"""Follow-ups after acceptance: opened once by the sync, due days later inside the active hours,
drafted when due, and closed by the owner's [Done], [Later] and [Edit].

LinkedIn is the in-memory counterpart over the sandbox's world (tests/fakes/linkedin.py).
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from automation.client import LinkedInClient
from automation.errors import NotConnected
from automation.types import ProfileContext
from bot.db.models import (
    Account,
    Action,
    ActionKind,
    ActionState,
    Event,
    Followup,
    FollowupState,
    Invitation,
    Person,
)
from bot.db.session import SessionFactory
from bot.rendering import Renderer
from bot.services import followups
from bot.services.actions import (
    ActionRefused,
    Result,
    claim_next_action,
    recover_interrupted,
    run_due_actions,
)
from bot.services.clock import FrozenClock
from bot.services.followup_model import redraft_followup_with_model
from bot.services.followup_sending import request_send
from bot.services.linkedin import ClientProvider
from bot.services.note_model import NoteModelConfig
from bot.services.note_text import InvalidNote
from bot.services.rhythm import Rhythm
from bot.services.sync import sync_account
from sandbox import SandboxServer
from tests.fakes.linkedin import FakeLinkedInSite
from tests.fakes.note_model import FakeNoteModel, Reply


async def _accept_one(
    db: SessionFactory, account: Account, linkedin: LinkedInClient, sandbox: SandboxServer, index: int = 3
) -> str:
    await sync_account(db, linkedin, account.id, sandbox.state.now)
    slug = sandbox.state.pending_slugs()[index]
    assert sandbox.state.accept(slug)
    report = await sync_account(db, linkedin, account.id, sandbox.state.now)
    assert report.accepted == 1
    return slug


async def _followups(db: SessionFactory) -> list[Followup]:
    async with db() as session:
        return list((await session.scalars(select(Followup))).all())


async def test_a_sync_that_sees_an_acceptance_opens_one_followup_due_days_later(
    db: SessionFactory, account: Account, fake_linkedin: LinkedInClient, sandbox: SandboxServer
) -> None:
    slug = await _accept_one(db, account, fake_linkedin, sandbox)

    [followup] = await _followups(db)
    async with db() as session:
        person = await session.get_one(Person, followup.person_id)
        invitation = await session.get_one(Invitation, followup.invitation_id)
    assert person.slug == slug and invitation.closed_at == followup.accepted_at
    assert followup.state is FollowupState.DUE and followup.draft_message is None
    assert followup.due_at == followup.accepted_at + timedelta(days=3)  # ALWAYS-active account
    # A later sync sees nothing new: still one follow-up.
    await sync_account(db, fake_linkedin, account.id, sandbox.state.now)
    assert len(await _followups(db)) == 1
    async with db() as session:
        kinds = list((await session.scalars(select(Event.kind).where(Event.kind == "followup_opened"))).all())
    assert kinds == ["followup_opened"]


async def test_the_card_is_due_on_the_followup_date_not_at_sync(
    db: SessionFactory, account: Account, fake_linkedin: LinkedInClient, sandbox: SandboxServer
) -> None:
    await _accept_one(db, account, fake_linkedin, sandbox)
    [followup] = await _followups(db)

    async with db.begin() as session:
        assert await followups.scan_due(session, now=followup.accepted_at + timedelta(days=2)) == []
    async with db.begin() as session:
        [due] = await followups.scan_due(session, now=followup.due_at)
    assert due.drafted and due.person.id == followup.person_id
    [stored] = await _followups(db)
    assert stored.draft_message and stored.draft_template and stored.draft_template.startswith("followups/")
    assert due.person.name.split()[0] in stored.draft_message


def test_the_due_date_moves_into_the_active_hours() -> None:
    # Weekdays 09–18 in Amsterdam; Friday 20:00 local + 0 days → Monday 09:00 local.
    rhythm = Rhythm(timezone="Europe/Amsterdam", weekdays=0b0011111, from_hour=9, until_hour=18, daily_cap=30)
    friday_evening = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)
    assert followups.into_active_hours(rhythm, friday_evening) == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    inside = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    assert followups.into_active_hours(rhythm, inside) == inside
    early = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
    assert followups.into_active_hours(rhythm, early) == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


async def test_due_after_acceptance_counts_the_accounts_days(db: SessionFactory, account: Account) -> None:
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        stored.followup_days = 5
        accepted = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
        assert followups.due_after_acceptance(stored, accepted) == accepted + timedelta(days=5)
        stored.active_weekdays, stored.active_from_hour, stored.active_until_hour = 0b0011111, 9, 18
        stored.timezone = "UTC"
        # Saturday 20:00 + 5 days is Thursday 20:00, after hours: Friday 09:00.
        late = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)
        assert followups.due_after_acceptance(stored, late) == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def _person(**fields: object) -> Person:
    values: dict[str, object] = {"slug": "x", "name": "Dr. Jana Novak", "headline": "", "profile_url": "u"}
    values.update(fields)
    return Person(**values)


def test_drafts_take_the_best_informed_tier_in_the_persons_language() -> None:
    name_only = followups.draft_message(_person(), None, language="en")
    assert name_only.template == "followups/en/name" and name_only.text.startswith("Hi Jana,")

    worker = _person(headline="Data Engineer at Contoso")
    work = followups.draft_message(worker, None, language="en")
    assert work.template == "followups/en/work" and "Data Engineer" in work.text and "Contoso" in work.text

    invitation = Invitation(note_text="We met at the Lisbon meetup")
    noted = followups.draft_message(worker, invitation, language="en")
    assert noted.template == "followups/en/note" and "Lisbon" not in noted.text  # says something new

    told = _person(context="met at Denver Tech Conference")
    context = followups.draft_message(told, invitation, language="de")
    assert context.template == "followups/de/context" and "Met at Denver Tech Conference" in context.text

    german = _person(profile_context=ProfileContext(language="de", company="Siemens").as_dict())
    de = followups.draft_message(german, None, language="en")
    assert de.language == "de" and de.template == "followups/de/work" and de.text.startswith("Hallo Jana,")


@pytest.mark.parametrize("language", ["en", "nl", "de", "fr", "es"])
def test_every_language_has_every_tier(language: str) -> None:
    person = _person(headline="CTO at Acme", context="we spoke at the Utrecht meetup")
    for invitation in (None, Invitation(note_text="hello")):
        draft = followups.draft_message(person, invitation, language=language)
        assert draft.text.split()[1].startswith("Jana") and followups.note_length(draft.text) <= 600


async def _due_followup(
    db: SessionFactory, account: Account, fake_linkedin: LinkedInClient, sandbox: SandboxServer
) -> Followup:
    await _accept_one(db, account, fake_linkedin, sandbox)
    [followup] = await _followups(db)
    async with db.begin() as session:
        await followups.scan_due(session, now=followup.due_at)
        await followups.mark_shown(
            session, followup.id, account_id=account.id, chat_id=1, message_id=2, now=followup.due_at
        )
    [shown] = await _followups(db)
    assert shown.state is FollowupState.SHOWN and shown.card_sent_at == followup.due_at
    return shown


async def test_done_later_and_edit(
    db: SessionFactory, account: Account, fake_linkedin: LinkedInClient, sandbox: SandboxServer
) -> None:
    shown = await _due_followup(db, account, fake_linkedin, sandbox)
    now = shown.due_at

    async with db.begin() as session:
        with pytest.raises(InvalidNote):
            await followups.set_draft(session, shown.id, "x" * 601, account_id=account.id)
    async with db.begin() as session:
        await followups.set_draft(session, shown.id, "  Hi there, my own words  ", account_id=account.id)
    [edited] = await _followups(db)
    assert (edited.draft_message, edited.draft_template) == ("Hi there, my own words", None)

    async with db.begin() as session:
        await followups.snooze(session, shown.id, account_id=account.id, now=now, days=2)
    [later] = await _followups(db)
    assert later.state is FollowupState.DUE and later.due_at == now + timedelta(days=2)
    async with db.begin() as session:
        [again] = await followups.scan_due(session, now=later.due_at)
    assert not again.drafted and again.followup.draft_message == "Hi there, my own words"

    async with db.begin() as session:
        await followups.mark_done(session, shown.id, account_id=account.id, now=now)
    [done] = await _followups(db)
    assert done.state is FollowupState.DONE and done.done_at == now
    async with db.begin() as session:
        with pytest.raises(followups.FollowupClosed):
            await followups.mark_done(session, shown.id, account_id=account.id, now=now)
        with pytest.raises(followups.FollowupClosed):
            await followups.snooze(session, shown.id, account_id=account.id, now=now)
        with pytest.raises(followups.FollowupNotFound):
            await followups.mark_done(session, shown.id, account_id=account.id + 1, now=now)


async def test_a_failed_card_backs_off(
    db: SessionFactory, account: Account, fake_linkedin: LinkedInClient, sandbox: SandboxServer
) -> None:
    await _accept_one(db, account, fake_linkedin, sandbox)
    [followup] = await _followups(db)
    async with db.begin() as session:
        await followups.record_failure(
            session, followup.id, account_id=account.id, error="boom", now=followup.due_at
        )
        await followups.record_failure(
            session, followup.id, account_id=account.id, error="boom", now=followup.due_at
        )
    [failed] = await _followups(db)
    assert failed.attempts == 2 and failed.due_at == followup.due_at + timedelta(minutes=4)
    assert failed.state is FollowupState.DUE and failed.last_error == "boom"


# --- [Send]: the message action ----------------------------------------------------------------


async def test_send_queues_one_message_that_the_worker_sends_once_and_verifies(
    db: SessionFactory,
    signed_in_account: Account,
    fake_linkedin: LinkedInClient,
    fake_provider: ClientProvider,
    sandbox: SandboxServer,
) -> None:
    account = signed_in_account
    shown = await _due_followup(db, account, fake_linkedin, sandbox)
    async with db() as session:
        person = await session.get_one(Person, shown.person_id)
    clock = FrozenClock(shown.due_at)

    action = await request_send(db, account.id, shown.id, now=clock(), undo_window=timedelta(0))
    again = await request_send(db, account.id, shown.id, now=clock(), undo_window=timedelta(0))
    assert again.id == action.id and action.kind is ActionKind.MESSAGE and action.note == shown.draft_message
    [still_open] = await _followups(db)
    assert still_open.state is FollowupState.SHOWN  # SENT only once verified

    [outcome] = await run_due_actions(db, fake_provider, clock)
    assert outcome.result is Result.MESSAGED and outcome.state is ActionState.DONE
    assert sandbox.state.thread(person.slug) == [shown.draft_message]
    [sent] = await _followups(db)
    assert sent.state is FollowupState.SENT and sent.message_sent_at == clock()
    with pytest.raises(ActionRefused) as refused:
        await request_send(db, account.id, shown.id, now=clock(), undo_window=timedelta(0))
    assert refused.value.reason == "closed"
    with pytest.raises(ActionRefused):
        await request_send(db, account.id + 1, shown.id, now=clock())


async def test_a_message_interrupted_mid_send_is_not_sent_twice(
    db: SessionFactory,
    signed_in_account: Account,
    fake_linkedin: LinkedInClient,
    fake_provider: ClientProvider,
    sandbox: SandboxServer,
) -> None:
    account = signed_in_account
    shown = await _due_followup(db, account, fake_linkedin, sandbox)
    async with db() as session:
        person = await session.get_one(Person, shown.person_id)
    clock = FrozenClock(shown.due_at)
    action = await request_send(db, account.id, shown.id, now=clock(), undo_window=timedelta(0))
    # A worker claimed it and sent the message, then died before recording the outcome.
    claimed = await claim_next_action(db, clock())
    assert claimed is not None and claimed.action_id == action.id
    async with fake_provider.open(claimed.account) as client:
        await client.send_message(person.slug, shown.draft_message or "", name=person.name)
    async with db.begin() as session:
        running = await session.get_one(Action, action.id)
        running.holder_pid, running.holder_host = None, None  # nobody we could ask: the lease decides

    recovered = await recover_interrupted(db, fake_provider, clock)
    assert [o.result for o in recovered] == [Result.REQUEUED]
    [outcome] = await run_due_actions(db, fake_provider, clock)
    assert outcome.result is Result.MESSAGED
    assert sandbox.state.thread(person.slug) == [shown.draft_message]  # once
    [sent] = await _followups(db)
    assert sent.state is FollowupState.SENT


async def test_a_message_to_someone_no_longer_connected_fails_and_leaves_the_card_open(
    db: SessionFactory,
    signed_in_account: Account,
    fake_linkedin: LinkedInClient,
    fake_provider: ClientProvider,
    fake_site: FakeLinkedInSite,
    sandbox: SandboxServer,
) -> None:
    account = signed_in_account
    shown = await _due_followup(db, account, fake_linkedin, sandbox)
    clock = FrozenClock(shown.due_at)
    await request_send(db, account.id, shown.id, now=clock(), undo_window=timedelta(0))
    fake_site.fail_next("send_message", NotConnected("no message box"))

    [outcome] = await run_due_actions(db, fake_provider, clock)
    assert outcome.result is Result.FAILED and outcome.error_kind == "NotConnected"
    [still_open] = await _followups(db)
    assert still_open.state is FollowupState.SHOWN and still_open.message_sent_at is None


# --- the owner's language model ---------------------------------------------------------------


@pytest.fixture
def endpoint() -> Iterator[FakeNoteModel]:
    server = FakeNoteModel().start()
    yield server
    server.stop()


async def _scanned(
    db: SessionFactory, account: Account, fake_linkedin: LinkedInClient, sandbox: SandboxServer
) -> followups.DueFollowup:
    await _accept_one(db, account, fake_linkedin, sandbox)
    [followup] = await _followups(db)
    async with db.begin() as session:
        [due] = await followups.scan_due(session, now=followup.due_at)
    return due


async def test_the_model_drafts_the_message_with_its_own_rules_and_the_notes_checks(
    db: SessionFactory,
    account: Account,
    fake_linkedin: LinkedInClient,
    sandbox: SandboxServer,
    endpoint: FakeNoteModel,
) -> None:
    due = await _scanned(db, account, fake_linkedin, sandbox)
    first = due.person.name.split()[0]
    good = f"Hi {first}, thanks for connecting! What are you focused on these days?"
    endpoint.script(Reply(content=good))
    config = NoteModelConfig(url=endpoint.url, name="m", timeout=5.0)

    redrafted = await redraft_followup_with_model(db, config, Renderer(), due)

    [stored] = await _followups(db)
    assert (stored.draft_message, stored.draft_template, stored.model_verdict) == (good, "model", "ok")
    assert redrafted.followup.draft_message == good
    [asked] = endpoint.received
    system = asked.body["messages"][0]["content"]
    assert "first LinkedIn message to someone who just accepted" in system and "600 characters" in system


async def test_a_refused_model_message_keeps_the_template_draft_and_says_why(
    db: SessionFactory,
    account: Account,
    fake_linkedin: LinkedInClient,
    sandbox: SandboxServer,
    endpoint: FakeNoteModel,
) -> None:
    due = await _scanned(db, account, fake_linkedin, sandbox)
    first = due.person.name.split()[0]
    endpoint.script(Reply(content=f"Hi {first}, great to meet you at Contoso Summit in Oslo!"))
    config = NoteModelConfig(url=endpoint.url, name="m", timeout=5.0)
    template_draft = due.followup.draft_message

    await redraft_followup_with_model(db, config, Renderer(), due)

    [stored] = await _followups(db)
    assert stored.draft_message == template_draft and stored.model_verdict == "invented"
    assert stored.draft_template is not None and stored.draft_template.startswith("followups/")
