"""Benchmark: the four due-scans over 100,000 accounts on PostgreSQL, with their query plans.

    python bench/scans.py postgresql+asyncpg://postgres:postgres@127.0.0.1:5432/postgres \
        [--accounts 100000] [--weeks 3] [--repeat 10] [--no-plans] [--keep]

Goal: each scan in ≤ 1 s. The URL names a PostgreSQL server (its database part is ignored): the
script creates its own database there, migrates it with Alembic like a real one, seeds it in SQL
(`generate_series`, seconds for 100,000 accounts), times each scan as the product's jobs run it
(the same service functions: `digest_schedule.due_accounts`, `reminders.scan_due`,
`followups.scan_due`, `sync_schedule.accounts_due_for_sync`), prints median and max of `repeat`
runs after one warm-up, then the EXPLAIN ANALYZE plan of every statement each scan sends, and
drops the database (unless `--keep`).

The seeded shape, at NOW (a Tuesday, 10:00 UTC), in steady state: accounts spread over twelve
timezones, 60% on the default digest slot (Monday 09:00) and the rest on any weekday and hour, 2%
without a chat, 1% paused, 90% signed in; the daily sync done some time in the last 25 hours (so
~4% are due, as at an hourly scan), 1% never synced. Each account has three people: two withdrawn
invitations with cooldown reminders (half already sent; the waiting ones due over the next three
weeks, ~0.5% overdue) and one accepted invitation with its follow-up (30% waiting, due over three
days, ~0.7% overdue). `digests_sent` holds three past weeks (`--weeks`) for every account with a chat, and
this week for every account whose digest time has passed, but for ~0.2% still to send.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, create_async_engine

from bot.db.migrate import upgrade_engine
from bot.db.session import SessionFactory, create_engine, create_session_factory
from bot.services import digest_schedule, followups, reminders, sync_schedule

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday, 10:00 UTC
DATABASE = "invitesweep_bench_scans"
TIMEZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
)

SEED = [
    "SELECT setseed(0.7)",
    """
    INSERT INTO accounts (id, name, owner_telegram_id, chat_id, session_status, plan, timezone, language,
        digest_weekday, digest_hour, review_days, suggest_days, withdraw_days, daily_withdraw_cap,
        cap_override, cooldown_days, pending_ceiling, paused, paused_reason, paused_at, last_synced_at)
    SELECT i, 'account-' || i, 1000000 + i,
        CASE WHEN random() < 0.02 THEN NULL ELSE 1000000 + i END,
        CASE WHEN r < 0.90 THEN 'valid' WHEN r < 0.95 THEN 'expired' ELSE 'none' END,
        'free', (:timezones)[1 + (i % :zones)], 'en',
        CASE WHEN d < 0.6 THEN 0 ELSE floor(random() * 7) END,
        CASE WHEN d < 0.6 THEN 9 ELSE floor(random() * 24) END,
        30, 60, 90, 30, false, 21, 500,
        p < 0.01, CASE WHEN p < 0.01 THEN 'LinkedIn asked to verify' END,
        CASE WHEN p < 0.01 THEN :now - interval '2 days' END,
        CASE WHEN random() < 0.01 THEN NULL ELSE :now - random() * interval '25 hours' END
    FROM (SELECT i, random() AS r, random() AS d, random() AS p FROM generate_series(1, :accounts) AS i) AS s
    """,
    """
    INSERT INTO people (id, account_id, slug, name, headline, profile_url, keep, tags)
    SELECT (a - 1) * 3 + j, a, 'member-' || a || '-' || j, 'Member ' || a || ' ' || j,
        'Engineer at Example', 'https://www.linkedin.com/in/member-' || a || '-' || j || '/', false, ''
    FROM generate_series(1, :accounts) AS a, generate_series(1, 3) AS j
    """,
    """
    INSERT INTO invitations (id, account_id, person_id, state, sent_at_earliest, sent_at_latest,
        first_seen_at, last_seen_at, sent_by_us, had_note, closed_at, withdrawn_at, cooldown_ends_at)
    SELECT id, account_id, id, CASE WHEN id % 3 = 0 THEN 'accepted' ELSE 'withdrawn' END,
        closed - interval '120 days', closed - interval '90 days', closed - interval '90 days', closed,
        false, false, closed, CASE WHEN id % 3 = 0 THEN NULL ELSE closed END,
        CASE WHEN id % 3 = 0 THEN NULL ELSE closed + interval '21 days' END
    FROM (SELECT id, account_id, :now - random() * interval '30 days' AS closed FROM people) AS p
    """,
    """
    INSERT INTO reminders (account_id, invitation_id, person_id, state, due_at, sent_at, attempts,
        chat_id, message_id)
    SELECT account_id, id, id, CASE WHEN sent THEN 'sent' ELSE 'due' END,
        CASE WHEN sent THEN :now - random() * interval '20 days'
             ELSE :now + (random() * 21 - 0.1) * interval '1 day' END,
        CASE WHEN sent THEN :now - random() * interval '20 days' END, 0,
        CASE WHEN sent THEN 1000000 + account_id END, CASE WHEN sent THEN id END
    FROM (SELECT id, account_id, random() < 0.5 AS sent FROM invitations WHERE state = 'withdrawn') AS w
    """,
    """
    INSERT INTO followups (account_id, invitation_id, person_id, state, accepted_at, due_at,
        card_sent_at, attempts)
    SELECT account_id, id, id, CASE WHEN r < 0.3 THEN 'due' WHEN r < 0.5 THEN 'shown'
        WHEN r < 0.8 THEN 'sent' ELSE 'done' END,
        :now - interval '3 days', CASE WHEN r < 0.3 THEN :now + (random() * 3 - 0.02) * interval '1 day'
        ELSE :now - random() * interval '20 days' END,
        CASE WHEN r < 0.3 THEN NULL ELSE :now - random() * interval '20 days' END, 0
    FROM (SELECT id, account_id, random() AS r FROM invitations WHERE state = 'accepted') AS a
    """,
    """
    INSERT INTO digests_sent (account_id, iso_week, sent_at, chat_id, message_id)
    SELECT id, to_char(local - weeks * interval '7 days', 'IYYY-"W"IW'), :now - weeks * interval '7 days',
        chat_id, 1
    FROM (SELECT id, chat_id, digest_weekday, digest_hour, (:now AT TIME ZONE timezone) AS local
          FROM accounts WHERE chat_id IS NOT NULL) AS a, generate_series(0, :weeks) AS weeks
    WHERE weeks > 0 OR (digest_weekday * 24 + digest_hour
        <= (extract(isodow FROM local)::int - 1) * 24 + extract(hour FROM local)::int AND random() > 0.002)
    """,
    "SELECT setval(pg_get_serial_sequence(:table, 'id'), (SELECT max(id) FROM {table}))",
]
SEQUENCES = ("accounts", "people", "invitations", "reminders", "followups", "digests_sent")


def database_url(server_url: str, database: str) -> str:
    return make_url(server_url).set(database=database).render_as_string(hide_password=False)


async def create_database(server_url: str, *, drop: bool = False) -> None:
    admin = create_async_engine(database_url(server_url, "postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        if not drop:
            await connection.execute(text(f"CREATE DATABASE {DATABASE}"))
    await admin.dispose()


async def seed(connection: AsyncConnection, accounts: int, weeks: int) -> None:
    values: dict[str, Any] = {
        "accounts": accounts,
        "now": NOW,
        "timezones": list(TIMEZONES),
        "zones": len(TIMEZONES),
        "weeks": weeks,
    }
    types = {"accounts": "int", "now": "timestamptz", "timezones": "text[]", "zones": "int", "weeks": "int"}
    for statement in SEED[:-1]:
        names = [name for name in values if f":{name}" in statement]
        for name in names:  # asyncpg needs the types of parameters PostgreSQL cannot infer
            statement = statement.replace(f":{name}", f"CAST(:{name} AS {types[name]})")
        await connection.execute(text(statement), {name: values[name] for name in names})
    for table in SEQUENCES:
        await connection.execute(text(SEED[-1].format(table=table)), {"table": table})


async def counts(connection: AsyncConnection) -> str:
    parts = []
    for table in SEQUENCES:
        parts.append(f"{table} {await connection.scalar(text(f'SELECT count(*) FROM {table}')):,}")
    return ", ".join(parts)


@contextmanager
def captured(session: AsyncSession) -> Iterator[list[tuple[str, Any]]]:
    """The statements (and their parameters) the session sends while inside."""
    statements: list[tuple[str, Any]] = []
    engine = session.bind.sync_engine  # type: ignore[union-attr]

    def keep(
        _conn: object, _cursor: object, statement: str, parameters: Any, _context: object, many: bool
    ) -> None:
        if not many and not statement.lstrip().upper().startswith(("EXPLAIN", "SAVEPOINT", "RELEASE")):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", keep)


Scan = Callable[[AsyncSession], Awaitable[int]]


async def digest_scan(session: AsyncSession) -> int:
    return len(await digest_schedule.due_accounts(session, NOW))


async def reminder_scan(session: AsyncSession) -> int:
    return len(await reminders.scan_due(session, now=NOW))


async def followup_scan(session: AsyncSession) -> int:
    return len(await followups.scan_due(session, now=NOW))


async def sync_scan(session: AsyncSession) -> int:
    return len(await sync_schedule.accounts_due_for_sync(session, NOW))


SCANS: dict[str, Scan] = {
    "weekly-digest due-scan (digest_schedule.due_accounts)": digest_scan,
    "reminder due-scan (reminders.scan_due, batch of 200)": reminder_scan,
    "follow-up due-scan (followups.scan_due, batch of 200)": followup_scan,
    "daily-sync due-scan (sync_schedule.accounts_due_for_sync)": sync_scan,
}


async def run_once(db: SessionFactory, scan: Scan) -> int:
    """One scan as its job runs it, rolled back so that every run finds the same due rows."""
    async with db() as session:
        found = await scan(session)
        await session.rollback()
        return found


def failure(error: Exception) -> str:
    return f"FAILED: {type(error).__name__}: {str(error).splitlines()[0][:200]}"


async def timed(db: SessionFactory, label: str, scan: Scan, repeat: int) -> None:
    try:
        # The warm-up run: caches and compiled statements, as a long-running bot has them.
        found = await run_once(db, scan)
    except Exception as error:  # a scan that cannot run at this size is a result, not the end of the run
        print(f"{label:<58} {failure(error)}")
        return
    wall = []
    for _ in range(repeat):
        started = time.perf_counter()
        await run_once(db, scan)
        wall.append((time.perf_counter() - started) * 1000)
    median = statistics.median(wall)
    verdict = "ok" if median <= 1000 else "OVER GOAL"
    print(
        f"{label:<58} {found:>6} due  median {median:7.1f} ms  max {max(wall):7.1f} ms"
        f"  load {os.getloadavg()[0]:.1f}  goal 1000 ms  {verdict}"
    )


async def plans(db: SessionFactory, label: str, scan: Scan) -> None:
    """EXPLAIN ANALYZE of each statement the scan sends (its writes rolled back)."""
    print(f"\n=== {label}")
    async with db() as session:
        with captured(session) as statements:
            try:
                await scan(session)
            except Exception as error:
                print(f"    {failure(error)}")
                return
        connection = await session.connection()
        sent = Counter(statement for statement, _ in statements)
        shown: set[str] = set()
        for statement, parameters in statements:  # one plan per distinct statement
            if statement in shown:
                continue
            shown.add(statement)
            print(f"--- (sent {sent[statement]}×) {' '.join(statement.split())[:160]}")
            explained = await connection.exec_driver_sql(
                f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters
            )
            for (line,) in explained:
                print(f"    {line}")
        await session.rollback()


async def main(server_url: str, accounts: int, weeks: int, repeat: int, show_plans: bool, keep: bool) -> None:
    machine = f"{platform.system()} {platform.machine()}, {os.cpu_count()} cpus"
    await create_database(server_url)
    engine = create_engine(database_url(server_url, DATABASE))
    try:
        await upgrade_engine(engine)
        started = time.perf_counter()
        async with engine.begin() as connection:
            await seed(connection, accounts, weeks)
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE"))
            version = await connection.scalar(text("SHOW server_version"))
            print(f"python {platform.python_version()}, PostgreSQL {version}, {machine}")
            print(f"seeded in {time.perf_counter() - started:.1f} s: {await counts(connection)}")
        db = create_session_factory(engine)
        for label, scan in SCANS.items():
            await timed(db, label, scan, repeat)
        if show_plans:
            for label, scan in SCANS.items():
                await plans(db, label, scan)
    finally:
        await engine.dispose()
        if not keep:
            await create_database(server_url, drop=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "url", help="a PostgreSQL server, e.g. postgresql+asyncpg://postgres:postgres@127.0.0.1/postgres"
    )
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--weeks", type=int, default=3, help="past weeks of sent digests per account")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--no-plans", dest="plans", action="store_false")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    asyncio.run(main(args.url, args.accounts, args.weeks, args.repeat, args.plans, args.keep))
