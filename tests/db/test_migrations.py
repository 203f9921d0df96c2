"""Alembic is the only schema path: head matches the models, and timestamps come back as UTC."""

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.base import Base
from bot.db.migrate import alembic_config, upgrade_engine
from bot.db.models import Account, Invitation, Person
from bot.db.session import create_engine, create_session_factory
from bot.services.session_health import PauseCause


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


LEGACY_REASONS = {
    "a": ("SessionExpired", "session_expired"),
    "b": ("SessionKeyError", "session_unreadable"),
    "c": ("WeeklyLimit", "weekly_limit"),
    "d": ("SecurityCheckpoint", "checkpoint"),
    "e": ("HumanRequired", "captcha"),
    "f": ("owner", "owner"),
    "g": ("session_expired", "session_expired"),
    "h": ("LayoutChanged", "linkedin"),
    "i": (None, None),
}
"""Account name: (the paused_reason an older version stored, what migration 0004 makes of it)."""


def _upgrade_to(revision: str) -> Callable[[Connection], None]:
    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    return run


async def _migrated_reasons(engine: AsyncEngine) -> dict[str, str | None]:
    """Store `LEGACY_REASONS` at revision 0003, migrate to head, read the reasons back."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade_to("0003"))
        for name, (reason, _) in LEGACY_REASONS.items():
            # An account as revision 0003 knows it (its columns without a server default).
            await connection.execute(
                text(
                    "INSERT INTO accounts (name, session_status, plan, timezone, language, digest_weekday,"
                    " digest_hour, review_days, suggest_days, withdraw_days, daily_withdraw_cap,"
                    " cap_override, cooldown_days, pending_ceiling, paused, paused_reason)"
                    " VALUES (:name, 'none', 'free', 'UTC', 'en', 0, 9, 30, 60, 90, 30, false, 21, 500,"
                    " :paused, :reason)"
                ),
                {"name": name, "paused": reason is not None, "reason": reason},
            )
    await upgrade_engine(engine)
    async with engine.connect() as connection:
        result = await connection.execute(text("SELECT name, paused_reason FROM accounts"))
        rows = {name: reason for name, reason in result.all()}
    await engine.dispose()
    return rows


async def test_pause_reasons_older_versions_stored_become_pause_causes(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    assert await _migrated_reasons(engine) == {name: new for name, (_, new) in LEGACY_REASONS.items()}


@pytest.mark.postgres
async def test_pause_reasons_become_pause_causes_on_postgresql() -> None:
    url = os.environ.get("DATABASE_URL_TEST")
    if not url:
        pytest.skip("DATABASE_URL_TEST is not set")
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    assert await _migrated_reasons(engine) == {name: new for name, (_, new) in LEGACY_REASONS.items()}


def test_the_pause_cause_migration_knows_every_cause() -> None:
    """Migration 0004 writes the causes out (a migration must not change with the code); they
    must be exactly `PauseCause`'s, and every old name must become one of them."""
    migration = ScriptDirectory.from_config(alembic_config()).get_revision("0004")
    assert migration is not None
    assert set(migration.module.CAUSES) == {cause.value for cause in PauseCause}
    assert set(migration.module.LEGACY.values()) <= set(migration.module.CAUSES)
