"""Crash safety: a worker killed at any instant never withdraws twice and never loses a withdrawal.

Recovery in process (a claim left RUNNING, settled by reading LinkedIn back) meets LinkedIn as a
counterpart, so it runs on the in-memory one (tests/fakes/linkedin.py) over the sandbox's world;
the contract test holds that fake to the real client. The SIGKILL test runs real workers, each
with its own Chromium, in subprocesses against the sandbox and kills them mid-flight.
"""

import asyncio
import os
import random
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from automation.client import LinkedInClient
from bot.db.models import (
    ACTIVE_ACTION_STATES,
    Account,
    Action,
    ActionState,
    Event,
    Invitation,
    InvitationState,
    Person,
)
from bot.db.session import SessionFactory
from bot.services.actions import (
    Result,
    WorkerPolicy,
    claim_next_action,
    recover_interrupted,
    request_bulk_withdrawal,
    request_invite,
    request_withdrawal,
    run_due_actions,
)
from bot.services.actions.holders import Holder, current_holder
from bot.services.actions.transitions import holder_values
from bot.services.clock import FrozenClock, system_clock
from bot.services.linkedin import ClientProvider
from bot.services.secrets import SessionVault
from bot.services.session_health import PauseCause, adopt_session
from bot.services.sync import sync_account
from sandbox import SandboxServer
from tests.fixtures.store import killed_worker

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def linkedin(fake_linkedin: LinkedInClient) -> LinkedInClient:
    return fake_linkedin


@pytest.fixture
def provider(fake_provider: ClientProvider) -> ClientProvider:
    return fake_provider


@pytest.fixture
def clock(sandbox: SandboxServer) -> FrozenClock:
    return FrozenClock(sandbox.state.now())


async def _crash_mid_flight(
    db: SessionFactory, action_id: int, at: datetime, holder: Holder | None = None
) -> None:
    """Leave the action as a killed worker would: claimed (RUNNING) and never recorded."""
    async with db.begin() as session:
        action = await session.get_one(Action, action_id)
        action.state, action.started_at, action.attempts = ActionState.RUNNING, at, 1
        if holder is not None:
            for column, value in holder_values(holder).items():
                setattr(action, column, value)


async def _slug_ids(db: SessionFactory) -> dict[str, int]:
    async with db() as session:
        rows = await session.execute(
            select(Person.slug, Invitation.id).join(Invitation.person).order_by(Invitation.sent_at_latest)
        )
        return dict(rows.all())


async def _withdrawn_events(db: SessionFactory) -> list[int | None]:
    async with db() as session:
        query = select(Event.invitation_id).where(Event.kind == "invitation_withdrawn")
        return list((await session.execute(query)).scalars())


async def test_running_withdrawal_that_happened_is_recorded_not_repeated(
    db: SessionFactory,
    signed_in_account: Account,
    linkedin: LinkedInClient,
    provider: ClientProvider,
    sandbox: SandboxServer,
    clock: FrozenClock,
) -> None:
    sandbox.reset(pending=5)
    await sync_account(db, linkedin, signed_in_account.id, clock)
    slug, invitation_id = next(iter((await _slug_ids(db)).items()))
    action = await request_withdrawal(db, signed_in_account.id, invitation_id, now=clock())
    await _crash_mid_flight(db, action.id, clock())
    sandbox.state.withdraw(slug)  # the click landed just before the kill

    (outcome,) = await recover_interrupted(db, provider, clock)

    assert (outcome.result, outcome.state) == (Result.WITHDRAWN, ActionState.DONE)
    assert await _withdrawn_events(db) == [invitation_id]
    async with db() as session:
        assert (await session.get_one(Invitation, invitation_id)).state is InvitationState.WITHDRAWN
    assert await run_due_actions(db, provider, clock) == []
    assert sandbox.state.withdrawn_slugs() == [slug]


async def test_running_withdrawal_that_did_not_happen_goes_back_to_the_queue(
    db: SessionFactory,
    signed_in_account: Account,
    linkedin: LinkedInClient,
    provider: ClientProvider,
    sandbox: SandboxServer,
    clock: FrozenClock,
) -> None:
    sandbox.reset(pending=5)
    await sync_account(db, linkedin, signed_in_account.id, clock)
    slug, invitation_id = next(iter((await _slug_ids(db)).items()))
    action = await request_withdrawal(db, signed_in_account.id, invitation_id, now=clock())
    await _crash_mid_flight(db, action.id, clock())

    # Another worker's fresh claim is not taken over before its lease runs out...
    assert await run_due_actions(db, provider, clock, policy=WorkerPolicy(lease=timedelta(minutes=15))) == []
    # ...but at start-up (or after the lease) it is re-checked, found pending, and run once.
    clock.advance(timedelta(minutes=16))
    outcomes = await run_due_actions(db, provider, clock)

    assert [o.result for o in outcomes] == [Result.REQUEUED, Result.WITHDRAWN]
    assert await _withdrawn_events(db) == [invitation_id]
    assert sandbox.state.withdrawn_slugs() == [slug]


@pytest.mark.skipif(not os.path.exists("/proc/self/ns/pid"), reason="judging holders needs Linux /proc")
async def test_a_withdrawal_whose_holder_died_is_settled_at_once_not_after_the_lease(
    db: SessionFactory,
    signed_in_account: Account,
    linkedin: LinkedInClient,
    provider: ClientProvider,
    sandbox: SandboxServer,
    clock: FrozenClock,
) -> None:
    sandbox.reset(pending=5)
    await sync_account(db, linkedin, signed_in_account.id, clock)
    (dead_slug, dead_id), (live_slug, live_id), (far_slug, far_id) = list((await _slug_ids(db)).items())[:3]
    dead, live, far = [
        await request_withdrawal(db, signed_in_account.id, i, now=clock(), undo_window=timedelta(0))
        for i in (dead_id, live_id, far_id)
    ]
    await _crash_mid_flight(db, dead.id, clock(), killed_worker())
    sandbox.state.withdraw(dead_slug)  # the click landed just before the kill
    await _crash_mid_flight(db, live.id, clock(), current_holder())  # a live worker, mid-flight
    other_machine = Holder("other-host", 4242, "another-boot/pid:[4026531836]", 1234)
    await _crash_mid_flight(db, far.id, clock(), other_machine)
    policy = WorkerPolicy(lease=timedelta(minutes=15))

    (outcome,) = await recover_interrupted(db, provider, clock, stale_after=policy.lease)

    assert (outcome.action_id, outcome.result) == (dead.id, Result.WITHDRAWN)
    async with db() as session:
        settled = await session.get_one(Action, dead.id)
        held = [await session.get_one(Action, a.id) for a in (live, far)]
    assert settled.holder_pid is None  # a finished action is held by no one
    assert [a.state for a in held] == [ActionState.RUNNING, ActionState.RUNNING]
    assert [a.holder_host for a in held] == [current_holder().host, "other-host"]
    # The account is busy while the others hold their claims: nothing else starts...
    assert await run_due_actions(db, provider, clock, policy=policy) == []
    # ...and after the lease both are re-checked on LinkedIn and run once.
    clock.advance(timedelta(minutes=16))
    outcomes = await run_due_actions(db, provider, clock, policy=policy)
    assert sorted((o.action_id, o.result) for o in outcomes if o.result is Result.WITHDRAWN) == sorted(
        [(live.id, Result.WITHDRAWN), (far.id, Result.WITHDRAWN)]
    )
    assert sorted(sandbox.state.withdrawn_slugs()) == sorted([dead_slug, live_slug, far_slug])
    assert sorted(await _withdrawn_events(db)) == sorted([dead_id, live_id, far_id])


async def test_a_claim_records_its_holder_and_the_outcome_releases_it(
    db: SessionFactory,
    signed_in_account: Account,
    linkedin: LinkedInClient,
    provider: ClientProvider,
    sandbox: SandboxServer,
    clock: FrozenClock,
) -> None:
    sandbox.reset(pending=3)
    await sync_account(db, linkedin, signed_in_account.id, clock)
    _, invitation_id = next(iter((await _slug_ids(db)).items()))
    action = await request_withdrawal(
        db, signed_in_account.id, invitation_id, now=clock(), undo_window=timedelta(0)
    )

    claimed = await claim_next_action(db, clock())

    assert claimed is not None and claimed.action_id == action.id
    async with db() as session:
        running = await session.get_one(Action, action.id)
    me = current_holder()
    assert (running.holder_host, running.holder_pid, running.holder_pid_space, running.holder_started) == (
        me.host,
        me.pid,
        me.pid_space,
        me.started,
    )


async def test_running_invite_that_happened_is_recorded_with_its_time_window(
    db: SessionFactory,
    signed_in_account: Account,
    provider: ClientProvider,
    sandbox: SandboxServer,
    clock: FrozenClock,
) -> None:
    stranger = sandbox.state.strangers(1)[0]
    async with db.begin() as session:
        person = Person(
            account_id=signed_in_account.id, slug=stranger.slug, name=stranger.name, profile_url="/in/x/"
        )
        session.add(person)
    action = await request_invite(db, signed_in_account.id, person.id, None, now=clock())
    started = clock()
    await _crash_mid_flight(db, action.id, started)
    sandbox.state.invite(stranger.slug, None)
    clock.advance(timedelta(seconds=5))

    (outcome,) = await recover_interrupted(db, provider, clock)

    assert outcome.result is Result.INVITED
    async with db() as session:
        invitation = (await session.execute(select(Invitation))).scalar_one()
    assert (invitation.sent_at_earliest, invitation.sent_at_latest) == (started, clock())
    assert invitation.sent_by_us
    assert sandbox.state.invited_slugs().count(stranger.slug) == 1


@pytest.mark.browser
async def test_sigkill_at_random_moments_neither_doubles_nor_loses_a_withdrawal(
    db: SessionFactory,
    db_path: Path,
    session_key: bytes,
    signed_in_account: Account,
    linkedin: LinkedInClient,
    sandbox: SandboxServer,
) -> None:
    sandbox.reset(pending=10)
    await sync_account(db, linkedin, signed_in_account.id, system_clock)
    batch_id, plan = await request_bulk_withdrawal(
        db, signed_in_account.id, 0, 8, None, now=datetime.now(UTC), undo_window=timedelta(0)
    )
    assert sum(count for _, count in plan) == 8
    async with db() as session:
        requested = dict(
            (
                await session.execute(
                    select(Action.invitation_id, Person.slug)
                    .join(Person, Person.id == Action.person_id)
                    .where(Action.batch_id == batch_id)
                )
            ).all()
        )
    env = {**os.environ, "SESSION_KEY": session_key.decode(), "PYTHONPATH": str(REPO)}
    command = [
        sys.executable,
        "-m",
        "tests.services.crash_runner",
        "--database",
        str(db_path),
        "--base-url",
        sandbox.base_url,
    ]

    async def run_to_completion() -> None:
        process = await asyncio.create_subprocess_exec(
            *command, cwd=REPO, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
        )
        _, stderr = await asyncio.wait_for(process.communicate(), 120)
        assert process.returncode == 0, stderr.decode()[-2000:]

    async def run_and_kill(after_outcomes: int, delay: float) -> bool:
        """SIGKILL the worker (and its browser) `delay` s after its n-th outcome; False if it ended first."""
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=REPO,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,  # its own process group: the kill takes Chromium down with it
        )
        assert process.stdout is not None
        lines: list[str] = []
        while "ready" not in lines or len(lines) - lines.index("ready") - 1 < after_outcomes:
            line = await asyncio.wait_for(process.stdout.readline(), 120)
            if not line:
                await process.wait()
                return False
            lines.append(line.decode().strip())
        await asyncio.sleep(delay)
        os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
        return True

    async def count(*states: ActionState) -> int:
        async with db() as session:
            query = select(func.count()).where(Action.batch_id == batch_id, Action.state.in_(states))
            return int((await session.execute(query)).scalar_one())

    rng = random.Random(int(os.environ.get("CRASH_SEED", "20261126")))
    kills = killed_mid_flight = 0
    while kills < 3 and await count(*ACTIVE_ACTION_STATES):
        if await run_and_kill(rng.randint(0, 1), rng.uniform(0.0, 0.6)):
            kills += 1
            killed_mid_flight += await count(ActionState.RUNNING) > 0
    for _ in range(3):  # uninterrupted runs until the batch is through
        if not await count(*ACTIVE_ACTION_STATES):
            break
        await run_to_completion()

    assert kills >= 2 and killed_mid_flight >= 1  # the kills really interrupted work in flight
    assert await count(*ACTIVE_ACTION_STATES) == 0
    assert sorted(sandbox.state.withdrawn_slugs()) == sorted(requested.values())
    events = await _withdrawn_events(db)
    assert sorted(events) == sorted(requested)  # exactly one per invitation: none doubled, none lost
    async with db() as session:
        states = await session.execute(
            select(Invitation.state, func.count())
            .where(Invitation.id.in_(requested))
            .group_by(Invitation.state)
        )
        assert dict(states.all()) == {InvitationState.WITHDRAWN: 8}
        done = await session.execute(
            select(func.count()).where(Action.batch_id == batch_id, Action.state == ActionState.DONE)
        )
        assert done.scalar_one() == 8
    assert len(sandbox.state.pending_slugs()) == 10 - 8


async def test_recovery_that_cannot_read_the_session_pauses_and_keeps_the_row_running(
    db: SessionFactory,
    signed_in_account: Account,
    linkedin: LinkedInClient,
    provider: ClientProvider,
    sandbox: SandboxServer,
    clock: FrozenClock,
) -> None:
    sandbox.reset(pending=3)
    await sync_account(db, linkedin, signed_in_account.id, clock)
    _, invitation_id = next(iter((await _slug_ids(db)).items()))
    action = await request_withdrawal(db, signed_in_account.id, invitation_id, now=clock())
    await _crash_mid_flight(db, action.id, clock())
    async with db.begin() as session:
        account = await session.get_one(Account, signed_in_account.id)
        another_key = SessionVault(Fernet.generate_key())
        await adopt_session(session, account, another_key, sandbox.storage_state(), clock())

    assert await recover_interrupted(db, provider, clock) == []

    async with db() as session:
        account = await session.get_one(Account, signed_in_account.id)
        stored = await session.get_one(Action, action.id)
    assert (account.paused, account.paused_reason) == (True, PauseCause.SESSION_UNREADABLE)
    assert stored.state is ActionState.RUNNING  # unknown outcome: left for a recovery that can look
