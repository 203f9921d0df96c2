"""Alembic is the only schema path: head matches the models, and timestamps come back as UTC."""

import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.db.base import Base
from bot.db.migrate import upgrade_engine
from bot.db.models import Account, Invitation, Person
from bot.db.session import create_engine, create_session_factory


async def test_migrated_schema_matches_the_models(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    await upgrade_engine(engine)
    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    await engine.dispose()
    assert diff == []


async def test_timestamps_round_trip_as_aware_utc_and_one_pending_per_person(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    await upgrade_engine(engine)
    sessions = create_session_factory(engine)
    local = datetime(2026, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    async with sessions.begin() as session:
        account = Account(name="me")
        session.add(account)
        await session.flush()
        person = Person(account_id=account.id, slug="jane", name="Jane Doe", profile_url="/in/jane/")
        session.add(person)
        await session.flush()
        session.add(
            Invitation(
                account_id=account.id,
                person_id=person.id,
                sent_at_earliest=local,
                sent_at_latest=local,
                first_seen_at=local,
                last_seen_at=local,
            )
        )
    async with sessions() as session:
        stored = await session.get(Invitation, 1)
        assert stored is not None
        assert stored.sent_at_earliest == local
        assert stored.sent_at_earliest.tzinfo == UTC
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            session.add(
                Invitation(
                    account_id=1,
                    person_id=1,
                    sent_at_earliest=local,
                    sent_at_latest=local,
                    first_seen_at=local,
                    last_seen_at=local,
                )
            )
    await engine.dispose()


@pytest.mark.postgres
async def test_migrations_apply_on_postgresql() -> None:
    url = os.environ.get("DATABASE_URL_TEST")
    if not url:
        pytest.skip("DATABASE_URL_TEST is not set")
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await upgrade_engine(engine)
    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    await engine.dispose()
    assert diff == []
