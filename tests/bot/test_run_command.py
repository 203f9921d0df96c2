"""`invitesweep run` as a real process: the token hint, and a smoke test over real HTTP."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from asyncio.subprocess import PIPE
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from bot.db.migrate import upgrade_engine
from bot.db.models import Account, Event, SessionStatus
from bot.db.session import create_engine, create_session_factory
from bot.services.session_health import PauseCause, pause
from tests.botapi import BotApiServer
from tests.fixtures.botapi import OWNER, wait_until

INVITESWEEP = str(Path(sys.executable).with_name("invitesweep"))


def test_without_a_token_it_explains_botfather_and_exits_2(tmp_path: Path) -> None:
    env = {"TELEGRAM_BOT_TOKEN": "", "DATA_DIR": str(tmp_path)}
    result = CliRunner().invoke(main, ["run"], env=env)
    assert result.exit_code == 2
    assert "@BotFather" in result.output and "invitesweep demo" in result.output


async def test_the_bot_process_migrates_answers_and_stops_cleanly(
    botapi: BotApiServer, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": botapi.token,
        "TELEGRAM_API_BASE_URL": botapi.base_url,
        "TELEGRAM_OWNER_IDS": str(OWNER),
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path, stdout=PIPE, stderr=PIPE
    )
    try:
        await wait_until(lambda: botapi.commands, within=60, what="setMyCommands")
        botapi.send_text(OWNER, "/start")
        reply = await wait_until(lambda: botapi.bot_messages(OWNER), within=30, what="the reply")
        assert "I keep your LinkedIn sent invitations healthy" in (reply[0].text or "")
    finally:
        process.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    assert botapi.token not in (out + err).decode()
    assert (tmp_path / "bot.sqlite3").is_file()


async def test_run_sandbox_gives_the_whole_experience_without_linkedin(
    botapi: BotApiServer, tmp_path: Path
) -> None:
    """`invitesweep run --sandbox`: its own database in the data dir, a real digest from the sandbox."""
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": botapi.token,
        "TELEGRAM_API_BASE_URL": botapi.base_url,
        "TELEGRAM_OWNER_IDS": str(OWNER),
        "DATA_DIR": str(tmp_path / "data"),
        "PACING_MIN_SECONDS": "0",
        "PACING_MAX_SECONDS": "0",
    }
    env.pop("DATABASE_URL", None)
    env.pop("LINKEDIN_BASE_URL", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--sandbox", env=env, cwd=tmp_path, stdout=PIPE, stderr=PIPE
    )
    try:
        await wait_until(lambda: botapi.commands, within=60, what="setMyCommands")
        botapi.send_text(OWNER, "/start")
        await wait_until(lambda: botapi.bot_messages(OWNER), within=30, what="the welcome")
        botapi.send_text(OWNER, "/digest")

        def digest() -> list[str]:
            texts = [m.text or "" for m in botapi.bot_messages(OWNER)]
            return [t for t in texts if "Your weekly invitation digest" in t]

        found = await wait_until(digest, within=90, what="the digest")
        assert "520 / 500 pending" in found[-1]

        def withdraw_buttons() -> list[object]:
            return [m for m in botapi.bot_messages(OWNER) if any(b.text == "Withdraw" for b in m.buttons)]

        await wait_until(withdraw_buttons, within=30, what="[Withdraw] on the stalest invitations")
    finally:
        process.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    assert "127.0.0.1" in out.decode()  # the sandbox's address is printed for the person
    assert (tmp_path / "data" / "sandbox.sqlite3").is_file()


def _closed_port() -> int:
    """A local port nothing listens on (taken from the OS, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_an_unreachable_bot_api_is_retried_with_one_line_per_attempt(tmp_path: Path) -> None:
    token = "123456:unreachable-secret"
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{_closed_port()}/bot",
        "TELEGRAM_OWNER_IDS": str(OWNER),
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
    }
    process = await asyncio.create_subprocess_exec(
        INVITESWEEP, "run", env=env, cwd=tmp_path, stdout=PIPE, stderr=PIPE
    )
    assert process.stderr is not None
    attempts: list[str] = []
    try:

        async def two_attempts() -> None:
            assert process.stderr is not None
            while len(attempts) < 2:
                line = (await process.stderr.readline()).decode()
                assert line, "the process ended instead of trying again"
                if "cannot be reached" in line:
                    attempts.append(line)

        await asyncio.wait_for(two_attempts(), 60)
    finally:
        process.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    assert "attempt 1); trying again in 1 s" in attempts[0]
    assert "attempt 2); trying again in 2 s" in attempts[1]
    everything = "".join(attempts) + (out + err).decode()
    assert "Traceback" not in everything and token not in everything


async def test_a_refused_token_stops_run_with_exit_2(botapi: BotApiServer, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": "654321:not-the-servers-token",
        "TELEGRAM_API_BASE_URL": botapi.base_url,
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
    }
    process = await asyncio.create_subprocess_exec(
        INVITESWEEP, "run", env=env, cwd=tmp_path, stdout=PIPE, stderr=PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    lines = err.decode().strip().splitlines()
    assert "refused TELEGRAM_BOT_TOKEN" in lines[-1]
    assert "Traceback" not in (out + err).decode() and "not-the-servers-token" not in (out + err).decode()


async def test_run_sandbox_signs_every_account_in_ending_session_pauses_but_not_the_owners(
    botapi: BotApiServer, tmp_path: Path
) -> None:
    """The sandbox's session is adopted like any sign-in: the same rule, the same event."""
    database = tmp_path / "data" / "sandbox.sqlite3"
    database.parent.mkdir()
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    await upgrade_engine(engine)
    now = datetime.now(UTC)
    async with create_session_factory(engine).begin() as session:
        expired, owners = Account(name="default"), Account(name="paused-by-owner")
        session.add_all([expired, owners])
        await session.flush()
        await pause(session, expired, PauseCause.SESSION_EXPIRED, now)
        expired.session_status = SessionStatus.EXPIRED
        await pause(session, owners, PauseCause.OWNER, now)
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": "654321:not-the-servers-token",  # refused: run stops after adopting
        "TELEGRAM_API_BASE_URL": botapi.base_url,
        "DATA_DIR": str(database.parent),
    }
    env.pop("DATABASE_URL", None)
    env.pop("LINKEDIN_BASE_URL", None)
    process = await asyncio.create_subprocess_exec(
        INVITESWEEP, "run", "--sandbox", env=env, cwd=tmp_path, stdout=PIPE, stderr=PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2, err.decode()

    async with create_session_factory(engine)() as session:
        accounts = {a.name: a for a in await session.scalars(select(Account))}
        adopted = list(await session.scalars(select(Event.account_id).where(Event.kind == "session_adopted")))
    await engine.dispose()
    assert {a.session_status for a in accounts.values()} == {SessionStatus.VALID}
    assert (accounts["default"].paused, accounts["default"].paused_reason) == (False, None)
    assert (accounts["paused-by-owner"].paused, accounts["paused-by-owner"].paused_reason) == (True, "owner")
    assert sorted(adopted) == sorted(a.id for a in accounts.values())
