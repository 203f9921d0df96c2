"""The scale-out proof (issue 10, item 7): real `web` and `worker` processes on one PostgreSQL.

1. One `invitesweep web` and three `invitesweep worker` processes, 20 accounts of 100 pending
   invitations each (20 sandbox members, sessions adopted, synced into the store in memory over
   each member's own world), withdrawals queued on every account, pacing off. One worker is
   SIGKILLed (with its Chromium) while it holds an account and has an action RUNNING (stopped
   for the moment the test reads what it holds, so that reading is exact). Its
   accounts resume on the others (how long it took is printed; run with -s); every requested
   withdrawal reached the sandbox exactly once and is recorded done once; nothing is left active
   or failed; and no member ever had two browser sessions at once (the sandbox's exact record,
   `sandbox/browser_sessions.py`).
2. Two webhook `web` processes on one database and one Bot API double send each account's weekly
   digest exactly once, to owners of their own.
3. A webhook update with a wrong or missing secret is refused (403, not handled): proved by
   `tests/bot/test_webhook.py::test_only_updates_with_the_secret_token_are_handled` (missing,
   wrong and right, over real HTTP) and, for a real `web` process, by
   `tests/test_web_worker_cli.py::test_a_webhook_web_process_serves_and_stops_cleanly_on_sigterm`;
   not repeated here.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from bot.db.migrate import upgrade_engine
from bot.db.models import Account, AccountLease, Action, ActionState, DigestSent, Event, Person
from bot.db.session import SessionFactory, create_engine, create_session_factory
from bot.jobs import WORKER_SECONDS
from bot.services.clock import system_clock
from bot.services.rhythm import ALWAYS
from sandbox import SandboxServer
from tests.botapi import BotApiServer
from tests.fixtures.botapi import OWNER, wait_until
from tests.fixtures.processes import INVITESWEEP, free_port, process_env, seed_members

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

ACCOUNTS = 20
PENDING = 100
EACH = 3  # withdrawals queued per account
WORKERS = 3
LEASE_SECONDS = 10.0
DIGEST = "Your weekly invitation digest"


@pytest.fixture
async def store(postgres_url: str) -> AsyncIterator[SessionFactory]:
    """The processes' PostgreSQL database, migrated, as this test reads and seeds it."""
    engine = create_engine(postgres_url)
    await upgrade_engine(engine)
    try:
        yield create_session_factory(engine)
    finally:
        await engine.dispose()


class Processes:
    """Spawned `invitesweep` processes, each with its output in a file (a pipe nobody reads fills up)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.running: list[tuple[asyncio.subprocess.Process, IO[bytes]]] = []

    async def spawn(self, name: str, *args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
        log = (self.folder / f"{name}.log").open("wb")
        process = await asyncio.create_subprocess_exec(
            INVITESWEEP,
            *args,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,  # its own process group: a signal to it reaches its Chromium too
        )
        self.running.append((process, log))
        return process

    def output(self) -> str:
        return "\n".join(f"--- {path.name}\n{path.read_text()[-3000:]}" for path in self.folder.glob("*.log"))

    async def stop_all(self) -> list[int | None]:
        """SIGTERM to the ones still running; a process that does not end in a minute is killed."""
        for process, _ in self.running:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process, log in self.running:
            try:
                await asyncio.wait_for(process.wait(), 60)
            except TimeoutError:
                os.killpg(process.pid, signal.SIGKILL)
                await process.wait()
            log.close()
        return [process.returncode for process, _ in self.running]


async def _states(db: SessionFactory) -> Counter[ActionState]:
    async with db() as session:
        rows = await session.execute(select(Action.state, func.count()).group_by(Action.state))
        return Counter({state: count for state, count in rows.all()})


async def _running_under(db: SessionFactory, pids: set[int]) -> dict[int, int]:
    """Actions RUNNING now under a lease held by one of `pids`: action id → holder pid."""
    async with db() as session:
        rows = await session.execute(
            select(Action.id, AccountLease.holder_pid)
            .join(AccountLease, AccountLease.account_id == Action.account_id)
            .where(Action.state == ActionState.RUNNING, AccountLease.holder_pid.in_(pids))
        )
        return {action: pid for action, pid in rows.all() if pid is not None}


async def _leases_of(db: SessionFactory, pid: int) -> dict[int, int]:
    """The accounts whose lease `pid` holds and that still have work: account id → lease token."""
    async with db() as session:
        active = select(Action.account_id).where(Action.state.in_([ActionState.QUEUED, ActionState.RUNNING]))
        rows = await session.execute(
            select(AccountLease.account_id, AccountLease.token).where(
                AccountLease.holder_pid == pid, AccountLease.account_id.in_(active)
            )
        )
        return dict(rows.all())


async def _tokens_and_done(db: SessionFactory, accounts: set[int]) -> dict[int, tuple[int, int]]:
    """For each of `accounts`: its lease token and how many of its actions are DONE."""
    async with db() as session:
        done = (
            select(func.count())
            .where(Action.account_id == AccountLease.account_id, Action.state == ActionState.DONE)
            .scalar_subquery()
        )
        rows = await session.execute(
            select(AccountLease.account_id, AccountLease.token, done).where(
                AccountLease.account_id.in_(accounts)
            )
        )
        return {account: (token, count) for account, token, count in rows.all()}


async def test_three_workers_one_killed_mid_batch_every_withdrawal_once_and_never_two_sessions(
    botapi: BotApiServer, tmp_path: Path, postgres_url: str, store: SessionFactory, sandbox: SandboxServer
) -> None:
    key = Fernet.generate_key()
    started = time.monotonic()
    await seed_members(store, sandbox, key, accounts=ACCOUNTS, pending=PENDING, each=EACH)
    async with store() as session:
        rows = await session.execute(
            select(Account.name, Person.slug)
            .join(Action, Action.account_id == Account.id)
            .join(Person, Person.id == Action.person_id)
        )
        requested: dict[str, list[str]] = {}
        for member, slug in rows.all():
            requested.setdefault(member, []).append(slug)
    total = sum(len(slugs) for slugs in requested.values())
    assert len(requested) == ACCOUNTS and total == ACCOUNTS * EACH
    seeded_in = time.monotonic() - started

    env = {
        **process_env(botapi, tmp_path, postgres_url),
        "SESSION_KEY": key.decode(),
        "LINKEDIN_BASE_URL": sandbox.base_url,
        "PACING_MIN_SECONDS": "0",
        "PACING_MAX_SECONDS": "0",
        "WORKER_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    processes = Processes(tmp_path)
    load_before = os.getloadavg()[0]
    try:
        await processes.spawn("web", "web", env=env)
        workers = {
            process.pid: process
            for process in [await processes.spawn(f"worker-{n}", "worker", env=env) for n in range(WORKERS)]
        }

        async def frozen_mid_batch() -> tuple[int, dict[int, tuple[int, int]], int] | None:
            """Once a sixth of the work is done, a worker with an action RUNNING, stopped (SIGSTOP)
            while the store is read: what it holds cannot change under the reading."""
            if (await _states(store))[ActionState.DONE] < total // 6:
                return None
            for pid in set((await _running_under(store, set(workers))).values()):
                os.killpg(pid, signal.SIGSTOP)
                running = len(await _running_under(store, {pid}))
                held = await _tokens_and_done(store, set(await _leases_of(store, pid)))
                if running and held:
                    return pid, held, running
                os.killpg(pid, signal.SIGCONT)  # it finished meanwhile: another moment
            return None

        victim = None
        for _ in range(2400):  # 4 minutes at most
            victim = await frozen_mid_batch()
            if victim is not None:
                break
            await asyncio.sleep(0.05)
        assert victim is not None, processes.output()
        victim_pid, orphaned, running_when_killed = victim
        os.killpg(victim_pid, signal.SIGKILL)
        killed_at = time.monotonic()
        await workers[victim_pid].wait()

        taken_after: dict[int, float] = {}  # another worker took the account's lease
        resumed_after: dict[int, float] = {}  # and the account's work moved on (one more done)
        states: Counter[ActionState] = Counter()
        for _ in range(3000):  # until nothing is queued or running (5 minutes at most)
            for account, (token, done) in (await _tokens_and_done(store, set(orphaned))).items():
                if account not in taken_after and token != orphaned[account][0]:
                    taken_after[account] = time.monotonic() - killed_at
                if account not in resumed_after and done > orphaned[account][1]:
                    resumed_after[account] = time.monotonic() - killed_at
            states = await _states(store)
            if not states[ActionState.QUEUED] and not states[ActionState.RUNNING]:
                break
            await asyncio.sleep(0.1)
        finished_in = time.monotonic() - started
    finally:
        returncodes = await processes.stop_all()
    load_after = os.getloadavg()[0]

    slowest = max(resumed_after.values(), default=0.0)
    print(
        f"\nseeded {ACCOUNTS}×{PENDING} in {seeded_in:.1f} s; killed worker {victim_pid} holding"
        f" {len(orphaned)} account(s) with work left, {running_when_killed} action(s) RUNNING; its accounts"
        f" taken over after {_seconds(taken_after)}, their work moving on after {_seconds(resumed_after)}"
        f" (lease {LEASE_SECONDS:.0f} s); all {total} done {finished_in:.1f} s after the start;"
        f" load {load_before:.1f}→{load_after:.1f}"
    )
    output = processes.output()
    assert set(taken_after) == set(resumed_after) == set(orphaned), output
    # Known dead on this machine, its accounts may be taken at once; on another machine after the
    # lease: either way within the lease and a worker's polling interval. The work moving on also
    # needs a readback and a withdrawal in Chromium: room for a busy CI machine.
    assert max(taken_after.values()) <= LEASE_SECONDS + WORKER_SECONDS, output
    assert slowest <= 3 * (LEASE_SECONDS + WORKER_SECONDS), output
    assert states == Counter({ActionState.DONE: total}), (states, output)  # none lost, none failed

    for member, slugs in requested.items():  # exactly once on the sandbox
        world = sandbox.identities.get(member)
        assert sorted(world.withdrawn_slugs()) == sorted(slugs), member
        assert world.withdraw_requests() == dict.fromkeys(slugs, 1), member
    async with store() as session:
        withdrawn = Counter(
            (
                await session.scalars(select(Event.invitation_id).where(Event.kind == "invitation_withdrawn"))
            ).all()
        )
    assert len(withdrawn) == total and set(withdrawn.values()) == {1}  # recorded done once each
    overlaps = sandbox.session_overlaps()
    assert all(overlaps.get(member, 0) == 0 for member in requested), overlaps
    assert all(sandbox.browser_sessions().get(member, 0) >= 1 for member in requested)
    assert [code for code in returncodes if code != -signal.SIGKILL] == [0] * WORKERS, output


async def _health(port: int) -> int:
    """The status of a `web` process's health endpoint; its server may start listening a moment
    after its jobs (the late digest) have started."""
    async with httpx.AsyncClient() as http:
        for _ in range(300):
            try:
                return (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code
            except httpx.ConnectError:
                await asyncio.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port}")


def _seconds(figures: dict[int, float]) -> str:
    return ", ".join(f"{s:.2f} s" for s in sorted(figures.values())) or "never"


def _due_now(owner: int) -> Account:
    """An account of `owner`'s whose weekly digest is due: this week's slot is the current hour."""
    now = system_clock()
    return Account(
        name=f"owner-{owner}",
        owner_telegram_id=owner,
        chat_id=owner,
        timezone="UTC",
        digest_weekday=now.weekday(),
        digest_hour=now.hour,
        **ALWAYS,
    )


async def test_web_processes_send_each_accounts_weekly_digest_exactly_once(
    botapi: BotApiServer, tmp_path: Path, postgres_url: str, store: SessionFactory
) -> None:
    """Two webhook `web` processes start together on due digests; a third, started once those are
    out, must scan (it is the only one to send a digest that fell due meanwhile) and sends no other."""
    owners = tuple(range(2001, 2008))
    first, late = owners[:-1], owners[-1]
    async with store.begin() as session:
        session.add_all([_due_now(owner) for owner in first])
    env = process_env(botapi, tmp_path, postgres_url, owners=owners)
    processes = Processes(tmp_path)
    ports: list[int] = []
    while len(ports) < 3:  # three different ones
        if (port := free_port()) not in ports:
            ports.append(port)

    def digests() -> Counter[int]:
        return Counter(chat for chat in owners for m in botapi.bot_messages(chat) if DIGEST in (m.text or ""))

    async def web(n: int) -> None:
        args = [
            "--webhook-url",
            "https://bot.example.com/tg",
            "--listen",
            "127.0.0.1",
            "--port",
            str(ports[n]),
        ]
        await processes.spawn(f"web-{n}", "web", *args, env=env)

    try:
        await web(0)
        await web(1)
        await wait_until(lambda: len(digests()) == len(first), within=90, what="the first owners' digests")
        async with store.begin() as session:
            session.add(_due_now(late))
        await web(2)
        await wait_until(lambda: digests()[late], within=90, what="the late owner's digest, from the third")
        for _ in range(600):  # every week's claim has its message: the deliveries are through
            async with store() as session:
                recorded = await session.scalar(
                    select(func.count()).where(DigestSent.message_id.is_not(None)).select_from(DigestSent)
                )
            if recorded == len(owners):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # room for a duplicate started by the same scans to arrive
        health = [await _health(port) for port in ports]  # all three still serve: none died in the race
    finally:
        returncodes = await processes.stop_all()
    assert digests() == Counter(dict.fromkeys(owners, 1)), processes.output()
    assert health == [200, 200, 200]
    assert botapi.bot_messages(OWNER) == []
    assert returncodes == [0, 0, 0], processes.output()
