"""Benchmark: withdrawals per minute with pacing off for 1, 2 and 4 `invitesweep worker` processes.

    python -m bench.workers postgresql+asyncpg://postgres:postgres@127.0.0.1:5432/postgres \
        [--accounts 20] [--pending 100] [--each 5] [--workers 1 2 4]

For each number of workers: a fresh database on the given PostgreSQL server (its own, dropped
afterwards), a fresh sandbox with one member per account (`--pending` invitations each) and our
local Bot API server, both in this process; every account signed in with its own member's session
and synced (in memory, over the member's world), then `--each` withdrawals queued per account
(undo window 0, active around the clock). Then N real `invitesweep worker` processes (pacing
0 s, Chromium against the sandbox) run until every action has ended. Reported: withdrawals per
minute over the work itself (first action started → last one finished, the actions' own
timestamps), the wall time from spawning the processes (start-up included), the ratio to one
worker, and the checks: each requested withdrawal done once in the sandbox, and no member ever
seen with two of its sessions busy at once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import sys
import tempfile
import time
from asyncio.subprocess import DEVNULL
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db.migrate import upgrade_engine
from bot.db.models import Action, ActionState
from bot.db.session import SessionFactory, create_engine, create_session_factory
from sandbox import SandboxConfig, SandboxServer
from tests.botapi import BotApiServer
from tests.fixtures.processes import seed_members

DATABASE = "invitesweep_bench_workers"
INVITESWEEP = str(Path(sys.executable).with_name("invitesweep"))
OWNER = 1001


def database_url(server_url: str, database: str) -> str:
    return make_url(server_url).set(database=database).render_as_string(hide_password=False)


async def recreate_database(server_url: str, *, drop_only: bool = False) -> None:
    admin = create_async_engine(database_url(server_url, "postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        if not drop_only:
            await connection.execute(text(f"CREATE DATABASE {DATABASE}"))
    await admin.dispose()


async def ended(db: SessionFactory) -> dict[ActionState, int]:
    async with db() as session:
        rows = await session.execute(select(Action.state, func.count()).group_by(Action.state))
        return {state: count for state, count in rows.all()}


async def one_round(
    server_url: str, workers: int, accounts: int, pending: int, each: int
) -> dict[str, float]:
    await recreate_database(server_url)
    engine = create_engine(database_url(server_url, DATABASE))
    await upgrade_engine(engine)
    db = create_session_factory(engine)
    key = Fernet.generate_key()
    processes: list[asyncio.subprocess.Process] = []
    with SandboxServer(SandboxConfig()) as sandbox, tempfile.TemporaryDirectory() as folder:
        botapi = BotApiServer().start()
        try:
            await seed_members(db, sandbox, key, accounts=accounts, pending=pending, each=each, owner=OWNER)
            async with db() as session:
                queued = await session.scalar(select(func.count()).select_from(Action)) or 0
            env = {
                **os.environ,
                "TELEGRAM_BOT_TOKEN": botapi.token,
                "TELEGRAM_API_BASE_URL": botapi.base_url,
                "TELEGRAM_OWNER_IDS": str(OWNER),
                "DATA_DIR": str(Path(folder) / "data"),
                "DATABASE_URL": database_url(server_url, DATABASE),
                "SESSION_KEY": key.decode(),
                "LINKEDIN_BASE_URL": sandbox.base_url,
                "PACING_MIN_SECONDS": "0",
                "PACING_MAX_SECONDS": "0",
            }
            load_before = os.getloadavg()[0]
            started = time.perf_counter()
            for _ in range(workers):
                processes.append(
                    await asyncio.create_subprocess_exec(
                        INVITESWEEP, "worker", env=env, stdout=DEVNULL, stderr=DEVNULL
                    )
                )
            while True:
                states = await ended(db)
                if not states.get(ActionState.QUEUED) and not states.get(ActionState.RUNNING):
                    break
                if time.perf_counter() - started > 1800:
                    raise TimeoutError(f"not done after 30 minutes: {states}")
                await asyncio.sleep(0.5)
            wall = time.perf_counter() - started
            load_after = os.getloadavg()[0]
        finally:
            for process in processes:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes:
                await process.wait()
            botapi.stop()
        async with db() as session:
            first = await session.scalar(select(func.min(Action.started_at)))
            last = await session.scalar(select(func.max(Action.finished_at)))
        withdrawn = sum(len(sandbox.identities.get(f"member-{n}").withdrawn_slugs()) for n in range(accounts))
        overlaps = max(sandbox.sessions_at_once().values(), default=0)
    await engine.dispose()
    await recreate_database(server_url, drop_only=True)
    assert first is not None and last is not None
    working = (last - first).total_seconds()
    done = states.get(ActionState.DONE, 0)
    return {
        "queued": queued,
        "done": done,
        "failed": states.get(ActionState.FAILED, 0),
        "withdrawn": withdrawn,
        "most_at_once": overlaps,
        "per_minute": done / working * 60,
        "working": working,
        "wall": wall,
        "load_before": load_before,
        "load_after": load_after,
    }


async def main(server_url: str, counts: list[int], accounts: int, pending: int, each: int) -> None:
    print(
        f"python {platform.python_version()}, {platform.system()} {platform.machine()}, {os.cpu_count()} cpus"
    )
    print(f"{accounts} accounts, {pending} pending each, {each} withdrawals queued per account, pacing off")
    rates: dict[int, float] = {}
    for workers in counts:  # in the order given: reversed, a rising load favours the fewer workers
        result = await one_round(server_url, workers, accounts, pending, each)
        rates[workers] = result["per_minute"]
        print(
            f"{workers} worker(s): {result['done']:.0f}/{result['queued']:.0f} done"
            f" ({result['failed']:.0f} failed, {result['withdrawn']:.0f} withdrawn in the sandbox,"
            f" most sessions of one member at once {result['most_at_once']:.0f})"
            f"  {result['per_minute']:.1f}/min over {result['working']:.1f} s of work"
            f"  wall from spawn {result['wall']:.1f} s"
            f"  load {result['load_before']:.1f}→{result['load_after']:.1f}"
        )
    if 1 in rates:
        print(
            "ratio to one worker: " + ", ".join(f"{n}: {rate / rates[1]:.2f}×" for n, rate in rates.items())
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "url", help="a PostgreSQL server, e.g. postgresql+asyncpg://postgres:postgres@127.0.0.1/postgres"
    )
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--pending", type=int, default=100)
    parser.add_argument("--each", type=int, default=5, help="withdrawals queued per account")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    asyncio.run(main(args.url, args.workers, args.accounts, args.pending, args.each))
