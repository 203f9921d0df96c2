"""`invitesweep demo` end to end: real Chromium against the sandbox, checked on screen and in the sandbox.

The demo normally starts its own 520-invitation sandbox; here it runs on the test session's
sandbox (a smaller world, the same code path) so the suite stays fast and the test can read the
sandbox's state afterwards.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from automation.timeparse import unit_range
from bot.commands.demo import DEMO_ACCOUNT, demo_account, run_demo
from bot.commands.outcomes import WorkFailed
from bot.db.models import Account, Event, SessionStatus
from bot.db.session import SessionFactory
from bot.services.accounts import create_account
from bot.services.actions import Result
from bot.services.session_health import PauseCause, pause
from bot.settings import Settings
from sandbox import SandboxServer
from sandbox.ages import relative_age

pytestmark = pytest.mark.browser


def page_ages(sandbox: SandboxServer) -> dict[str, timedelta]:
    """Each pending invitation's age as the Sent page states it (its lower bound)."""
    now = sandbox.state.now()
    ages = {}
    for invitation in sandbox.state.pending():
        shown = relative_age(invitation.sent_at, now)
        fresh = shown.unit in ("now", "today", "yesterday")  # younger than any stale invitation
        ages[invitation.slug] = timedelta(0) if fresh else unit_range(shown.count, shown.unit).min_age
    return ages


async def test_demo_walks_through_the_whole_loop(
    sandbox: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox.reset(pending=60)
    shown_age = page_ages(sandbox)

    result = await run_demo(Settings(_env_file=None, data_dir=tmp_path / "ignored"), sandbox=sandbox)

    out = capsys.readouterr().out
    # The screen: sync, digest, five withdrawals, the reminder with its note, the verified invite.
    assert "Synced: 60 pending invitations" in out
    assert "Pending invitations: 60 of 500" in out
    assert "Withdrawn and verified (5)" in out
    assert f"Drafted note ({len(result.note)}/200)" in out
    assert result.note in out
    assert "✓ Invitation sent to" in out
    assert out.index("1. Sync") < out.index("2. The weekly digest") < out.index("3. Withdraw")
    assert out.index("3. Withdraw") < out.index("Reminder: the cooldown") < out.index("5. Re-invite")

    # The sandbox: five of the oldest (by what the page says) were withdrawn, and the first of them
    # is pending again, with the note.
    assert len(set(result.withdrawn)) == 5
    youngest_withdrawn = min(shown_age[slug] for slug in result.withdrawn)
    assert all(shown_age[slug] <= youngest_withdrawn for slug in shown_age if slug not in result.withdrawn)
    assert result.reminder_slug == result.withdrawn[0]
    assert sorted(sandbox.state.withdrawn_slugs()) == sorted(result.withdrawn[1:])
    again = sandbox.state.invitation(result.reminder_slug)
    assert again is not None and sandbox.state.is_pending(result.reminder_slug)
    assert again.note == result.note
    assert result.invite.result is Result.INVITED
    assert result.pending_before == 60
    assert not (tmp_path / "ignored").exists()  # the demo kept its data in its own temporary folder


@pytest.mark.parametrize(
    ("faults", "stopped_at", "shown", "not_shown"),
    [
        # Every withdrawal's confirm request fails: step 3 says so and nothing jumps ahead.
        (
            {"withdraw_error": True},
            "step 3, withdraw: 0 of 5 withdrawals went through",
            "3. Withdraw",
            "4. Jump",
        ),
        # LinkedIn's weekly invitation limit: the re-invite of step 5 does not go through.
        (
            {"weekly_limit": True},
            "step 5, re-invite: the invitation did not go through",
            "5. Re-invite",
            "That is the whole loop",
        ),
    ],
)
async def test_a_failed_step_stops_the_demo_with_exit_code_1_and_names_it(
    sandbox: SandboxServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    faults: dict[str, bool],
    stopped_at: str,
    shown: str,
    not_shown: str,
) -> None:
    sandbox.reset(pending=20)
    sandbox.set_faults(**faults)

    with pytest.raises(WorkFailed) as stopped:
        await run_demo(Settings(_env_file=None, data_dir=tmp_path / "ignored"), sandbox=sandbox)
    stopped.value.show()  # what `invitesweep demo` prints for it, on stderr

    out, err = capsys.readouterr()
    assert stopped.value.exit_code == 1
    assert shown in out and not_shown not in out
    assert "That is the whole loop" not in out
    (line,) = [line for line in err.splitlines() if "The demo stopped" in line]
    assert stopped_at in line
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("cause", "still_paused"), [(PauseCause.SESSION_EXPIRED, False), (PauseCause.OWNER, True)]
)
async def test_the_demo_signs_in_like_any_sign_in(
    sandbox: SandboxServer, db: SessionFactory, tmp_path: Path, cause: PauseCause, still_paused: bool
) -> None:
    """The demo's account gets the sandbox session by the one rule: a session pause ends, /pause stays."""
    now = sandbox.state.now()
    async with db.begin() as session:
        account = await create_account(session, DEMO_ACCOUNT)
        await pause(session, account, cause, now)
        account.session_status = SessionStatus.EXPIRED

    signed_in = await demo_account(db, Settings(_env_file=None, data_dir=tmp_path), sandbox, now)

    async with db() as session:
        stored = await session.get_one(Account, signed_in.id)
        kinds = list(await session.scalars(select(Event.kind).where(Event.account_id == stored.id)))
    assert stored.id == account.id and stored.session_status is SessionStatus.VALID
    assert (stored.paused, stored.paused_reason) == ((True, cause) if still_paused else (False, None))
    assert "session_adopted" in kinds
