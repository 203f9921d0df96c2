"""`invitesweep web` and `invitesweep worker`: what they refuse, and real processes on PostgreSQL."""

from __future__ import annotations

import asyncio
from asyncio.subprocess import PIPE
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.cli import main
from bot.db.migrate import upgrade_engine
from bot.db.models import Account, Action, ActionState
from bot.db.session import create_engine, create_session_factory
from bot.services.actions import request_bulk_withdrawal
from bot.services.rhythm import ALWAYS
from bot.services.secrets import SessionVault
from bot.services.session_health import adopt_session
from bot.services.sync import sync_account
from bot.webhook import SECRET_HEADER
from sandbox import SandboxServer
from tests.botapi import BotApiServer
from tests.fakes.linkedin import FakeLinkedInSite
from tests.fixtures.botapi import OWNER, wait_until
from tests.fixtures.processes import INVITESWEEP, free_port, process_env, stop
from tests.fixtures.processes import WEBHOOK_SECRET as SECRET

SQLITE_REFUSED = "needs PostgreSQL"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": "123456:TEST-token",
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",  # never reached: refused before
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": "",
        "WEBHOOK_SECRET": "",
        **extra,
    }


@pytest.mark.parametrize("command", ["web", "worker"])
@pytest.mark.parametrize("database", ["", "sqlite:///{tmp}/store.sqlite3"])
def test_web_and_worker_refuse_sqlite_and_change_nothing(tmp_path: Path, command: str, database: str) -> None:
    env = _env(tmp_path, DATABASE_URL=database.format(tmp=tmp_path))
    result = CliRunner().invoke(main, [command], env=env)
    assert result.exit_code == 2, result.output
    assert SQLITE_REFUSED in result.output and "invitesweep run" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "data").exists() and not (tmp_path / "store.sqlite3").exists()


@pytest.mark.parametrize(
    ("args", "env", "said"),
    [
        (["--webhook-url", "http://bot.example.com/tg"], {}, "not a webhook address"),
        (["--webhook-url", "https:///tg"], {}, "not a webhook address"),
        (["--webhook-url", "https://bot.example.com/tg"], {}, "needs WEBHOOK_SECRET"),
        (["--port", "8443"], {"WEBHOOK_SECRET": SECRET}, "give them with --webhook-url"),
        (["--listen", "0.0.0.0"], {}, "give them with --webhook-url"),
        (
            ["--webhook-url", "https://bot.example.com/tg"],
            {"WEBHOOK_SECRET": "too-short"},
            "WEBHOOK_SECRET must",
        ),
        (
            ["--webhook-url", "https://bot.example.com/tg"],
            {"WEBHOOK_SECRET": "x" * 20 + "!"},
            "WEBHOOK_SECRET must",
        ),
    ],
)
def test_web_refuses_a_webhook_it_cannot_serve_safely(
    tmp_path: Path, args: list[str], env: dict[str, str], said: str
) -> None:
    postgres = "postgresql://nobody:nothing@127.0.0.1:9/never-reached"
    result = CliRunner().invoke(main, ["web", *args], env=_env(tmp_path, DATABASE_URL=postgres, **env))
    assert result.exit_code == 2, result.output
    assert said in result.output
    assert "too-short" not in result.output  # a refused secret is never repeated
    assert not (tmp_path / "data").exists()


# --- real processes on PostgreSQL -------------------------------------------------------------


@pytest.mark.postgres
async def test_a_worker_process_starts_and_stops_cleanly_on_sigterm(
    botapi: BotApiServer, tmp_path: Path, postgres_url: str
) -> None:
    process = await asyncio.create_subprocess_exec(
        INVITESWEEP, "worker", env=process_env(botapi, tmp_path, postgres_url), stdout=PIPE, stderr=PIPE
    )
    try:
        await wait_until(lambda: botapi.calls_of("getMe"), within=60, what="the worker's getMe")
    finally:
        output = await stop(process)
    assert process.returncode == 0, output
    assert botapi.token not in output and SECRET not in output
    assert botapi.calls_of("getUpdates") == [] and botapi.calls_of("setMyCommands") == []


@pytest.mark.postgres
async def test_a_webhook_web_process_serves_and_stops_cleanly_on_sigterm(
    botapi: BotApiServer, tmp_path: Path, postgres_url: str
) -> None:
    port = free_port()
    url = "https://bot.example.com/tg"
    process = await asyncio.create_subprocess_exec(
        INVITESWEEP,
        "web",
        "--webhook-url",
        url,
        "--listen",
        "127.0.0.1",
        "--port",
        str(port),
        env=process_env(botapi, tmp_path, postgres_url),
        stdout=PIPE,
        stderr=PIPE,
    )
    try:
        await wait_until(lambda: botapi.calls_of("setWebhook"), within=60, what="setWebhook")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            health = await http.get("/healthz")
            message = botapi.send_text(OWNER, "/help")
            (update,) = [
                u for u in botapi.take_updates(None, 100) if u["message"]["message_id"] == message.message_id
            ]
            refused = await http.post("/tg", json=update)
            taken = await http.post("/tg", json=update, headers={SECRET_HEADER: SECRET})
        await wait_until(lambda: botapi.bot_messages(OWNER), within=30, what="the answer to /help")
    finally:
        output = await stop(process)
    assert (health.status_code, refused.status_code, taken.status_code) == (200, 403, 200)
    assert process.returncode == 0, output
    assert f"127.0.0.1:{port}/tg" in output
    assert botapi.token not in output and SECRET not in output
    assert botapi.calls_of("setWebhook")[0].params["secret_token"] == SECRET
    assert botapi.calls_of("deleteWebhook") == [] and botapi.calls_of("getUpdates") == []


@pytest.mark.postgres
async def test_a_polling_web_process_answers_and_stops_cleanly_on_sigterm(
    botapi: BotApiServer, tmp_path: Path, postgres_url: str
) -> None:
    env = process_env(botapi, tmp_path, postgres_url)
    process = await asyncio.create_subprocess_exec(INVITESWEEP, "web", env=env, stdout=PIPE, stderr=PIPE)
    try:
        await wait_until(lambda: botapi.commands, within=60, what="setMyCommands")
        botapi.send_text(OWNER, "/start")
        reply = await wait_until(lambda: botapi.bot_messages(OWNER), within=30, what="the reply")
    finally:
        output = await stop(process)
    assert "I keep your LinkedIn sent invitations healthy" in (reply[0].text or "")
    assert process.returncode == 0, output
    assert botapi.token not in output
    assert botapi.calls_of("setWebhook") == []


@pytest.mark.postgres
async def test_sigterm_lets_a_worker_finish_the_action_in_hand_and_leaves_the_rest_queued(
    botapi: BotApiServer,
    tmp_path: Path,
    postgres_url: str,
    sandbox: SandboxServer,
    fake_site: FakeLinkedInSite,
) -> None:
    """A real worker process withdraws in Chromium against the sandbox; stopped mid-batch."""
    sandbox.reset(pending=12)
    key = Fernet.generate_key()
    engine = create_engine(postgres_url)
    await upgrade_engine(engine)
    db = create_session_factory(engine)
    now = sandbox.state.now()
    async with db.begin() as session:
        account = Account(name="default", owner_telegram_id=OWNER, chat_id=OWNER, **ALWAYS)
        session.add(account)
        await session.flush()
        await adopt_session(session, account, SessionVault(key), sandbox.storage_state(), now)
    async with fake_site.open(sandbox.storage_state()) as client:
        await sync_account(db, client, account.id, lambda: now)
    await request_bulk_withdrawal(db, account.id, 0, 12, OWNER, now=now, undo_window=timedelta(0))

    async def states() -> list[ActionState]:
        async with db() as session:
            return list((await session.scalars(select(Action.state))).all())

    env = {
        **process_env(botapi, tmp_path, postgres_url),
        "SESSION_KEY": key.decode(),
        "LINKEDIN_BASE_URL": sandbox.base_url,
        "PACING_MIN_SECONDS": "1",
        "PACING_MAX_SECONDS": "1",
    }
    process = await asyncio.create_subprocess_exec(INVITESWEEP, "worker", env=env, stdout=PIPE, stderr=PIPE)
    try:
        seen: list[ActionState] = []
        for _ in range(1200):  # until the first withdrawal is done (a minute at most)
            seen = await states()
            if ActionState.DONE in seen:
                break
            await asyncio.sleep(0.05)
    finally:
        output = await stop(process)
    assert ActionState.DONE in seen, output
    assert process.returncode == 0, output
    after = await states()
    await engine.dispose()
    assert ActionState.RUNNING not in after  # the action in hand was finished, not dropped
    assert ActionState.QUEUED in after  # the rest waits for the next worker
    assert after.count(ActionState.DONE) == len(sandbox.state.withdrawn_slugs())
    assert botapi.token not in output and key.decode() not in output
