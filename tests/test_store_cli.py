"""The store commands through click: output, exit codes, and that bad input changes nothing.

The CLI runs `asyncio.run` itself, so each invocation runs in a worker thread, away from the
test session's event loop. `DATA_DIR` points at the test's folder, whose `invitesweep.sqlite3`
is the `db` fixture's migrated database: the CLI and the test see the same store.
"""

from __future__ import annotations

import asyncio
import csv
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from automation.errors import SessionExpired, WeeklyLimit
from bot.cli import main
from bot.db.models import (
    Account,
    Action,
    ActionKind,
    ActionState,
    Event,
    Invitation,
    InvitationState,
    Person,
    SessionStatus,
)
from bot.db.session import SessionFactory
from bot.services.clock import system_clock
from bot.services.session_health import PauseCause, pause_for


@pytest.fixture
def cli_env(tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # no stray .env
    assert db_path.parent == tmp_path
    return {"DATA_DIR": str(tmp_path), "TELEGRAM_BOT_TOKEN": "", "DATABASE_URL": ""}


async def invoke(env: dict[str, str], *args: str, input: str | None = None) -> Result:
    runner = CliRunner()
    return await asyncio.to_thread(runner.invoke, main, list(args), env=env, input=input)


async def seed(db: SessionFactory, account: Account) -> None:
    """Jane (~97 days), Omar (65 days), Kim (10 days) pending; all relative to the real clock."""
    from bot.services.clock import system_clock

    now = system_clock()
    async with db.begin() as session:
        for slug, name, days in [
            ("jane-doe", "Jane Doe", 97),
            ("omar-ali", "Omar Ali", 65),
            ("kim-lee", "Kim Lee", 10),
        ]:
            person = Person(
                account_id=account.id,
                slug=slug,
                name=name,
                headline="Data Engineer at Acme",
                company="Acme",
                profile_url=f"https://www.linkedin.com/in/{slug}/",
            )
            session.add(person)
            await session.flush()
            session.add(
                Invitation(
                    account_id=account.id,
                    person_id=person.id,
                    sent_at_earliest=now - timedelta(days=days + 30),
                    sent_at_latest=now - timedelta(days=days),
                    first_seen_at=now,
                    last_seen_at=now,
                )
            )


async def action_count(db: SessionFactory) -> int:
    async with db() as session:
        return int(await session.scalar(select(func.count()).select_from(Action)) or 0)


@pytest.mark.parametrize("age", ["ninety", "90", "0d", "90x", "-5d", "99999d"])
async def test_malformed_ages_exit_2_and_change_nothing(
    cli_env: dict[str, str], db: SessionFactory, account: Account, age: str
) -> None:
    await seed(db, account)
    result = await invoke(cli_env, "withdraw", "--older-than", age, "--yes")
    assert result.exit_code == 2
    assert "is not an age" in result.output
    assert await action_count(db) == 0


async def test_malformed_profiles_exit_2(
    cli_env: dict[str, str], db: SessionFactory, account: Account
) -> None:
    await seed(db, account)
    for bad in ["jane doe", "https://www.linkedin.com/company/acme/", "x", "a/b"]:
        result = await invoke(cli_env, "keep", "add", bad)
        assert result.exit_code == 2, bad
        assert "is not a LinkedIn profile" in result.output
    async with db() as session:
        assert await session.scalar(select(func.count()).where(Person.keep.is_(True))) == 0


async def test_malformed_settings_exit_2_without_echoing_values(
    cli_env: dict[str, str], db: SessionFactory, account: Account
) -> None:
    await seed(db, account)
    env = {**cli_env, "PACING_MIN_SECONDS": "-1", "TELEGRAM_OWNER_IDS": "12,abc"}
    result = await invoke(env, "withdraw", "--older-than", "90d", "--yes")
    assert result.exit_code == 2
    assert "configuration is not valid" in result.output
    assert "PACING_MIN_SECONDS" in result.output and "TELEGRAM_OWNER_IDS" in result.output
    assert "abc" not in result.output
    assert await action_count(db) == 0


async def test_keep_add_list_remove_by_slug_or_url(
    cli_env: dict[str, str], db: SessionFactory, account: Account
) -> None:
    await seed(db, account)
    added = await invoke(cli_env, "keep", "add", "https://www.linkedin.com/in/jane-doe/", "omar-ali")
    assert added.exit_code == 0, added.output
    assert "Keeping Jane Doe" in added.output and "Keeping Omar Ali" in added.output
    listed = await invoke(cli_env, "keep", "list")
    assert "Jane Doe — jane-doe" in listed.output
    removed = await invoke(cli_env, "keep", "remove", "omar-ali")
    assert removed.exit_code == 0
    unknown = await invoke(cli_env, "keep", "add", "nobody-here")
    assert unknown.exit_code == 1
    assert "Not found: nobody-here" in unknown.output
    async with db() as session:
        kept = list(await session.scalars(select(Person.slug).where(Person.keep.is_(True))))
    assert kept == ["jane-doe"]


async def test_digest_lists_stale_invitations_oldest_first(
    cli_env: dict[str, str], db: SessionFactory, account: Account
) -> None:
    await seed(db, account)
    result = await invoke(cli_env, "digest")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Pending invitations: 3 of 500" in out
    assert out.index("Jane Doe — ~97 days") < out.index("Omar Ali — ~65 days")
    assert "Kim Lee" not in out  # 10 days: not stale
    assert "withdraw all ≥ 90 days (1): 1 today" in out


async def test_withdraw_dry_run_and_declined_confirmation_change_nothing(
    cli_env: dict[str, str], db: SessionFactory, account: Account
) -> None:
    await seed(db, account)
    dry = await invoke(cli_env, "withdraw", "--older-than", "60d", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "2 pending invitations are at least 60 days old" in dry.output
    assert "Dry run: nothing was changed." in dry.output
    declined = await invoke(cli_env, "withdraw", "--older-than", "60d", input="n\n")
    assert declined.exit_code == 1
    assert "Nothing was withdrawn." in declined.output
    assert await action_count(db) == 0


async def test_note_draft_uses_and_saves_context(
    cli_env: dict[str, str], db: SessionFactory, account: Account
) -> None:
    await seed(db, account)
    result = await invoke(cli_env, "note", "draft", "jane-doe", "--context", "met at PyCon")
    assert result.exit_code == 0, result.output
    assert "met at PyCon" in result.output.replace("Met at PyCon", "met at PyCon")
    assert "/200 characters" in result.output
    async with db() as session:
        assert await session.scalar(select(Person.context).where(Person.slug == "jane-doe")) == "met at PyCon"
    missing = await invoke(cli_env, "note", "draft", "nobody-here")
    assert missing.exit_code == 1


async def test_note_check_refuses_bad_notes_with_exit_2(
    cli_env: dict[str, str], db: SessionFactory, account: Account
) -> None:
    too_long = await invoke(cli_env, "note", "check", "x" * 205)
    assert too_long.exit_code == 2
    assert "205 characters; LinkedIn allows 200" in too_long.output
    link = await invoke(cli_env, "note", "check", "Hi! See https://example.com")
    assert link.exit_code == 2
    assert "contains a link" in link.output
    empty = await invoke(cli_env, "note", "check", "   ")
    assert empty.exit_code == 2
    fine = await invoke(cli_env, "note", "check", "Hi Jane, great talk at PyCon!")
    assert fine.exit_code == 0
    assert "(29/200 characters)" in fine.output


async def test_a_context_too_long_exits_2_and_is_not_saved(
    cli_env: dict[str, str], db: SessionFactory, account: Account
) -> None:
    await seed(db, account)
    result = await invoke(cli_env, "note", "draft", "jane-doe", "--context", "met " * 200)
    assert result.exit_code == 2
    assert "at most 500 are kept" in result.output
    async with db() as session:
        assert await session.scalar(select(Person.context).where(Person.slug == "jane-doe")) is None


async def test_stats_show_rates_and_the_pending_history(
    cli_env: dict[str, str], db: SessionFactory, account: Account
) -> None:
    from bot.services.clock import system_clock
    from bot.services.events import record_event

    await seed(db, account)
    async with db.begin() as session:
        for _ in range(3):
            record_event(session, account_id=account.id, kind="invitation_new", at=system_clock())
    result = await invoke(cli_env, "stats")
    assert result.exit_code == 0, result.output
    # Jane (97 d) and Omar (65 d) are decided (pending past 30 days, not accepted); Kim is too young.
    assert "overall        0% (0 of 2)" in result.output
    assert "Pending now: 3" in result.output
    assert "Pending at the end of each day:" in result.output


async def test_export_writes_the_tracking_sheet(
    cli_env: dict[str, str], db: SessionFactory, account: Account, tmp_path: Path
) -> None:
    await seed(db, account)
    target = tmp_path / "sheet.csv"
    result = await invoke(cli_env, "export", "--csv", str(target))
    assert result.exit_code == 0, result.output
    assert "Wrote 3 invitations" in result.output
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [row["name"] for row in rows] == ["Kim Lee", "Omar Ali", "Jane Doe"]
    assert rows[0]["state"] == "pending"


async def test_status_and_db_upgrade(cli_env: dict[str, str], db: SessionFactory, account: Account) -> None:
    await seed(db, account)
    status = await invoke(cli_env, "status")
    assert status.exit_code == 0, status.output
    assert "Pending:           3 of 500" in status.output
    assert "not signed in" in status.output
    assert "Active hours:      around the clock, as soon as due" in status.output  # the fixture's
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        stored.active_weekdays, stored.active_from_hour, stored.active_until_hour = 0b0011111, 9, 18
        stored.spread_work = True
    status = await invoke(cli_env, "status")
    assert "Active hours:      Mon,Tue,Wed,Thu,Fri 09:00–18:00 UTC, spread" in status.output
    upgraded = await invoke(cli_env, "db", "upgrade")
    assert upgraded.exit_code == 0
    assert "revision 0001" in upgraded.output or "up to date" in upgraded.output


async def test_doctor_says_what_is_missing(
    cli_env: dict[str, str], db: SessionFactory, account: Account
) -> None:
    result = await invoke(cli_env, "doctor")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("✓ Browser:")
    assert lines[1].startswith("✓ Database: reachable")
    assert lines[2].startswith("✗ Telegram bot token: missing")
    assert lines[3].startswith("✗ LinkedIn session: none yet")
    with_token = await invoke({**cli_env, "TELEGRAM_BOT_TOKEN": "123:abc"}, "doctor")
    assert "✓ Telegram bot token: set" in with_token.output
    assert "123:abc" not in with_token.output


async def test_doctor_reports_an_unmigrated_database(cli_env: dict[str, str], tmp_path: Path) -> None:
    empty = tmp_path / "other"
    result = await invoke({**cli_env, "DATA_DIR": str(empty)}, "doctor")
    assert result.exit_code == 1
    assert "✗ Database: reachable, schema at empty — run `invitesweep db upgrade`" in result.output


async def test_accounts_are_added_explicitly_and_never_by_a_mistyped_name(
    cli_env: dict[str, str], db: SessionFactory, account: Account
) -> None:
    typo = await invoke(cli_env, "digest", "--account", "wrok")
    assert typo.exit_code == 2
    assert 'no account called "wrok"; the accounts are: default' in typo.stderr
    added = await invoke(cli_env, "accounts", "add", "work")
    assert added.exit_code == 0, added.output
    assert 'Added the account "work"' in added.stdout
    again = await invoke(cli_env, "accounts", "add", "work")
    assert again.exit_code == 2 and "already an account" in again.stderr
    listed = await invoke(cli_env, "accounts", "list")
    assert listed.stdout.splitlines() == [
        "default — not signed in; 0 pending; owner: Telegram user 1001",
        "work — not signed in; 0 pending; no owner in Telegram yet",
    ]
    status = await invoke(cli_env, "status", "--account", "work")
    assert status.exit_code == 0, status.output
    assert 'Account "work"' in status.stdout
    async with db() as session:
        names = list(await session.scalars(select(Account.name).order_by(Account.name)))
    assert names == ["default", "work"]


async def test_accounts_are_renamed_and_removed_with_their_data_after_a_confirmation(
    cli_env: dict[str, str], db: SessionFactory, account: Account
) -> None:
    await seed(db, account)
    assert (await invoke(cli_env, "accounts", "add", "work")).exit_code == 0
    clash = await invoke(cli_env, "accounts", "rename", "work", "default")
    assert clash.exit_code == 2 and 'already an account called "default"' in clash.stderr
    bad = await invoke(cli_env, "accounts", "rename", "work", "a\tb")
    assert bad.exit_code == 2
    renamed = await invoke(cli_env, "accounts", "rename", "default", "sales-1")
    assert renamed.exit_code == 0 and 'Renamed the account "default" to "sales-1"' in renamed.stdout

    declined = await invoke(cli_env, "accounts", "remove", "sales-1", input="n\n")
    assert declined.exit_code == 1
    assert (
        "3 invitations, 3 people, 0 actions" in declined.stdout and "Nothing was removed" in declined.stderr
    )
    async with db.begin() as session:
        session.add(
            Action(account_id=account.id, kind=ActionKind.WITHDRAW, state=ActionState.RUNNING,
                   not_before=system_clock(), created_at=system_clock())
        )  # fmt: skip
    busy = await invoke(cli_env, "accounts", "remove", "sales-1", "--yes")
    assert busy.exit_code == 1 and "an action of it is running" in busy.stderr
    async with db.begin() as session:
        for running in await session.scalars(select(Action)):
            running.state = ActionState.DONE
    removed = await invoke(cli_env, "accounts", "remove", "sales-1", input="y\n")
    assert removed.exit_code == 0, removed.output
    assert 'Removed the account "sales-1" with its 3 invitations' in removed.stdout
    async with db() as session:
        names = list(await session.scalars(select(Account.name)))
        left = await session.scalar(select(func.count()).select_from(Invitation))
    assert (names, left) == (["work"], 0)


async def test_pause_and_resume_from_the_command_line(
    cli_env: dict[str, str], db: SessionFactory, account: Account
) -> None:
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        await pause_for(session, stored, WeeklyLimit("limit"), system_clock())
    status = await invoke(cli_env, "status")
    assert "paused (the weekly invitation limit is reached — `invitesweep resume`" in status.output
    again = await invoke(cli_env, "pause")
    assert again.exit_code == 0, again.output
    assert '"default" is already paused (the weekly invitation limit is reached' in again.stdout

    resumed = await invoke(cli_env, "resume")
    assert resumed.exit_code == 0, resumed.output
    assert 'Resumed the browser work of "default".' in resumed.stdout
    assert "is not paused" in (await invoke(cli_env, "resume")).stdout

    paused = await invoke(cli_env, "pause")
    assert paused.exit_code == 0, paused.output
    assert 'Paused the browser work of "default"' in paused.stdout
    async with db() as session:
        stored = await session.get_one(Account, account.id)
        kinds = list(await session.scalars(select(Event.kind).order_by(Event.id)))
    assert (stored.paused, stored.paused_reason) == (True, PauseCause.OWNER)
    assert kinds == ["account_paused", "account_resumed", "account_paused"]
    unknown = await invoke(cli_env, "resume", "--account", "wrok")
    assert unknown.exit_code == 2 and 'no account called "wrok"' in unknown.stderr


async def test_pause_from_the_command_line_while_the_session_expired_outlasts_the_sign_in(
    cli_env: dict[str, str], db: SessionFactory, account: Account
) -> None:
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        await pause_for(session, stored, SessionExpired("gone"), system_clock())
    paused = await invoke(cli_env, "pause")
    assert paused.exit_code == 0, paused.output
    assert (
        'Paused the browser work of "default" by you. It was already paused: the LinkedIn session expired'
        in paused.stdout
    )
    assert "After you sign in again it stays paused until `invitesweep resume`." in paused.stdout
    async with db() as session:
        stored = await session.get_one(Account, account.id)
    assert (stored.paused, stored.paused_reason, stored.session_status) == (
        True,
        PauseCause.OWNER,
        SessionStatus.EXPIRED,
    )


async def test_stats_show_acceptance_per_note_template(
    cli_env: dict[str, str], db: SessionFactory, account: Account
) -> None:
    from tests.services.test_note_records import closed_invitations

    await closed_invitations(db, account, "work_1", InvitationState.ACCEPTED, 5)
    await closed_invitations(db, account, "work_1", InvitationState.WITHDRAWN, 5)
    await closed_invitations(db, account, "own:met", InvitationState.WITHDRAWN, 4)
    result = await invoke(cli_env, "stats")
    assert result.exit_code == 0, result.output
    assert "Acceptance per note template (decided invitations; 95% Wilson interval):" in result.output
    lines = [
        line.split() for line in result.output.splitlines() if line.strip().startswith(("work_1", "own:met"))
    ]
    assert lines == [["work_1", "10", "5", "50%", "(24–76%)"], ["own:met", "4", "0", "0%", "(0–49%)"]]
