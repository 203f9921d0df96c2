"""CLI: commands over the store and services (sync, status, digest, stats, withdraw, keep, note,
export, login, demo, db, doctor).

Each command is thin: it takes the settings from the `CliContext` (`cli.settings`, validated
once), opens the store (migrated first), calls services and prints a template from
`templates/cli/`. Input that does not parse (an age like "ninety", a profile that is not a slug,
a note that cannot be sent, a malformed setting) stops with exit code 2 before anything is
touched; every other failure is raised as an outcome (`bot.commands.outcomes`), which
`bot.cli.main` turns into one line and an exit code. Browser work lives in
`bot.commands.browser_work`, the checks in `bot.commands.health`, the demo in `bot.commands.demo`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from automation.access import LinkedInAccess
from automation.errors import CheckpointRequired, HumanRequired
from automation.slugs import profile_slug
from bot.commands import browser_work, console, demo
from bot.commands.console import (
    CliContext,
    account_option,
    find_account,
    invalid,
    open_store,
    pass_cli,
    run,
    say,
)
from bot.commands.health import current_revision, run_checks
from bot.commands.outcomes import BadInput, NeedsSignIn, WorkFailed
from bot.db.models import Account, Person
from bot.db.session import SessionFactory
from bot.services.accounts import get_or_create_account
from bot.services.actions import queue_overview
from bot.services.clock import system_clock
from bot.services.digest import build_digest
from bot.services.export import sheet_rows, write_csv
from bot.services.notes import InvalidNote, draft_note_for, note_length, note_limit, note_quota, validate_note
from bot.services.people import set_keep
from bot.services.reminders import CONTEXT_MAX_LENGTH, count_due, set_context
from bot.services.secrets import SessionVault
from bot.services.session_health import adopt_session
from bot.services.stats import account_stats
from bot.settings import Settings

_DURATION = re.compile(r"^\s*(\d{1,4})\s*(d|day|days|w|wk|week|weeks)\s*$", re.IGNORECASE)
_SLUG = re.compile(r"^[\w-]{2,100}$")
MAX_DAYS = 3650
MAX_EMAIL_LENGTH = 254  # the longest address mail servers accept
MAX_WITHDRAW = 10_000  # twenty times LinkedIn's pending ceiling
MAX_PAGE = 100_000


class Duration(click.ParamType[int]):
    """An age like 90d or 12w, as whole days."""

    name = "age"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        match = _DURATION.match(str(value))
        if match is None:
            raise invalid("duration", value)
        days = int(match[1]) * (7 if match[2].lower().startswith("w") else 1)
        if not 1 <= days <= MAX_DAYS:
            raise invalid("duration", value)
        return days


class Email(click.ParamType[str]):
    """A LinkedIn sign-in email: something@somewhere, one line, no spaces."""

    name = "email"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip()
        local, at, domain = text.rpartition("@")
        if not (at and local and domain) or len(text) > MAX_EMAIL_LENGTH:
            raise invalid("email", value)
        if any(char.isspace() or not char.isprintable() for char in text):
            raise invalid("email", value)
        return text


class ContextText(click.ParamType[str]):
    """What the owner knows about a person: one line of plain text that fits the store."""

    name = "text"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = " ".join(str(value).split())
        if len(text) > CONTEXT_MAX_LENGTH:
            raise invalid("context", value, length=len(text), limit=CONTEXT_MAX_LENGTH)
        return text


class ProfileSlug(click.ParamType[str]):
    """A member's profile: the slug (jane-doe) or the profile URL."""

    name = "profile"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip()
        slug = profile_slug(text) if "/" in text else text
        if slug is None or not _SLUG.match(slug):
            raise invalid("slug", value)
        return slug


async def _person(db: SessionFactory, account: Account, slug: str) -> Person | None:
    async with db() as session:
        person: Person | None = await session.scalar(
            select(Person).where(Person.account_id == account.id, Person.slug == slug)
        )
        return person


# --- status, digest ---------------------------------------------------------------------------


@click.command()
@account_option
@pass_cli
def status(cli: CliContext, account_name: str) -> None:
    """Show the account: session, last sync, pending vs ceiling, queue, reminders, notes left."""
    settings = cli.settings

    async def _status() -> None:
        async with open_store(settings) as db:
            account = await find_account(db, account_name)
            now = system_clock()
            async with db() as session:
                digest = await build_digest(session, account, now=now, page_size=1)
                reminders_due = await count_due(session, account, now=now)
                quota = await note_quota(session, account, now=now)
            queue = await queue_overview(db, account.id, now=now)
            say(
                "status",
                account=account,
                ceiling=digest.ceiling,
                queue=queue,
                reminders_due=reminders_due,
                quota=quota,
            )

    run(_status())


@click.command()
@account_option
@click.option(
    "--page", type=click.IntRange(1, MAX_PAGE), default=1, show_default=True, help="Which page of the list."
)
@click.option(
    "--page-size", type=click.IntRange(1, 200), default=10, show_default=True, help="Invitations per page."
)
@pass_cli
def digest(cli: CliContext, account_name: str, page: int, page_size: int) -> None:
    """Print the weekly digest: pending vs ceiling, age buckets, the stalest invitations."""
    settings = cli.settings

    async def _digest() -> None:
        async with open_store(settings) as db:
            account = await find_account(db, account_name)
            async with db() as session:
                result = await build_digest(
                    session, account, now=system_clock(), page=page - 1, page_size=page_size
                )
            say("digest", digest=result, bucket_names=demo.BUCKET_NAMES)

    run(_digest())


@click.command()
@account_option
@click.option("--days", type=click.IntRange(1, 365), default=30, show_default=True, help="History to show.")
@pass_cli
def stats(cli: CliContext, account_name: str, days: int) -> None:
    """Acceptance rates (overall, with and without a note), how fast people accept, pending over time."""
    settings = cli.settings

    async def _stats() -> None:
        async with open_store(settings) as db:
            account = await find_account(db, account_name)
            async with db() as session:
                result = await account_stats(session, account, now=system_clock(), history_days=days)
            say("stats", stats=result, account=account)

    run(_stats())


# --- keep -------------------------------------------------------------------------------------


@click.group()
def keep() -> None:
    """The keep list: people never suggested and never withdrawn in bulk."""


async def _set_keep(settings: Settings, account_name: str, slugs: tuple[str, ...], value: bool) -> None:

    async with open_store(settings) as db:
        account = await find_account(db, account_name)
        changed: list[str] = []
        unknown: list[str] = []
        async with db.begin() as session:
            for slug in slugs:
                person = await session.scalar(
                    select(Person).where(Person.account_id == account.id, Person.slug == slug)
                )
                if person is None:
                    unknown.append(slug)
                    continue
                await set_keep(session, account, person, value, system_clock())
                changed.append(person.name)
        say("keep_changed", changed=changed, unknown=unknown, keep=value)
        if unknown:
            raise WorkFailed("keep_unknown", unknown=unknown, changed=len(changed))


@keep.command("add")
@account_option
@click.argument("profiles", nargs=-1, required=True, type=ProfileSlug())
@pass_cli
def keep_add(cli: CliContext, account_name: str, profiles: tuple[str, ...]) -> None:
    """Keep-list people by profile slug or URL."""
    run(_set_keep(cli.settings, account_name, profiles, True))


@keep.command("remove")
@account_option
@click.argument("profiles", nargs=-1, required=True, type=ProfileSlug())
@pass_cli
def keep_remove(cli: CliContext, account_name: str, profiles: tuple[str, ...]) -> None:
    """Take people off the keep list."""
    run(_set_keep(cli.settings, account_name, profiles, False))


@keep.command("list")
@account_option
@pass_cli
def keep_list(cli: CliContext, account_name: str) -> None:
    """List the keep-listed people."""
    settings = cli.settings

    async def _list() -> None:
        async with open_store(settings) as db:
            account = await find_account(db, account_name)
            async with db() as session:
                people = list(
                    await session.scalars(
                        select(Person)
                        .where(Person.account_id == account.id, Person.keep.is_(True))
                        .order_by(Person.name)
                    )
                )
            say("keep_list", people=people)

    run(_list())


# --- notes ------------------------------------------------------------------------------------


@click.group()
def note() -> None:
    """Connection notes."""


@note.command("draft")
@account_option
@click.argument("profile", type=ProfileSlug())
@click.option(
    "--context",
    type=ContextText(),
    help='What you know about them, e.g. "met at Denver Tech Conference" (saved).',
)
@pass_cli
def note_draft(cli: CliContext, account_name: str, profile: str, context: str | None) -> None:
    """Draft a personal connection note for someone from your invitations."""
    settings = cli.settings

    async def _draft() -> None:
        async with open_store(settings) as db:
            account = await find_account(db, account_name)
            person = await _person(db, account, profile)
            if person is None:
                raise WorkFailed("not_found", slug=profile)
            async with db.begin() as session:
                if context is not None:
                    person = await set_context(session, person.id, context, account_id=account.id)
                quota = await note_quota(session, account, now=system_clock())
            draft = draft_note_for(person, account.plan)
            say(
                "note_draft",
                person=person,
                draft=draft,
                length=note_length(draft.text),
                limit=note_limit(account.plan),
                quota=quota,
            )

    run(_draft())


@note.command("check")
@account_option
@click.argument("text")
@pass_cli
def note_check(cli: CliContext, account_name: str, text: str) -> None:
    """Check a note you wrote: within your plan's limit, no links or control characters."""
    settings = cli.settings

    async def _check() -> None:
        async with open_store(settings) as db:
            account = await find_account(db, account_name)
        limit = note_limit(account.plan)
        try:
            checked = validate_note(text, limit)
        except InvalidNote as exc:
            raise BadInput("note_invalid", error=exc) from None
        say("note_ok", length=note_length(checked), limit=limit)

    run(_check())


# --- export -----------------------------------------------------------------------------------


@click.command()
@account_option
@click.option(
    "--csv",
    "csv_path",
    required=True,
    type=click.Path(dir_okay=False, writable=True, allow_dash=True, path_type=Path),
    help="Where to write the tracking sheet (- for stdout).",
)
@pass_cli
def export(cli: CliContext, account_name: str, csv_path: Path) -> None:
    """Write the tracking sheet (every invitation, dates, notes, follow-ups) as CSV."""
    settings = cli.settings

    async def _export() -> None:
        async with open_store(settings) as db:
            account = await find_account(db, account_name)
            async with db() as session:
                rows = await sheet_rows(session, account)
        if str(csv_path) == "-":
            write_csv(rows, sys.stdout)
            return
        try:
            with csv_path.open("w", newline="", encoding="utf-8") as stream:
                count = write_csv(rows, stream)
        except OSError as exc:
            detail = exc.strerror or type(exc).__name__
            raise WorkFailed("invalid", reason="csv_path", value=csv_path, detail=detail) from None
        say("export_done", count=count, path=csv_path)

    run(_export())


# --- db ---------------------------------------------------------------------------------------


@click.group()
def db() -> None:
    """The database."""


@db.command("upgrade")
@pass_cli
def db_upgrade(cli: CliContext) -> None:
    """Migrate the database to the newest schema (also done by every command)."""
    settings = cli.settings

    async def _upgrade() -> None:
        async with open_store(settings) as factory:
            revision = await current_revision(factory)
        say("db_upgraded", url=console.safe_url(settings.resolved_database_url), revision=revision)

    run(_upgrade())


# --- doctor -----------------------------------------------------------------------------------


@click.command()
@account_option
@click.option("--online", is_flag=True, help="Also open LinkedIn to prove the stored session still works.")
@pass_cli
def doctor(cli: CliContext, account_name: str, online: bool) -> None:
    """Check the setup: browser, database, Telegram token, LinkedIn session (one line each)."""
    settings = cli.settings
    checks = run(run_checks(settings, account_name, online=online))
    say("doctor", checks=checks)
    failed = [check.name for check in checks if not check.ok]
    if failed:
        raise WorkFailed("doctor_failed", failed=failed)


# --- browser work -----------------------------------------------------------------------------


@click.command()
@account_option
@pass_cli
def sync(cli: CliContext, account_name: str) -> None:
    """Read the Sent invitations page and bring the store up to date."""
    settings = cli.settings

    async def _sync() -> None:
        async with open_store(settings) as factory:
            account = await find_account(factory, account_name)
            async with browser_work.linkedin(factory, settings, system_clock) as provider:
                report = await browser_work.sync_with_progress(factory, provider, account, system_clock)
            say("sync_report", report=report)

    run(_sync())


@click.command()
@account_option
@click.option(
    "--older-than", "older_than", type=Duration(), required=True, help="Minimum age, e.g. 90d or 12w."
)
@click.option(
    "--max",
    "max_n",
    type=click.IntRange(1, MAX_WITHDRAW),
    default=1000,
    show_default=True,
    help="At most this many.",
)
@click.option("--dry-run", is_flag=True, help="Show what would be withdrawn; change nothing.")
@click.option("--yes", "-y", "assume_yes", is_flag=True, help="Do not ask for confirmation.")
@pass_cli
def withdraw(
    cli: CliContext, account_name: str, older_than: int, max_n: int, dry_run: bool, assume_yes: bool
) -> None:
    """Withdraw pending invitations older than an age, oldest first, within the daily cap.

    If an earlier withdraw (or a bulk request from Telegram) is unfinished, for instance because
    it was killed, this finishes that work instead of queuing more: run it again afterwards.
    Exits 1 if any withdrawal did not go through.
    """
    settings = cli.settings

    async def _withdraw() -> None:
        async with open_store(settings) as factory:
            account = await find_account(factory, account_name)
            preview = await browser_work.withdrawal_preview(
                factory, account, older_than, max_n, system_clock()
            )
            say("withdraw_preview", preview=preview, dry_run=dry_run)
            if dry_run or not (preview.count or preview.unfinished):
                return
            if not assume_yes and not click.confirm(
                console.renderer().cli("withdraw_confirm", preview=preview)
            ):
                raise WorkFailed("withdraw_aborted")
            async with browser_work.linkedin(factory, settings, system_clock) as provider:
                result = await browser_work.withdraw_with_progress(
                    factory, provider, account, older_than, max_n, system_clock, resume=preview.unfinished
                )
            say("withdraw_result", result=result)
            if result.run.failed:
                raise WorkFailed("run_failed", run=result.run, noun="withdrawals")

    run(_withdraw())


# --- queue ------------------------------------------------------------------------------------


@click.group()
def queue() -> None:
    """The queue of browser work (withdrawals, invitations, syncs) that `invitesweep run` works through."""


@queue.command("show")
@account_option
@pass_cli
def queue_show(cli: CliContext, account_name: str) -> None:
    """List what waits in the queue, what is running (and which process runs it), what failed this week."""
    settings = cli.settings

    async def _show() -> None:
        async with open_store(settings) as factory:
            account = await find_account(factory, account_name)
            overview = await queue_overview(factory, account.id, now=system_clock())
            say("queue_show", overview=overview)

    run(_show())


@queue.command("run")
@account_option
@pass_cli
def queue_run(cli: CliContext, account_name: str) -> None:
    """Run the account's due work now, without Telegram; finishes what a killed run left.

    Work a process on this machine left unfinished when it died is checked on LinkedIn and
    completed at once. Exits 1 if any of it did not go through, or another process is working
    the account's queue right now.
    """
    settings = cli.settings

    async def _run() -> None:
        async with open_store(settings) as factory:
            account = await find_account(factory, account_name)
            async with browser_work.linkedin(factory, settings, system_clock) as provider:
                result = await browser_work.run_queue_with_progress(
                    factory, provider, account, system_clock, step="queue"
                )
            say("queue_run", run=result)
            if result.failed:
                raise WorkFailed("run_failed", run=result, noun="actions")

    run(_run())


# --- login ------------------------------------------------------------------------------------


@click.command()
@account_option
@click.option(
    "--email", type=Email(), help="Sign in headless with this email; prompts for the password (and a PIN)."
)
@pass_cli
def login(cli: CliContext, account_name: str, email: str | None) -> None:
    """Sign in to LinkedIn in a visible browser (2FA, captcha) and store the session encrypted."""
    settings = cli.settings
    password = click.prompt("LinkedIn password", hide_input=True) if email else None

    async def _login() -> None:
        vault = SessionVault.from_settings(settings)
        config = settings.automation_config()
        async with open_store(settings) as factory, LinkedInAccess(config) as access:
            async with factory.begin() as session:
                account = await get_or_create_account(
                    session, account_name, timezone=settings.default_timezone
                )
            if email is None:
                say("login_visible", url=config.url("/login"))
                try:
                    state = await access.visible_login()
                except HumanRequired:
                    raise NeedsSignIn("login_visible_failed") from None
            else:
                assert password is not None
                state = await browser_work.credential_login(access, email, password, _ask_code)
            async with factory.begin() as session:
                stored = await session.get_one(Account, account.id)
                await adopt_session(session, stored, vault, state, system_clock())
            say("login_done", account=account)

    run(_login())


def _ask_code(error: CheckpointRequired) -> str:
    return str(click.prompt(console.renderer().cli("login_code", kind=error.kind)))


# --- demo -------------------------------------------------------------------------------------


@click.command("demo")
@click.option(
    "--pending",
    type=click.IntRange(10, 2000),
    default=520,
    show_default=True,
    help="Invitations in the world.",
)
@click.option(
    "--withdraw",
    "withdraw_n",
    type=click.IntRange(1, 20),
    default=5,
    show_default=True,
    help="How many to withdraw.",
)
@pass_cli
def demo_command(cli: CliContext, pending: int, withdraw_n: int) -> None:
    """Try everything offline: a local LinkedIn imitation, no account, no Telegram, about a minute."""
    run(demo.run_demo(cli.settings, pending=pending, withdraw=withdraw_n))


COMMANDS: list[click.Command] = [
    sync,
    status,
    digest,
    stats,
    withdraw,
    queue,
    keep,
    note,
    export,
    login,
    demo_command,
    db,
    doctor,
]
