"""Each pytest-xdist worker runs the `postgres` tests in its own database (tests/fixtures/postgres.py)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.db.session import create_engine
from tests.fixtures.postgres import worker_database


def test_a_worker_database_is_named_after_the_given_one_and_fits_postgresql() -> None:
    assert worker_database("invitesweep_test", "gw0") == "invitesweep_test_gw0"
    long = worker_database("d" * 63, "gw11")
    assert long == "d" * 58 + "_gw11"
    assert len(long.encode()) == 63


@pytest.mark.postgres
async def test_the_postgres_tests_of_a_worker_use_its_own_existing_database() -> None:
    url = os.environ.get("DATABASE_URL_TEST")
    if not url:
        pytest.skip("DATABASE_URL_TEST is not set")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            current = (await connection.execute(text("SELECT current_database()"))).scalar_one()
    finally:
        await engine.dispose()
    assert current == make_url(url).database
    if worker:
        assert current.endswith(f"_{worker}")
