"""Process roles (bot.roles): what `run`, `web` and `worker` each wire, over real HTTP.

`ALL` is `run` unchanged. A `WEB` process handles updates and runs the scans but has no browser:
its digest is built from the store, its reminders are drafted from stored context, and a
confirmed withdrawal waits in the queue for a worker. A `WORKER` has no handlers and no updater.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.context import BotContext
from bot.db.models import Account, Action, ActionState, LoginHandover, Reminder, ReminderState
from bot.db.session import SessionFactory
from bot.delivery.worker import kick_worker, process_actions
from bot.roles import Role
from bot.settings import Settings
from tests.bot.seed import seed_pending
from tests.bot.test_reminder_context import due_reminder
from tests.botapi import BotApiServer
from tests.fixtures.botapi import OWNER, bot_settings, run_job, running_bot, wait_until
from tests.fixtures.store import FIXED_NOW

SCANS = {"weekly-digest", "due-reminders", "due-followups"}
BROWSER_JOBS = {"daily-sync", "browser-idle", "action-recovery"}


class NoBrowser:
    """An opener that records every call and refuses: a process that must not open a browser."""

    def __init__(self) -> None:
        self.calls: list[object] = []

    def __call__(self, storage_state: Any) -> AbstractAsyncContextManager[Any]:
        self.calls.append(storage_state)
        raise AssertionError("a browser was opened")


@pytest.mark.parametrize(
    ("role", "jobs", "handles"),
    [
        (Role.ALL, SCANS | BROWSER_JOBS | {"action-worker"}, True),
        # A web process hands chat sign-ins to workers and tells the owner of one none took.
        (Role.WEB, SCANS | {"login-handovers"}, True),
        # A worker waits for announced work (NOTIFY) instead of ticking every few seconds, and
        # for handed-over sign-ins in a loop of its own (a batch never holds a sign-in back).
        (Role.WORKER, BROWSER_JOBS | {"work-waiter", "login-waiter"}, False),
    ],
)
async def test_each_role_wires_its_part(
    botapi: BotApiServer, settings: Settings, role: Role, jobs: set[str], handles: bool
) -> None:
    async with running_bot(settings, role=role, linkedin_client_factory=NoBrowser()) as app:
        assert app.job_queue is not None
        once = {
            "action-recovery",
            "work-waiter",
            "login-waiter",
        }  # run-once jobs leave the list when they start
        assert {job.name for job in app.job_queue.jobs()} >= jobs - once
        every = SCANS | BROWSER_JOBS | {"action-worker", "work-waiter", "login-waiter", "login-handovers"}
        assert not {job.name for job in app.job_queue.jobs()} & every - jobs
        assert bool(app.handlers) is handles
        assert (app.updater is not None) is handles
        assert (app.bot_data.browsers is not None) is role.runs_browser
        assert (app.bot_data.linkedin is not None) is role.runs_browser
    # The menu is set by the processes that handle updates; a worker leaves it to them.
    assert bool(botapi.calls_of("setMyCommands")) is handles
    assert not botapi.calls_of("getUpdates") if not handles else True


async def test_a_worker_never_asks_for_updates(botapi: BotApiServer, settings: Settings) -> None:
    """Two pollers on one token conflict: a worker must not be one (the web process is)."""
    botapi.send_text(OWNER, "/start")
    async with running_bot(settings, role=Role.WORKER, linkedin_client_factory=NoBrowser()):
        pass
    assert botapi.calls_of("getUpdates") == []
    assert botapi.bot_messages(OWNER) == []


async def test_web_sends_the_digest_and_a_reminder_without_a_browser(
    botapi: BotApiServer, settings: Settings, db: SessionFactory, signed_in: Account
) -> None:
    async with db.begin() as session:
        row = await session.get_one(Account, signed_in.id)
        row.digest_weekday, row.digest_hour = 0, 9  # Monday morning: due on the tests' Tuesday
    await seed_pending(db, signed_in, FIXED_NOW, [40, 95])
    await due_reminder(db, signed_in, "ada", "Ada Lovelace")
    browser = NoBrowser()
    async with running_bot(settings, role=Role.WEB, linkedin_client_factory=browser) as app:
        await run_job(app, "weekly-digest")
        summary = await wait_until(
            lambda: [m for m in botapi.bot_messages(OWNER) if "weekly invitation digest" in (m.text or "")],
            what="the digest",
        )
        await run_job(app, "due-reminders")
        await wait_until(
            lambda: [m for m in botapi.bot_messages(OWNER) if "Ada" in (m.text or "") and m.buttons],
            what="the reminder",
        )
    assert "could not be read" not in (summary[0].text or "")  # not attempted, so not "failed"
    async with db() as session:
        reminder = await session.scalar(select(Reminder))
    assert reminder is not None and reminder.state is ReminderState.SENT
    assert browser.calls == []


async def test_web_leaves_a_confirmed_withdrawal_to_the_workers(
    botapi: BotApiServer, db: SessionFactory, signed_in: Account, tmp_path: Any, db_path: Any
) -> None:
    settings = bot_settings(botapi, db_path, tmp_path / "data", undo_window_seconds=0.0)
    await seed_pending(db, signed_in, FIXED_NOW, [95])
    browser = NoBrowser()
    async with running_bot(settings, role=Role.WEB, linkedin_client_factory=browser) as app:
        botapi.send_text(OWNER, "/pending")
        card = await wait_until(lambda: botapi.message_with_button(OWNER, "Withdraw"), what="the card")
        botapi.tap(OWNER, "Withdraw", message_id=card.message_id)
        await wait_until(lambda: botapi.message_with_button(OWNER, "Yes, withdraw"), what="confirm")
        botapi.tap(OWNER, "Yes, withdraw", message_id=card.message_id)
        await wait_until(
            lambda: "Yes, withdraw" not in botapi.message(OWNER, card.message_id).button_texts,
            what="the confirmed card",
        )
        async with db() as session:
            states = (await session.scalars(select(Action.state))).all()
        assert states == [ActionState.QUEUED]
        assert app.job_queue is not None
        # `run` would start the worker now (kick_worker); a web process leaves it to the workers.
        assert not [job for job in app.job_queue.jobs() if job.callback is process_actions]
    assert browser.calls == []


@pytest.mark.parametrize(("role", "kicked"), [(Role.ALL, True), (Role.WEB, False)])
async def test_only_a_process_with_a_browser_starts_its_worker_early(
    settings: Settings, role: Role, kicked: bool
) -> None:
    async with running_bot(settings, role=role, linkedin_client_factory=NoBrowser()) as app:
        kick_worker(BotContext(app), undo_window=timedelta(seconds=30))
        assert app.job_queue is not None
        early = [
            job
            for job in app.job_queue.jobs()
            if job.callback is process_actions and job.name != "action-worker"  # not the repeating one
        ]
        assert bool(early) is kicked


@pytest.mark.parametrize(
    ("command", "said"),
    [("/login", "Let's connect LinkedIn"), ("/login AQEDAS-li-at-cookie", "a worker is opening LinkedIn")],
)
async def test_web_hands_the_sign_in_over_sealed_and_still_deletes_a_cookie(
    botapi: BotApiServer, settings: Settings, db: SessionFactory, owned: Account, command: str, said: str
) -> None:
    """A web process opens no browser: the cookie waits in the store, sealed, for a worker."""
    browser = NoBrowser()
    async with running_bot(settings, role=Role.WEB, linkedin_client_factory=browser):
        sent = botapi.send_text(OWNER, command)
        (answer,) = await wait_until(lambda: botapi.bot_messages(OWNER), what="the answer")
    assert said in (answer.text or "")
    assert botapi.message(OWNER, sent.message_id).deleted is (command != "/login")
    assert browser.calls == []
    async with db() as session:
        sealed = list(await session.scalars(select(LoginHandover.credentials)))
    assert len(sealed) == (command != "/login")
    assert all(b"AQEDAS" not in token for token in sealed)
