"""`invitesweep demo`: the whole product, offline, in about a minute.

It starts the bundled LinkedIn sandbox in this process (about 520 pending invitations, more than
the 500 ceiling), keeps its data in a throwaway SQLite file in a temporary folder, and walks
through the real services against it in real Chromium: sync, the digest, withdrawing the five
oldest, jumping both clocks past the re-invite cooldown, the reminder with its drafted note, and
one re-invitation with that note, verified as pending. No account, no network, no Telegram.

A step that does not do what it shows (an error, a withdrawal or the invitation not going
through) stops the demo with one line naming the step, and exit code 1: the demo is also the
proof, in CI, that an install works.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import AsyncExitStack, ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import NoReturn

import click

from bot.commands.browser_work import sync_with_progress, withdraw_with_progress
from bot.commands.console import linkedin, open_store
from bot.commands.outcomes import Outcome, WorkFailed
from bot.commands.texts import renderer, say
from bot.db.models import Account, Plan
from bot.db.session import SessionFactory
from bot.services.accounts import get_or_create_account
from bot.services.actions import ActionOutcome, Result, request_invite, run_due_actions
from bot.services.clock import OffsetClock
from bot.services.digest import build_digest
from bot.services.linkedin import ClientProvider
from bot.services.note_model import NoteModelConfig, redraft_with_model
from bot.services.notes import note_length, note_limit
from bot.services.people import withdrawn_slugs
from bot.services.profile_context import read_for_reminder
from bot.services.reminders import DueReminder, mark_sent, scan_due, with_profile_read
from bot.services.rhythm import ALWAYS
from bot.services.secrets import SessionVault
from bot.services.session_health import adopt_session
from bot.settings import Settings
from sandbox import SandboxConfig, SandboxServer

DEMO_ACCOUNT = "demo"
ALL_DAY = (0, 24)  # the demo shows its reminder at once, whatever the hour
BUCKET_NAMES = {"fresh": "fresh", "review": "review", "suggest": "consider", "withdraw": "withdraw"}


@dataclass(frozen=True)
class DemoResult:
    """What the demo did, for its test (the output is for people)."""

    pending_before: int
    withdrawn: tuple[str, ...]  # slugs
    reminder_slug: str
    note: str
    invite: ActionOutcome


def demo_settings(settings: Settings, folder: Path, base_url: str) -> Settings:
    """The user's settings pointed at the sandbox and a throwaway store, with no pauses."""
    return settings.model_copy(
        update={
            "data_dir": folder,
            "database_url": f"sqlite:///{folder / 'demo.sqlite3'}",
            "session_key": None,
            "linkedin_base_url": base_url,
            "headless": True,
            "pacing_min_seconds": 0.0,
            "pacing_max_seconds": 0.0,
            "undo_window_seconds": 0.0,
        }
    )


async def run_demo(
    settings: Settings, *, pending: int = 520, withdraw: int = 5, sandbox: SandboxServer | None = None
) -> DemoResult:
    """Run the walk-through; `sandbox` is a running one to use instead of starting our own (tests)."""
    with tempfile.TemporaryDirectory(prefix="invitesweep-demo-") as folder, ExitStack() as stack:
        if sandbox is None:
            sandbox = stack.enter_context(SandboxServer(SandboxConfig(pending=pending)))
        local = demo_settings(settings, Path(folder), sandbox.base_url)
        say("demo_intro", base_url=sandbox.base_url, pending=len(sandbox.state.pending()), folder=folder)
        return await _walk_through(local, sandbox, withdraw)


async def demo_account(
    db: SessionFactory, settings: Settings, sandbox: SandboxServer, now: datetime
) -> Account:
    """The demo's account, signed in to the sandbox the way every sign-in is (`adopt_session`)."""
    async with db.begin() as session:
        account = await get_or_create_account(session, DEMO_ACCOUNT, timezone="UTC")
        account.plan = Plan(sandbox.config.plan)
        # The whole loop in a minute: the demo's account works around the clock, at once. A
        # real account keeps its active hours and spreads the work (`bot.services.rhythm`).
        for name, value in ALWAYS.items():
            setattr(account, name, value)
        # The sandbox hands out a signed-in session, as `invitesweep login` would store one.
        vault = SessionVault.from_settings(settings)
        await adopt_session(session, account, vault, sandbox.storage_state(), now)
    return account


async def _walk_through(settings: Settings, sandbox: SandboxServer, withdraw: int) -> DemoResult:
    clock = OffsetClock()
    async with open_store(settings) as db:
        account = await demo_account(db, settings, sandbox, clock())

        async with AsyncExitStack() as stack:
            with _step("browser"):
                provider = await stack.enter_async_context(linkedin(db, settings, clock))
            click.echo()
            say("demo_step", step="sync")
            with _step("sync"):
                report = await sync_with_progress(db, provider, account, clock)
            say("sync_report", report=report)
            if report.pending == 0:
                _stop("sync", reason="nothing_synced")

            click.echo()
            say("demo_step", step="digest")
            with _step("digest"):
                async with db() as session:
                    digest = await build_digest(session, account, now=clock(), page_size=5)
            say("digest", digest=digest, bucket_names=BUCKET_NAMES)

            click.echo()
            say("demo_step", step="withdraw", count=withdraw)
            with _step("withdraw"):
                # The bulk request takes the oldest first; a one-day floor means "the N oldest, whatever age".
                run = await withdraw_with_progress(db, provider, account, 1, withdraw, clock)
            say("withdraw_result", result=run)
            if len(run.withdrawn) < withdraw:
                _stop("withdraw", reason="not_withdrawn", done=len(run.withdrawn), wanted=withdraw)

            jump = timedelta(days=account.cooldown_days + 1)
            click.echo()
            say("demo_step", step="jump", days=jump.days)
            sandbox.advance_clock(jump)
            clock.advance(jump)

            with _step("reminder"):
                due = await _first_reminder(db, provider, settings, clock)
            note = due.reminder.draft_note or ""
            say("reminder", due=due, length=note_length(note), limit=note_limit(due.account.plan))

            click.echo()
            say("demo_step", step="invite", person=due.person.name)
            with _step("invite"):
                await request_invite(
                    db, account.id, due.person.id, note, now=clock(), undo_window=timedelta(0)
                )
                (invite,) = await run_due_actions(db, provider, clock, limit=1)
            say("invite_result", outcome=invite, note=note)
            if invite.result is not Result.INVITED:
                _stop("invite", reason="not_invited", result=invite.result.value)

        click.echo()
        say("demo_outro")
        return DemoResult(
            pending_before=report.pending,
            withdrawn=tuple(await _withdrawn(db, account)),
            reminder_slug=due.person.slug,
            note=note,
            invite=invite,
        )


def _stop(step: str, **context: object) -> NoReturn:
    """End the demo at `step`, saying why (exit code 1: the work failed)."""
    raise WorkFailed("demo_failed", step=step, **context)


@contextmanager
def _step(step: str) -> Iterator[None]:
    """Any error inside a step ends the demo with one line that names the step and the error."""
    try:
        yield
    except Outcome:
        raise  # already says which step and why
    except Exception as exc:
        first_line = next(iter(str(exc).splitlines()), "")  # a browser error carries its call log
        _stop(step, reason="error", error=first_line, kind=type(exc).__name__)


async def _first_reminder(
    db: SessionFactory, provider: ClientProvider, settings: Settings, clock: OffsetClock
) -> DueReminder:
    """The first cooldown reminder now due, prepared as the reminder job prepares one, and stamped
    as shown (the demo "sends" it to the terminal): the person's profile (and the owner's) read
    first, the note redrafted from what was read, then the owner's model when one is configured."""
    async with db.begin() as session:
        due = await scan_due(session, now=clock(), hours=ALL_DAY, with_chat_only=False)
        if not due:
            _stop("reminder", reason="no_reminder")
    first = due[0]
    async with provider.open(first.account) as client:
        await read_for_reminder(db, client, first.account.id, first.person.id, now=clock)
    async with db.begin() as session:
        first = await with_profile_read(session, first, now=clock())
    model = NoteModelConfig.from_settings(settings)
    if model is not None:
        first = await redraft_with_model(db, model, renderer(), first)
    async with db.begin() as session:
        await mark_sent(
            session,
            first.reminder.id,
            account_id=first.account.id,
            chat_id=None,
            message_id=None,
            now=clock(),
        )
    return first


async def _withdrawn(db: SessionFactory, account: Account) -> list[str]:
    async with db() as session:
        return await withdrawn_slugs(session, account)
