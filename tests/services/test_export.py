"""The tracking sheet as CSV: one row per invitation, local dates, follow-ups, formula-safe cells."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from bot.db.models import Account, Followup, FollowupState, Invitation, InvitationState, Person, Reminder
from bot.db.session import SessionFactory
from bot.services.clock import FrozenClock
from bot.services.export import HEADER, sheet_rows, write_csv


async def test_sheet_has_every_invitation_with_dates_and_follow_up(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    now = clock()  # 2026-11-24 09:30 UTC
    async with db.begin() as session:
        jane = Person(
            account_id=account.id,
            slug="jane",
            name="Jane Doe",
            headline="CTO at Acme",
            company="Acme",
            profile_url="https://www.linkedin.com/in/jane/",
        )
        mallory = Person(
            account_id=account.id,
            slug="mallory",
            name='=HYPERLINK("http://evil")',
            headline="@everyone",
            profile_url="https://www.linkedin.com/in/mallory/",
        )
        session.add_all([jane, mallory])
        await session.flush()
        withdrawn = Invitation(
            account_id=account.id,
            person_id=jane.id,
            state=InvitationState.WITHDRAWN,
            sent_at_earliest=now - timedelta(days=127),
            sent_at_latest=now - timedelta(days=97),
            first_seen_at=now - timedelta(days=97),
            last_seen_at=now - timedelta(days=1),
            had_note=True,
            note_template="nl/context_1",
            withdrawn_at=now - timedelta(days=1),
            closed_at=now - timedelta(days=1),
            cooldown_ends_at=now + timedelta(days=20),
        )
        pending = Invitation(
            account_id=account.id,
            person_id=mallory.id,
            sent_at_earliest=now - timedelta(days=3),
            sent_at_latest=now - timedelta(days=2),
            first_seen_at=now,
            last_seen_at=now,
        )
        session.add_all([withdrawn, pending])
        await session.flush()
        session.add(
            Reminder(
                account_id=account.id,
                invitation_id=withdrawn.id,
                person_id=jane.id,
                due_at=now + timedelta(days=20, hours=1),
            )
        )

    async with db() as session:
        rows = await sheet_rows(session, account)
    stream = io.StringIO()
    assert write_csv(rows, stream) == 2

    table = list(csv.reader(io.StringIO(stream.getvalue())))
    assert tuple(table[0]) == HEADER
    assert table[1][:4] == [
        '\'=HYPERLINK("http://evil")',
        "",
        "'@everyone",
        "https://www.linkedin.com/in/mallory/",
    ]
    assert table[1][4:] == ["2026-11-21", "2026-11-22", "no", "pending", "", "", "", "", "", "", "", ""]
    assert table[2] == [
        "Jane Doe",
        "Acme",
        "CTO at Acme",
        "https://www.linkedin.com/in/jane/",
        "2026-07-20",
        "2026-08-19",
        "yes",
        "withdrawn",
        "2026-11-23",
        "2026-12-14",
        "2026-12-14",
        "nl/context_1",
        "",
        "",
        "",
        "",
    ]


async def test_dates_are_the_accounts_local_days(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        stored.timezone = "Pacific/Auckland"  # 09:30 UTC is 22:30 local, the same day; +3h is the next
        person = Person(account_id=account.id, slug="kiwi", name="Kiwi", profile_url="/in/kiwi/")
        session.add(person)
        await session.flush()
        sent = clock() + timedelta(hours=3)
        session.add(
            Invitation(
                account_id=account.id,
                person_id=person.id,
                sent_at_earliest=sent,
                sent_at_latest=sent,
                first_seen_at=sent,
                last_seen_at=sent,
            )
        )
        account = stored
    async with db() as session:
        (row,) = await sheet_rows(session, account)
    assert row.sent_from.isoformat() == row.sent_to.isoformat() == "2026-11-25"


async def test_an_accepted_invitation_carries_its_template_and_follow_up(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    now = clock()
    async with db.begin() as session:
        person = Person(account_id=account.id, slug="ana", name="Ana", profile_url="/in/ana/")
        session.add(person)
        await session.flush()
        accepted = Invitation(
            account_id=account.id,
            person_id=person.id,
            state=InvitationState.ACCEPTED,
            sent_at_earliest=now - timedelta(days=10),
            sent_at_latest=now - timedelta(days=10),
            first_seen_at=now - timedelta(days=10),
            last_seen_at=now - timedelta(days=5),
            closed_at=now - timedelta(days=4),
            sent_by_us=True,
            had_note=True,
            note_template="own:conference",
        )
        session.add(accepted)
        await session.flush()
        session.add(
            Followup(
                account_id=account.id,
                invitation_id=accepted.id,
                person_id=person.id,
                state=FollowupState.SENT,
                accepted_at=now - timedelta(days=4),
                due_at=now - timedelta(days=1),
                draft_message="=Hi Ana, thanks for connecting!",
                message_sent_at=now,
            )
        )
    async with db() as session:
        rows = await sheet_rows(session, account)
    stream = io.StringIO()
    write_csv(rows, stream)
    header, row = list(csv.reader(io.StringIO(stream.getvalue())))
    values = dict(zip(header, row, strict=True))
    assert values["state"] == "accepted" and values["note_template"] == "own:conference"
    assert (values["followup_state"], values["followup_due"], values["followup_sent_at"]) == (
        "sent",
        "2026-11-23",
        "2026-11-24",
    )
    assert values["followup_message"] == "'=Hi Ana, thanks for connecting!"  # formula-safe


async def test_every_formula_start_is_defused_and_plain_text_is_not(
    db: SessionFactory, account: Account
) -> None:
    """OWASP's list: a cell starting with =, +, -, @, tab or CR gets an apostrophe; nothing else does."""
    risky = ["=1+1", "+31 6 1234", "-2+3", "@SUM(A1)", "\t=cmd", "\r=cmd"]
    plain = ["Jane-Doe", "R&D lead, +10 years", "Ana Lima (she/her)", " =spaced", "'quoted"]
    now = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    async with db.begin() as session:
        for index, name in enumerate(risky + plain):
            person = Person(
                account_id=account.id,
                slug=f"p{index}",
                name=name,
                headline=name,
                profile_url=f"/in/p{index}/",
            )
            session.add(person)
            await session.flush()
            sent = now - timedelta(days=index)  # newest first: the sheet keeps this order
            session.add(
                Invitation(
                    account_id=account.id,
                    person_id=person.id,
                    sent_at_earliest=sent,
                    sent_at_latest=sent,
                    first_seen_at=sent,
                    last_seen_at=sent,
                )
            )
    async with db() as session:
        rows = await sheet_rows(session, account)
    stream = io.StringIO()
    write_csv(rows, stream)
    table = list(csv.reader(io.StringIO(stream.getvalue())))[1:]

    names = [row[HEADER.index("name")] for row in table]
    headlines = [row[HEADER.index("headline")] for row in table]
    assert names == headlines == ["'" + name for name in risky] + plain
