"""`invitesweep sync` and `withdraw` end to end: the CLI's own Chromium against the sandbox."""

from __future__ import annotations

import asyncio
import os
import sys
from asyncio.subprocess import PIPE
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from bot.cli import main
from bot.db.models import (
    Account,
    AccountLease,
    Action,
    ActionState,
    Event,
    Invitation,
    InvitationState,
    Person,
    SessionStatus,
)
from bot.db.session import SessionFactory
from bot.services.actions import claim_next_action, request_withdrawal
from bot.services.actions.leases import LeaseHolder, acquire, release
from bot.services.secrets import SessionVault, load_or_create_key_file
from bot.services.session_health import PauseCause, adopt_session, pause
from sandbox import SandboxServer
from tests.bot.seed import seed_pending
from tests.fixtures.sandbox import assert_printable, seed_hostile_names

pytestmark = pytest.mark.browser


@pytest.fixture
async def signed_in_env(
    tmp_path: Path,
    db_path: Path,
    db: SessionFactory,
    account: Account,
    sandbox: SandboxServer,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, str]:
    """Environment for a CLI whose default account holds a valid sandbox session."""
    monkeypatch.chdir(tmp_path)
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        vault = SessionVault(load_or_create_key_file(tmp_path))
        await adopt_session(session, stored, vault, sandbox.storage_state(), sandbox.state.now())
    return {
        "DATA_DIR": str(db_path.parent),
        "DATABASE_URL": "",
        "LINKEDIN_BASE_URL": sandbox.base_url,
        "PACING_MIN_SECONDS": "0",
        "PACING_MAX_SECONDS": "0",
    }


async def invoke(env: dict[str, str], *args: str) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env)


async def test_sync_then_withdraw_the_oldest(
    signed_in_env: dict[str, str], db: SessionFactory, sandbox: SandboxServer
) -> None:
    pending_on_page = len(sandbox.state.pending())
    synced = await invoke(signed_in_env, "sync")
    assert synced.exit_code == 0, synced.output
    assert f"Synced: {pending_on_page} pending invitations" in synced.output
    async with db() as session:
        stored = await session.scalar(select(func.count()).where(Invitation.state == InvitationState.PENDING))
        oldest = list(
            await session.scalars(
                select(Person.slug)
                .join(Invitation, Invitation.person_id == Person.id)
                .order_by(Invitation.sent_at_latest, Invitation.id)
                .limit(2)
            )
        )
    assert stored == pending_on_page

    withdrawn = await invoke(signed_in_env, "withdraw", "--older-than", "90d", "--max", "2", "--yes")
    assert withdrawn.exit_code == 0, withdrawn.output
    assert "Withdrawn and verified (2)" in withdrawn.output
    assert sorted(sandbox.state.withdrawn_slugs()) == sorted(oldest)
    assert len(sandbox.state.pending()) == pending_on_page - 2
    async with db() as session:
        states = set(
            await session.scalars(
                select(Invitation.state)
                .join(Person, Person.id == Invitation.person_id)
                .where(Person.slug.in_(oldest))
            )
        )
    assert states == {InvitationState.WITHDRAWN}


async def test_sync_without_a_session_says_to_log_in(
    tmp_path: Path, db_path: Path, account: Account, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"DATA_DIR": str(db_path.parent), "DATABASE_URL": "", "LINKEDIN_BASE_URL": sandbox.base_url}
    result = await invoke(env, "sync")
    assert result.exit_code == 3  # LinkedIn needs a person to sign in
    assert "invitesweep login" in result.output


async def test_login_with_email_answers_the_pin_and_stores_the_session_encrypted(
    tmp_path: Path, db_path: Path, db: SessionFactory, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.db.models import SessionStatus
    from sandbox.config import DEFAULT_EMAIL, DEFAULT_PASSWORD, DEFAULT_PIN

    monkeypatch.chdir(tmp_path)
    sandbox.set_faults(checkpoint="email_pin")
    env = {"DATA_DIR": str(db_path.parent), "DATABASE_URL": "", "LINKEDIN_BASE_URL": sandbox.base_url}
    result = await asyncio.to_thread(
        CliRunner().invoke,
        main,
        ["login", "--email", DEFAULT_EMAIL],
        env=env,
        input=f"{DEFAULT_PASSWORD}\n000000\n{DEFAULT_PIN}\n",  # a mistyped code first
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("LinkedIn emailed you a verification code") == 2
    assert "Signed in" in result.output
    assert DEFAULT_PASSWORD not in result.output
    async with db() as session:
        account = await session.scalar(select(Account).where(Account.name == "default"))
    assert account is not None and account.session_status is SessionStatus.VALID
    assert account.session_state is not None and b"li_at" not in account.session_state
    state = SessionVault(load_or_create_key_file(tmp_path)).load_session(account)
    assert state is not None and any(cookie["name"] == "li_at" for cookie in state["cookies"])

    status = await invoke({**env, "PACING_MIN_SECONDS": "0", "PACING_MAX_SECONDS": "0"}, "sync")
    assert status.exit_code == 0, status.output


@pytest.mark.parametrize(
    ("cause", "still_paused"), [(PauseCause.SESSION_EXPIRED, False), (PauseCause.OWNER, True)]
)
async def test_login_ends_a_session_pause_but_not_the_owners(
    tmp_path: Path,
    db_path: Path,
    db: SessionFactory,
    account: Account,
    sandbox: SandboxServer,
    monkeypatch: pytest.MonkeyPatch,
    cause: PauseCause,
    still_paused: bool,
) -> None:
    from sandbox.config import DEFAULT_EMAIL, DEFAULT_PASSWORD

    monkeypatch.chdir(tmp_path)
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        await pause(session, stored, cause, sandbox.state.now())
    env = {"DATA_DIR": str(db_path.parent), "DATABASE_URL": "", "LINKEDIN_BASE_URL": sandbox.base_url}
    result = await asyncio.to_thread(
        CliRunner().invoke, main, ["login", "--email", DEFAULT_EMAIL], env=env, input=f"{DEFAULT_PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    async with db() as session:
        stored = await session.get_one(Account, account.id)
        kinds = list(await session.scalars(select(Event.kind).order_by(Event.id)))
    assert stored.session_status is SessionStatus.VALID
    assert (stored.paused, stored.paused_reason) == ((True, cause) if still_paused else (False, None))
    assert "session_adopted" in kinds


async def test_login_with_a_wrong_password_stores_nothing(
    tmp_path: Path, db_path: Path, db: SessionFactory, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sandbox.config import DEFAULT_EMAIL

    monkeypatch.chdir(tmp_path)
    env = {"DATA_DIR": str(db_path.parent), "DATABASE_URL": "", "LINKEDIN_BASE_URL": sandbox.base_url}
    result = await asyncio.to_thread(
        CliRunner().invoke, main, ["login", "--email", DEFAULT_EMAIL], env=env, input="wrong\n"
    )
    assert result.exit_code == 3  # LinkedIn needs a person to sign in
    assert "did not accept that email and password" in result.output
    async with db() as session:
        assert await session.scalar(select(func.count()).where(Account.session_state.is_not(None))) == 0


async def test_visible_login_without_a_screen_points_to_the_email_login(
    tmp_path: Path, db_path: Path, db: SessionFactory, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {
        "DATA_DIR": str(db_path.parent),
        "DATABASE_URL": "",
        "LINKEDIN_BASE_URL": sandbox.base_url,  # even if a window opened, it would open the sandbox
        "DISPLAY": "",
        "WAYLAND_DISPLAY": "",
    }
    result = await invoke(env, "login")
    assert result.exit_code == 3  # LinkedIn needs a person to sign in
    assert "invitesweep login --email" in result.output
    async with db() as session:
        assert await session.scalar(select(func.count()).where(Account.session_state.is_not(None))) == 0


async def test_doctor_online_proves_the_session_or_marks_it_expired(
    signed_in_env: dict[str, str], db: SessionFactory, tmp_path: Path
) -> None:
    from bot.db.models import SessionStatus

    good = await invoke(signed_in_env, "doctor", "--online")
    assert '✓ LinkedIn session: opens the Sent page for "default"' in good.output

    async with db.begin() as session:
        account = await session.scalar(select(Account).where(Account.name == "default"))
        assert account is not None
        forged = {
            "cookies": [{"name": "li_at", "value": "forged", "domain": "127.0.0.1", "path": "/"}],
            "origins": [],
        }
        vault = SessionVault(load_or_create_key_file(tmp_path))
        await adopt_session(session, account, vault, forged, datetime.now(UTC))
    expired = await invoke(signed_in_env, "doctor", "--online")
    assert expired.exit_code == 1
    assert "✗ LinkedIn session: expired — run `invitesweep login`" in expired.output
    async with db() as session:
        status = await session.scalar(select(Account.session_status).where(Account.name == "default"))
    assert status is SessionStatus.EXPIRED


async def _sync_and_oldest(env: dict[str, str], db: SessionFactory, n: int) -> list[str]:
    synced = await invoke(env, "sync")
    assert synced.exit_code == 0, synced.output
    async with db() as session:
        return list(
            await session.scalars(
                select(Person.slug)
                .join(Invitation, Invitation.person_id == Person.id)
                .order_by(Invitation.sent_at_latest, Invitation.id)
                .limit(n)
            )
        )


async def test_withdraw_exits_1_with_a_summary_line_when_withdrawals_fail(
    signed_in_env: dict[str, str], db: SessionFactory, sandbox: SandboxServer
) -> None:
    await _sync_and_oldest(signed_in_env, db, 2)
    sandbox.set_faults(withdraw_error=True)

    failed = await invoke(signed_in_env, "withdraw", "--older-than", "90d", "--max", "2", "--yes")

    assert failed.exit_code == 1, failed.output
    assert failed.stderr.strip().splitlines()[-1] == (
        "2 of 2 withdrawals did not go through (see above); `invitesweep queue show` lists what waits,"
        " `invitesweep queue run` tries again."
    )
    assert "Not withdrawn (2):" in failed.stdout
    assert failed.stdout.count("failed, will be retried (WithdrawNotVerified)") == 2
    assert sandbox.state.withdrawn_slugs() == []

    shown = await invoke(signed_in_env, "queue", "show")
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.count(", tried 1× (WithdrawNotVerified)") == 2


async def test_queue_run_drains_the_account_without_telegram(
    signed_in_env: dict[str, str], db: SessionFactory, account: Account, sandbox: SandboxServer
) -> None:
    (slug,) = await _sync_and_oldest(signed_in_env, db, 1)
    async with db() as session:
        invitation_id = await session.scalar(
            select(Invitation.id).join(Person, Person.id == Invitation.person_id).where(Person.slug == slug)
        )
    assert invitation_id is not None
    await request_withdrawal(
        db, account.id, invitation_id, now=datetime.now(UTC), requested_by=1001, undo_window=timedelta(0)
    )

    ran = await invoke(signed_in_env, "queue", "run")

    assert ran.exit_code == 0, ran.output
    assert ": withdrawn" in ran.stdout
    assert sandbox.state.withdrawn_slugs() == [slug]
    again = await invoke(signed_in_env, "queue", "run")
    assert again.exit_code == 0 and "Nothing is due in the queue." in again.stdout


async def test_queue_run_leaves_work_a_live_process_holds_and_exits_1(
    signed_in_env: dict[str, str], db: SessionFactory, account: Account, sandbox: SandboxServer
) -> None:
    first, second = await _sync_and_oldest(signed_in_env, db, 2)
    async with db() as session:
        ids = dict((await session.execute(select(Person.slug, Invitation.id).join(Invitation.person))).all())
    now = datetime.now(UTC)
    for slug in (first, second):
        await request_withdrawal(db, account.id, ids[slug], now=now, undo_window=timedelta(0))
    held = await claim_next_action(db, now)  # this test process holds it, alive, as a worker would
    assert held is not None

    ran = await invoke(signed_in_env, "queue", "run")

    assert ran.exit_code == 1, ran.output
    assert "is being worked on by process" in ran.stdout
    assert "another InviteSweep process" in ran.stderr
    assert sandbox.state.withdrawn_slugs() == []  # neither the held one nor the next one was touched
    async with db() as session:
        states = sorted(s.value for s in await session.scalars(select(Action.state)))
    assert states == [ActionState.QUEUED.value, ActionState.RUNNING.value]


async def test_synced_names_reach_the_terminal_without_escape_sequences(
    signed_in_env: dict[str, str], db: SessionFactory, sandbox: SandboxServer
) -> None:
    slugs = seed_hostile_names(sandbox, sandbox.state.pill_count())  # everyone: whoever is shown
    seeded = sandbox.state.person(slugs[0])
    assert seeded is not None and "\x1b[31m" in seeded.first_name  # seeded as typed

    synced = await invoke(signed_in_env, "sync")
    assert synced.exit_code == 0, synced.output
    assert_printable(synced.output)
    async with db() as session:
        people = list(await session.scalars(select(Person)))
        notes = list(await session.scalars(select(Invitation.note_text)))
    assert sorted(p.name for p in people) == sorted(f"Ana{i} Red" for i in range(len(slugs)))
    assert {p.headline for p in people} == {"Head of People"}
    assert notes == ["Hi there, let's talk"] * len(slugs)  # the note box's lines, joined

    shown = await invoke(signed_in_env, "digest")
    assert shown.exit_code == 0, shown.output
    assert_printable(shown.output)
    assert " Red — " in shown.output and "Head of People" in shown.output

    # The withdraw dialog names the member as typed; it is still recognised as the same person.
    withdrawn = await invoke(signed_in_env, "withdraw", "--older-than", "90d", "--max", "1", "--yes")
    assert withdrawn.exit_code == 0, withdrawn.output
    assert_printable(withdrawn.output)
    assert "Withdrawn and verified (1)" in withdrawn.output
    assert len(sandbox.state.withdrawn_slugs()) == 1


async def test_stored_text_is_cleaned_again_when_printed(
    signed_in_env: dict[str, str], db: SessionFactory, account: Account
) -> None:
    """A store written before text was cleaned (or by another tool) still prints safely."""
    (invitation,) = await seed_pending(db, account, datetime.now(UTC), [400])
    async with db.begin() as session:
        person = await session.get_one(Person, invitation.person_id)
        person.name, person.headline = "Old\x1b]0;owned\x07 Row\x1b[2J", "\x07Lead\x1b[0m"

    shown = await invoke(signed_in_env, "digest")
    assert shown.exit_code == 0, shown.output
    assert_printable(shown.output)
    assert "Old Row" in shown.output and "Lead" in shown.output


async def test_sync_while_a_worker_holds_the_account_says_so_and_starts_no_browser(
    signed_in_env: dict[str, str], db: SessionFactory, account: Account, sandbox: SandboxServer
) -> None:
    env = {**signed_in_env, "WORKER_LEASE_SECONDS": "120"}
    worker = await acquire(db, account.id, LeaseHolder.new(), datetime.now(UTC), timedelta(minutes=10))
    assert worker is not None  # this test process, alive, as a worker on another machine would

    busy = await invoke(env, "sync")

    assert busy.exit_code == 1, busy.output
    assert "Another InviteSweep process is working on this account; try again in a minute." in busy.stderr
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Invitation)) == 0  # nothing synced

    await release(db, worker, datetime.now(UTC))
    synced = await invoke(env, "sync")
    assert synced.exit_code == 0, synced.output
    async with db() as session:
        lease = await session.get_one(AccountLease, account.id)
    assert lease.token == worker.token + 1  # the CLI's own session ran under the next lease
    assert lease.expires_at <= datetime.now(UTC)  # and gave it back when done


async def test_two_sync_processes_on_one_account_never_drive_it_at_once(
    signed_in_env: dict[str, str],
    db: SessionFactory,
    account: Account,
    sandbox: SandboxServer,
    tmp_path: Path,
) -> None:
    env = {**os.environ, **signed_in_env, "WORKER_LEASE_SECONDS": "60"}
    invitesweep = str(Path(sys.executable).with_name("invitesweep"))

    async def sync() -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            invitesweep, "sync", env=env, cwd=tmp_path, stdout=PIPE, stderr=PIPE
        )
        try:
            _, err = await asyncio.wait_for(process.communicate(), 180)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise
        assert process.returncode is not None
        return process.returncode, err.decode()

    results = await asyncio.gather(sync(), sync())

    assert sandbox.sessions_at_once().get("default") == 1  # never two browsers on the account at once
    codes = sorted(code for code, _ in results)
    assert codes in ([0, 0], [0, 1]), results  # both in turn, or one told to come back
    for code, err in results:
        if code == 1:
            assert "Another InviteSweep process is working on this account" in err, err
    async with db() as session:
        assert (await session.get_one(Account, account.id)).last_synced_at is not None


async def test_login_while_a_worker_holds_the_account_signs_nothing_in(
    signed_in_env: dict[str, str], db: SessionFactory, account: Account, sandbox: SandboxServer
) -> None:
    from sandbox.config import DEFAULT_EMAIL, DEFAULT_PASSWORD

    async with db() as session:
        before = (await session.get_one(Account, account.id)).session_state
    worker = await acquire(db, account.id, LeaseHolder.new(), datetime.now(UTC), timedelta(minutes=10))
    assert worker is not None
    result = await asyncio.to_thread(
        CliRunner().invoke,
        main,
        ["login", "--email", DEFAULT_EMAIL],
        env=signed_in_env,
        input=f"{DEFAULT_PASSWORD}\n",
    )

    assert result.exit_code == 1, result.output
    assert "Another InviteSweep process is working on this account" in result.stderr
    async with db() as session:
        assert (await session.get_one(Account, account.id)).session_state == before  # nothing adopted
