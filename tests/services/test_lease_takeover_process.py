"""A real worker process on PostgreSQL stalls (SIGSTOP) or dies (SIGKILL) mid-batch; another takes over.

The worker is `tests.services.crash_runner` with a 3-second lease, on real Chromium against the
sandbox. A stopped worker is alive but silent (a stalled process, a lost network): its account is
taken over once its lease runs out, and when it wakes its outcome is not recorded. A killed one
on this machine is known dead: its account is taken over at once. Either way every requested
withdrawal happens exactly once. How long the take-over took is printed (run with -s to see it).
"""

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser
from sqlalchemy import func, select

from automation.client import LinkedInClient
from automation.config import AutomationConfig
from bot.db.models import ACTIVE_ACTION_STATES, Account, AccountLease, Action, Event, Invitation, Person
from bot.db.session import SessionFactory, create_session_factory
from bot.services.actions import WorkerPolicy, request_bulk_withdrawal, run_due_actions
from bot.services.clock import system_clock
from bot.services.linkedin import ClientProvider
from bot.services.rhythm import ALWAYS
from bot.services.secrets import SessionVault
from bot.services.session_health import adopt_session
from bot.services.sync import sync_account
from sandbox import SandboxServer
from tests.services.backends import fresh_postgres, postgres_url

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

REPO = Path(__file__).resolve().parents[2]
LEASE = timedelta(seconds=3)
BATCH = 6


@pytest.fixture
async def pg() -> AsyncIterator[SessionFactory]:
    async with fresh_postgres() as engine:
        yield create_session_factory(engine)


async def _lease_token(pg: SessionFactory, account_id: int) -> int | None:
    async with pg() as session:
        return (
            await session.execute(select(AccountLease.token).where(AccountLease.account_id == account_id))
        ).scalar_one_or_none()


async def _active(pg: SessionFactory) -> int:
    async with pg() as session:
        query = select(func.count()).where(Action.state.in_(ACTIVE_ACTION_STATES))
        return int((await session.execute(query)).scalar_one())


@pytest.mark.parametrize("stop", [signal.SIGSTOP, signal.SIGKILL], ids=["stalled", "killed"])
async def test_another_worker_takes_over_a_stalled_or_killed_workers_account_and_nothing_happens_twice(
    stop: signal.Signals,
    pg: SessionFactory,
    session_key: bytes,
    vault: SessionVault,
    browser: Browser,
    automation_config: AutomationConfig,
    sandbox: SandboxServer,
) -> None:
    sandbox.reset(pending=BATCH + 2)
    provider = ClientProvider(
        pg,
        vault,
        lambda state, identity=None: LinkedInClient(browser, automation_config, state, identity=identity),
        system_clock,
    )
    async with pg.begin() as session:
        account = Account(name="default", owner_telegram_id=7, **ALWAYS)
        session.add(account)
        await session.flush()
        await adopt_session(session, account, vault, sandbox.storage_state(), system_clock())
    async with provider.open(account) as client:
        await sync_account(pg, client, account.id, system_clock)
    await request_bulk_withdrawal(
        pg, account.id, 0, BATCH, None, now=system_clock(), undo_window=timedelta(0)
    )
    async with pg() as session:
        requested = sorted(
            (await session.execute(select(Person.slug).join(Action, Action.person_id == Person.id))).scalars()
        )
    assert len(requested) == BATCH

    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.services.crash_runner",
        "--database-url",
        postgres_url(),
        "--lease-seconds",
        str(LEASE.total_seconds()),
        "--base-url",
        sandbox.base_url,
        cwd=REPO,
        env={**os.environ, "SESSION_KEY": session_key.decode(), "PYTHONPATH": str(REPO)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the signal reaches its Chromium too
    )
    assert worker.stdout is not None
    lines: list[bytes] = []
    while len(lines) < 2:  # "ready", then its first outcome: it holds the account, mid-batch
        line = await asyncio.wait_for(worker.stdout.readline(), 120)
        assert line, "the worker ended before its first outcome"
        lines.append(line)
    held = await _lease_token(pg, account.id)
    os.killpg(worker.pid, stop)
    stopped_at = time.monotonic()

    policy = WorkerPolicy(lease=LEASE)
    taken_over_after: float | None = None
    for _ in range(600):  # a worker polling every 0.1 s until the batch is through
        run = asyncio.create_task(run_due_actions(pg, provider, system_clock, policy=policy))
        while not run.done():  # when did this worker get the account?
            if taken_over_after is None and await _lease_token(pg, account.id) != held:
                taken_over_after = time.monotonic() - stopped_at
            await asyncio.wait([run], timeout=0.05)
        await run
        if not await _active(pg):
            break
        await asyncio.sleep(0.1)
    assert taken_over_after is not None
    print(f"\n{stop.name}: account taken over {taken_over_after:.2f} s after the signal (lease {LEASE})")

    if stop is signal.SIGSTOP:
        os.killpg(worker.pid, signal.SIGCONT)  # it wakes up after losing the account
    await asyncio.wait_for(worker.wait(), 120)

    assert await _active(pg) == 0
    assert sorted(sandbox.state.withdrawn_slugs()) == requested
    async with pg() as session:
        withdrawn = (
            await session.execute(
                select(Event.invitation_id, func.count())
                .where(Event.kind == "invitation_withdrawn")
                .group_by(Event.invitation_id)
            )
        ).all()
        invitations = (await session.execute(select(func.count()).select_from(Invitation))).scalar_one()
    assert len(withdrawn) == BATCH and all(n == 1 for _, n in withdrawn)  # none doubled, none lost
    assert invitations == BATCH + 2
