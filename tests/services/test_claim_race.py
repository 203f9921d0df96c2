"""The CLI and the bot claiming on one SQLite file: two processes never both claim one action.

SQLite has no row locks and no SKIP LOCKED, and the in-process claim lock (`claims._claim_lock`)
does not reach another process: `invitesweep withdraw` run while `invitesweep run` works can read
the same QUEUED row at the same moment. Each runner (tests/services/claim_race_runner.py) is
held after reading it until the other has read it too, so both really try to claim the same row;
the claim's compare-and-set (`UPDATE … WHERE state = 'queued'`, its rowcount checked) lets
exactly one of them have it, and the other finds nothing left to claim.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import timedelta
from pathlib import Path

from bot.db.models import Account, Action, ActionKind, ActionState
from bot.db.session import SessionFactory
from bot.services.actions.transitions import active_key, new_action
from bot.services.clock import FrozenClock
from tests.fixtures.store import sqlite_url
from tests.services.store_seed import add_pending

REPO = Path(__file__).resolve().parents[2]


async def _claimer(url: str, now: str, barrier: Path, name: str, peer: str) -> int | None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.services.claim_race_runner", url, now, str(barrier), name, peer,
        cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()
    claimed: int | None = json.loads(out)["claimed"]
    return claimed


async def test_two_processes_that_read_the_same_queued_action_claim_it_once(
    db: SessionFactory, db_path: Path, account: Account, clock: FrozenClock, tmp_path: Path
) -> None:
    invitation_id = await add_pending(db, account.id, "jane-doe", now=clock(), age_days=100)
    async with db.begin() as session:
        action = new_action(
            account.id,
            ActionKind.WITHDRAW,
            active_key(ActionKind.WITHDRAW, invitation_id),
            clock() - timedelta(minutes=1),
            clock(),
            invitation_id=invitation_id,
        )
        session.add(action)

    now, barrier = clock().isoformat(), tmp_path / "barrier"
    barrier.mkdir()
    cli, bot = await asyncio.gather(
        _claimer(sqlite_url(db_path), now, barrier, "cli", "bot"),
        _claimer(sqlite_url(db_path), now, barrier, "bot", "cli"),
    )

    # Both read it as QUEUED and tried; one has it, the other claimed nothing.
    assert (barrier / "cli.picked").read_text() == (barrier / "bot.picked").read_text() == str(action.id)
    assert {cli, bot} == {action.id, None}
    async with db() as session:
        claimed = await session.get_one(Action, action.id)
    assert (claimed.state, claimed.attempts) == (ActionState.RUNNING, 1)  # one attempt counted, not two
