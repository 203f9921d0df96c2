"""Fixtures of the services' tests: `store`, one test on each backend the coordination code runs on."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.session import SessionFactory
from tests.services.backends import BACKENDS, open_backend


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, db_engine: AsyncEngine) -> AsyncIterator[SessionFactory]:
    """This test's SQLite store, or a fresh PostgreSQL one (skipped without `DATABASE_URL_TEST`)."""
    async with open_backend(request.param, db_engine) as db:
        yield db
