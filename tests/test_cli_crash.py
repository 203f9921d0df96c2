"""`invitesweep withdraw` killed mid-batch and run again: it finishes the batch, once, and adds nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from asyncio.subprocess import PIPE
from pathlib import Path

import pytest
from sqlalchemy import func, select

from automation.client import LinkedInClient
from bot.db.models import Account, Action, ActionState, Event, Invitation, InvitationState, Person
from bot.db.session import SessionFactory
from bot.services.clock import system_clock
from bot.services.secrets import SessionVault, load_or_create_key_file
from bot.services.session_health import adopt_session
from bot.services.sync import sync_account
from sandbox import SandboxServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists("/proc/self/ns/pid"), reason="judging a dead holder needs Linux /proc"
    ),
]

INVITESWEEP = Path(sys.executable).with_name("invitesweep")
BATCH = 6


@pytest.fixture
async def cli_env(
    tmp_path: Path, db_path: Path, db: SessionFactory, account: Account, sandbox: SandboxServer
) -> dict[str, str]:
    """A CLI environment whose default account is signed in to the sandbox and synced."""
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        vault = SessionVault(load_or_create_key_file(tmp_path))
        await adopt_session(session, stored, vault, sandbox.storage_state(), system_clock())
    env = {
        **os.environ,
        "DATA_DIR": str(db_path.parent),
        "DATABASE_URL": "",
        "LINKEDIN_BASE_URL": sandbox.base_url,
        # Short human-like pauses keep each withdrawal in flight long enough to be killed in.
        "PACING_MIN_SECONDS": "0.2",
        "PACING_MAX_SECONDS": "0.6",
    }
    env.pop("SESSION_KEY", None)
    return env


async def _count(db: SessionFactory, *conditions: object) -> int:
    async with db() as session:
        return int(
            (await session.execute(select(func.count()).select_from(Action).where(*conditions))).scalar_one()
        )  # type: ignore[arg-type]


async def _withdraw(
    env: dict[str, str], cwd: Path, *, new_session: bool = False
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        str(INVITESWEEP),
        "withdraw",
        "--older-than",
        "1d",
        "--max",
        str(BATCH),
        "--yes",
        env=env,
        cwd=cwd,
        stdout=PIPE,
        stderr=PIPE,
        start_new_session=new_session,  # its own process group: the kill takes Chromium down too
    )


async def test_a_rerun_after_sigkill_finishes_the_batch_once_and_queues_nothing_more(
    cli_env: dict[str, str],
    tmp_path: Path,
    db: SessionFactory,
    account: Account,
    linkedin: LinkedInClient,
    sandbox: SandboxServer,
) -> None:
    sandbox.reset(pending=12)
    await sync_account(db, linkedin, account.id, system_clock)
    pending_before = set(sandbox.state.pending_slugs())

    killed_mid_flight = False
    for _ in range(3):  # a kill that lands between two actions proves less: try again, at most thrice
        process = await _withdraw(cli_env, tmp_path, new_session=True)
        try:
            async with asyncio.timeout(120):
                while not (
                    len(sandbox.state.withdrawn_slugs()) >= 2
                    and await _count(db, Action.state == ActionState.RUNNING) == 1
                ):
                    if process.returncode is not None:
                        break
                    await asyncio.sleep(0.05)
        finally:
            if process.returncode is None:
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
        killed_mid_flight = await _count(db, Action.state == ActionState.RUNNING) == 1
        if killed_mid_flight or not await _count(db, Action.state == ActionState.QUEUED):
            break
    assert killed_mid_flight, "no kill landed while a withdrawal was in flight"
    assert process.returncode == -signal.SIGKILL
    async with db() as session:
        requested = dict(
            (
                await session.execute(
                    select(Action.invitation_id, Person.slug).join(Person, Person.id == Action.person_id)
                )
            ).all()
        )
    assert len(requested) == BATCH

    rerun = await _withdraw(cli_env, tmp_path)
    out, err = await asyncio.wait_for(rerun.communicate(), 120)  # far less than the 15-minute lease

    assert rerun.returncode == 0, (out + err).decode()[-3000:]
    assert "An earlier withdrawal is unfinished" in out.decode()
    assert "Finished what was due of the earlier request; nothing new was queued." in out.decode()
    assert sorted(sandbox.state.withdrawn_slugs()) == sorted(requested.values())  # each once, none extra
    assert set(sandbox.state.pending_slugs()) == pending_before - set(requested.values())
    async with db() as session:
        events = list(
            (
                await session.execute(select(Event.invitation_id).where(Event.kind == "invitation_withdrawn"))
            ).scalars()
        )
        states = dict(
            (
                await session.execute(
                    select(Invitation.state, func.count())
                    .where(Invitation.id.in_(requested))
                    .group_by(Invitation.state)
                )
            ).all()
        )
        batches = (await session.execute(select(func.count(func.distinct(Action.batch_id))))).scalar_one()
    assert sorted(events) == sorted(requested)
    assert states == {InvitationState.WITHDRAWN: BATCH}
    assert batches == 1  # the rerun queued no second batch on top
    assert await _count(db) == await _count(db, Action.state == ActionState.DONE) == BATCH

    # Now that the batch is through, the same command asks for more: a new batch, as requested.
    again = await _withdraw(cli_env, tmp_path)
    out, err = await asyncio.wait_for(again.communicate(), 120)
    assert again.returncode == 0, (out + err).decode()[-3000:]
    assert f"Withdrawn and verified ({BATCH})" in out.decode()
    assert len(sandbox.state.withdrawn_slugs()) == 2 * BATCH
