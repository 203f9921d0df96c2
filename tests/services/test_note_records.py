"""The template behind a note travels from the reminder's draft to the invitation, and counts."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.models import Account, Action, Invitation, InvitationState, Person
from bot.db.session import SessionFactory
from bot.services import actions
from bot.services.actions.records import record_invited
from bot.services.clock import FrozenClock
from bot.services.note_templates import TemplateStore
from bot.services.note_variants import TemplateRecord
from bot.services.notes import draft_note, note_language
from bot.services.reminders import scan_due, set_draft
from bot.services.stats import account_stats, template_records
from tests.services.test_reminders import add_reminder


async def closed_invitations(
    db: SessionFactory, account: Account, template: str, state: InvitationState, n: int
) -> None:
    """`n` decided invitations sent with `template`."""
    async with db.begin() as session:
        for i in range(n):
            person = Person(
                account_id=account.id, slug=f"{template}-{state}-{i}", name="A B", profile_url="x"
            )
            session.add(person)
            await session.flush()
            at = account.created_at
            session.add(
                Invitation(
                    account_id=account.id,
                    person_id=person.id,
                    state=state,
                    sent_at_earliest=at,
                    sent_at_latest=at,
                    first_seen_at=at,
                    last_seen_at=at,
                    sent_by_us=True,
                    had_note=True,
                    note_template=template,
                    closed_at=at,
                )
            )


async def test_the_drafts_template_reaches_the_invitation(
    db: SessionFactory, account: Account, clock: FrozenClock, tmp_path: Path
) -> None:
    now = clock()
    own = TemplateStore(tmp_path).save(
        "met", "{# when: context #}\nHi {{ first_name }}, {{ context }}!", limit=200
    )
    await add_reminder(db, account, "jane", due_at=now - timedelta(minutes=1), context="met at PyCon")
    async with db.begin() as session:
        (due,) = await scan_due(session, now=now, owner_templates=[own])
    assert due.reminder.draft_template in {"context_1", "context_2", "context_3", "own:met"}
    if due.reminder.draft_template == "own:met":
        assert due.reminder.draft_note == "Hi Jane, met at PyCon!"

    action = await actions.request_invite(
        db,
        account.id,
        due.person.id,
        due.reminder.draft_note,
        now=now,
        note_template=due.reminder.draft_template,
    )
    async with db.begin() as session:
        stored = await session.get_one(Action, action.id)
        invitation = await record_invited(session, stored, account, now, note_sent=True)
    assert invitation is not None and invitation.note_template == due.reminder.draft_template

    async with db.begin() as session:
        edited = await set_draft(session, due.reminder.id, "My own words", account_id=account.id)
    assert edited.draft_template is None


async def test_a_note_not_sent_credits_no_template(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    now = clock()
    await add_reminder(db, account, "joe", due_at=now - timedelta(minutes=1))
    async with db.begin() as session:
        (due,) = await scan_due(session, now=now)
    action = await actions.request_invite(
        db, account.id, due.person.id, None, now=now, note_template="work_1"
    )
    async with db.begin() as session:
        stored = await session.get_one(Action, action.id)
        assert stored.note_template is None
        invitation = await record_invited(session, stored, account, now, note_sent=False)
    assert invitation is not None and invitation.note_template is None


async def test_records_and_stats_per_template(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    now = clock()
    await closed_invitations(db, account, "work_1", InvitationState.ACCEPTED, 6)
    await closed_invitations(db, account, "work_1", InvitationState.WITHDRAWN, 4)
    await closed_invitations(db, account, "own:met", InvitationState.ACCEPTED, 1)
    await closed_invitations(db, account, "own:met", InvitationState.WITHDRAWN, 3)
    async with db.begin() as session:
        records = await template_records(session, account, now=now)
        stats = await account_stats(session, account, now=now)
        untemplated = await session.scalar(select(Invitation).where(Invitation.note_template.is_(None)))
    assert untemplated is None
    assert records == {"work_1": TemplateRecord(10, 6), "own:met": TemplateRecord(4, 1)}
    assert stats.by_template == (("work_1", TemplateRecord(10, 6)), ("own:met", TemplateRecord(4, 1)))


def test_the_drafter_prefers_the_better_accepted_template(tmp_path: Path) -> None:
    own = TemplateStore(tmp_path).save(
        "met", "{# when: context #}\nHi {{ first_name }}, {{ context }}!", limit=200
    )
    records = {
        "own:met": TemplateRecord(40, 20),
        "context_1": TemplateRecord(40, 6),
        "context_2": TemplateRecord(40, 5),
        "context_3": TemplateRecord(40, 7),
    }
    rng = random.Random(5)
    picks = Counter(
        draft_note(
            slug="jane",
            name="Jane Doe",
            context="met at PyCon",
            limit=200,
            owner_templates=[own],
            records=records,
            rng=rng,
        ).template
        for _ in range(1000)
    )
    assert picks["own:met"] > 950
    # its conditions do not hold without the owner's context: the built-ins take over
    assert draft_note(slug="jane", name="Jane Doe", limit=200, owner_templates=[own]).template.startswith(
        "name_"
    )


def test_an_english_template_never_wins_a_german_draft(tmp_path: Path) -> None:
    store = TemplateStore(tmp_path)
    english = store.save(
        "met-en", "{# when: company, lang: en #}\nHi {{ first_name }}, met you at {{ company }}!", limit=200
    )
    german = store.save(
        "met-de",
        "{# when: company, lang: de #}\nHallo {{ first_name }}, wir trafen uns bei {{ company }}!",
        limit=200,
    )
    # Both owner templates always accepted, the built-ins never: only the language condition stops one.
    records = {"own:met-en": TemplateRecord(50, 50), "own:met-de": TemplateRecord(50, 50)}
    records |= {f"{prefix}work_{n}": TemplateRecord(50, 0) for prefix in ("", "de/") for n in (1, 2, 3)}
    for slug in ("a", "b", "c", "d", "e", "f"):
        drafts = {
            language: draft_note(
                slug=slug, name="Jana Novak", company="Siemens", limit=200, language=language,
                owner_templates=[english, german], records=records,
            ).template
            for language in ("en", "de", "fr")
        }  # fmt: skip
        assert drafts["en"] == "own:met-en" and drafts["de"] == "own:met-de"
        assert not drafts["fr"].startswith("own:")  # neither is French: the built-ins draft it


@pytest.mark.parametrize(
    ("language", "greeting"),
    [("nl", "Ha"), ("de", ("Hallo", "Guten Tag")), ("fr", "Bonjour"), ("es", "Hola"), ("pt", "H")],
)
def test_drafts_follow_the_language(language: str, greeting: str | tuple[str, ...]) -> None:
    for slug in ("a", "b", "c", "d"):
        draft = draft_note(slug=slug, name="Jane Doe", company="Acme", limit=200, language=language)
        assert draft.text.startswith(greeting) and "Acme" in draft.text
        expected_prefix = "work_" if language in {"pt", "en"} else f"{language}/work_"
        assert draft.template.startswith(expected_prefix)
    assert note_language("de-DE", "nl") == "de" and note_language(None, "fr") == "fr"
    assert note_language("pt", "pt") == "en"


async def test_the_withdrawn_invitation_fills_days_and_original_note(
    db: SessionFactory, account: Account, clock: FrozenClock, tmp_path: Path
) -> None:
    now = clock()
    own = TemplateStore(tmp_path).save(
        "again",
        "{# when: original_note #}\nHi {{ first_name }}, {{ days_since_withdrawal }} days on, a new try"
        "{% if company %} (still at {{ company }}?){% endif %}.",
        limit=200,
    )
    for key, accepted in (("work_1", 2), ("work_2", 2), ("work_3", 2), ("own:again", 40)):
        await closed_invitations(db, account, key, InvitationState.ACCEPTED, accepted)
        await closed_invitations(db, account, key, InvitationState.WITHDRAWN, 50 - accepted)
    reminder = await add_reminder(db, account, "jane", due_at=now - timedelta(days=2))
    async with db.begin() as session:
        invitation = await session.get_one(Invitation, reminder.invitation_id)
        invitation.note_text = "Hi Jane, loved your talk."
    async with db.begin() as session:
        (due,) = await scan_due(session, now=now, owner_templates=[own])
    assert due.reminder.draft_template == "own:again"
    assert due.reminder.draft_note == "Hi Jane, 23 days on, a new try (still at Acme?)."
