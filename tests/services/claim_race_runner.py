"""One claimer process for tests/services/test_claim_race.py: claim the next due action once.

    python -m tests.services.claim_race_runner DATABASE_URL NOW BARRIER_DIR NAME PEER

Both processes are made to pick the same row before either claims it: the claim's
compare-and-set is wrapped so that this process, having read the action as QUEUED, says so
(`NAME.picked` in BARRIER_DIR) and waits until PEER has read it too. Prints the outcome as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Action
from bot.db.session import create_engine, create_session_factory
from bot.services.actions import claims

ClaimFunction = Callable[[AsyncSession, Action, datetime, int | None], Awaitable[bool]]

BARRIER_TIMEOUT = 30.0  # seconds; only a broken peer makes this process wait that long


def _wrap(original: ClaimFunction, barrier: Path, name: str, peer: str) -> ClaimFunction:
    async def claim(session: AsyncSession, action: Action, at: datetime, token: int | None = None) -> bool:
        (barrier / f"{name}.picked").write_text(str(action.id))
        deadline = time.monotonic() + BARRIER_TIMEOUT
        while not (barrier / f"{peer}.picked").exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{peer} never picked a row")
            await asyncio.sleep(0.01)
        return await original(session, action, at, token)

    return claim


async def main(url: str, now: datetime, barrier: Path, name: str, peer: str) -> None:
    setattr(claims, "claim", _wrap(claims.claim, barrier, name, peer))  # noqa: B010 (a patch, said so)
    engine = create_engine(url)
    try:
        claimed = await claims.claim_next_action(create_session_factory(engine), now)
    finally:
        await engine.dispose()
    print(json.dumps({"claimed": claimed.action_id if claimed else None}))


if __name__ == "__main__":
    url, now, barrier, name, peer = sys.argv[1:6]
    asyncio.run(main(url, datetime.fromisoformat(now), Path(barrier), name, peer))
