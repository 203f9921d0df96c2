"""The weekly-digest due-scan, asked in SQL, agrees with the rule on SQLite and PostgreSQL, clock changes too.

The rule, spelled out in Python over every account: it has a chat, this week's digest time has
passed in its timezone (`is_due`), and no digest row exists for its local ISO week.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, insert, select

from bot.db.models import Account, DigestSent
from bot.db.session import SessionFactory, create_session_factory
from bot.services.digest_schedule import due_accounts, is_due, iso_week
from tests.services.backends import fresh_postgres

# Whole-hour, half-hour and 45-minute offsets; a 2-hour clock change (Troll) and a 30-minute one (Lord Howe).
ZONES = (
    "UTC",
    "America/New_York",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "Australia/Lord_Howe",
    "Antarctica/Troll",
)
HOURS = (0, 1, 2, 3, 9, 22, 23)
NOWS = (
    datetime(2026, 11, 24, 10, 0, tzinfo=UTC),  # a Tuesday
    datetime(2026, 11, 29, 23, 30, tzinfo=UTC),  # Monday already east of UTC, Sunday west of it
    datetime(2026, 3, 8, 7, 30, tzinfo=UTC),  # New York just sprang forward (02:00 was skipped)
    datetime(2026, 11, 1, 6, 30, tzinfo=UTC),  # New York's second 01:30
    datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # Troll's second 01:30 (it falls back from 03:00 to 01:00)
    datetime(2026, 4, 5, 15, 15, tzinfo=UTC),  # Lord Howe's repeated half hour
)


async def test_the_scan_agrees_with_the_rule_in_every_zone_and_slot(store: SessionFactory) -> None:
    grid = itertools.product(ZONES, range(7), HOURS, ("unsent", "sent", "sent-last-week"))
    rows = [
        {
            "name": f"a-{n}-{sent}",
            "chat_id": None if n % 11 == 0 else 1000 + n,
            "timezone": zone,
            "digest_weekday": weekday,
            "digest_hour": hour,
        }
        for n, (zone, weekday, hour, sent) in enumerate(grid)
    ]
    async with store.begin() as session:
        await session.execute(insert(Account), rows)
        accounts = (await session.scalars(select(Account).order_by(Account.id))).all()
    sent = {account.id: account.name.split("-", 2)[2] for account in accounts}
    for now in NOWS:
        async with store.begin() as session:
            await session.execute(delete(DigestSent))
            for account in accounts:
                if sent[account.id] == "unsent":
                    continue
                moment = now if sent[account.id] == "sent" else now - timedelta(days=7)
                week = iso_week(moment, account.timezone)
                session.add(DigestSent(account_id=account.id, iso_week=week, sent_at=moment))
        expected = [
            account.id
            for account in accounts
            if account.chat_id is not None and is_due(account, now) and sent[account.id] != "sent"
        ]
        async with store() as session:
            found = [account.id for account in await due_accounts(session, now)]
        assert expected, now  # the grid has due accounts at every moment tested
        assert found == expected, now


@pytest.mark.postgres
async def test_more_due_accounts_than_a_statement_has_parameters() -> None:
    """PostgreSQL takes at most 32,767 parameters in a statement; the scan binds none per account."""
    async with fresh_postgres() as engine:
        store = create_session_factory(engine)
        count = 33_000
        async with store.begin() as session:
            await session.execute(
                insert(Account),
                [
                    {"name": f"a-{n}", "chat_id": n, "digest_weekday": 0, "digest_hour": 0}
                    for n in range(count)
                ],
            )
        async with store() as session:
            due = await due_accounts(session, datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
        assert len(due) == count
