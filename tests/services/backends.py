"""The store on each backend the coordination code runs on: this test's SQLite file, or a fresh PostgreSQL.

    async def test_something(store): ...  # the `store` fixture of tests/services/conftest.py

PostgreSQL needs `DATABASE_URL_TEST`; without it those cases skip. Its schema is dropped and
migrated afresh for each test.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.migrate import upgrade_engine
from bot.db.session import SessionFactory, create_engine, create_session_factory

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def postgres_url() -> str:
    url = os.environ.get("DATABASE_URL_TEST")
    if not url:
        pytest.skip("DATABASE_URL_TEST is not set")
    return url


@contextlib.asynccontextmanager
async def fresh_postgres() -> AsyncIterator[AsyncEngine]:
    """An engine on the test PostgreSQL, its public schema emptied and migrated to head."""
    engine = create_engine(postgres_url())
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await upgrade_engine(engine)
    try:
        yield engine
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def open_backend(kind: str, sqlite_engine: AsyncEngine) -> AsyncIterator[SessionFactory]:
    if kind == "sqlite":
        yield create_session_factory(sqlite_engine)
        return
    async with fresh_postgres() as engine:
        yield create_session_factory(engine)
