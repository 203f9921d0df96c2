"""On PostgreSQL, a transaction left idle (a frozen process) is ended by the server, releasing its locks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.db.session import IDLE_TRANSACTION_TIMEOUT, create_engine
from tests.services.backends import postgres_url

pytestmark = pytest.mark.postgres


async def test_a_connection_idle_in_a_transaction_is_ended_and_its_row_lock_freed() -> None:
    frozen = create_engine(postgres_url(), idle_transaction_timeout=timedelta(milliseconds=500))
    other = create_engine(postgres_url())
    try:
        async with other.begin() as connection:
            await connection.execute(text("DROP TABLE IF EXISTS idle_probe"))
            await connection.execute(text("CREATE TABLE idle_probe (id int PRIMARY KEY, n int)"))
            await connection.execute(text("INSERT INTO idle_probe VALUES (1, 0)"))
        stuck = await frozen.connect()
        await stuck.begin()
        await stuck.execute(text("SELECT n FROM idle_probe WHERE id = 1 FOR UPDATE"))
        # ...and then nothing: the process holding `stuck` is as good as stopped.
        async with other.begin() as connection:
            await connection.execute(text("SET LOCAL lock_timeout = '20s'"))
            await connection.execute(text("UPDATE idle_probe SET n = n + 1 WHERE id = 1"))
        with pytest.raises(DBAPIError):  # woken up, the frozen one finds its session gone
            await stuck.execute(text("SELECT 1"))
        await stuck.invalidate()
        async with other.connect() as connection:
            assert (await connection.execute(text("SELECT n FROM idle_probe"))).scalar_one() == 1
            await connection.execute(text("DROP TABLE idle_probe"))
            await connection.commit()
    finally:
        await frozen.dispose()
        await other.dispose()


async def test_the_products_sessions_carry_the_idle_transaction_timeout() -> None:
    engine = create_engine(postgres_url())
    try:
        async with engine.connect() as connection:
            shown = (await connection.execute(text("SHOW idle_in_transaction_session_timeout"))).scalar_one()
    finally:
        await engine.dispose()
    assert shown == f"{int(IDLE_TRANSACTION_TIMEOUT.total_seconds())}s"


def test_the_timeout_outlasts_any_transaction_of_ours_but_not_a_lease() -> None:
    from bot.services.actions.leases import DEFAULT_LEASE

    assert timedelta(seconds=5) < IDLE_TRANSACTION_TIMEOUT <= DEFAULT_LEASE
