"""CLI: commands over the store and services (sync, status, digest, stats, withdraw, keep, note,
export, login, demo, db, doctor).

Each command is thin: it reads the settings (`Settings()`, inside the command), opens the store
(migrated first), calls services and prints a template from `templates/cli/`. Input that does not
parse (an age like "ninety", a profile that is not a slug, a note that cannot be sent, a malformed
setting) stops with exit code 2 before anything is touched. Browser work lives in
`bot.commands.browser_work`, the checks in `bot.commands.health`, the demo in `bot.commands.demo`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, NoReturn

import click
from sqlalchemy import select

from automation.errors import AutomationError, CheckpointRequired, HumanRequired
from automation.slugs import profile_slug
from bot.commands import browser_work, console, demo
from bot.commands.console import invalid, load_settings, open_store, refuse, run, say
from bot.commands.health import current_revision, run_checks
from bot.db.models import Account, Person
from bot.db.session import SessionFactory
from bot.services.accounts import DEFAULT_ACCOUNT_NAME, get_or_create_account, resume_account
from bot.services.actions import ActionRefused, queue_overview
from bot.services.clock import system_clock
from bot.services.digest import build_digest
from bot.services.export import sheet_rows, write_csv
from bot.services.notes import InvalidNote, draft_note_for, note_length, note_limit, note_quota, validate_note
from bot.services.people import set_keep
from bot.services.reminders import CONTEXT_MAX_LENGTH, count_due, set_context
from bot.services.secrets import SessionKeyError, SessionVault
from bot.services.stats import account_stats
from bot.settings import Settings

_DURATION = re.compile(r"^\s*(\d{1,4})\s*(d|day|days|w|wk|week|weeks)\s*$", re.IGNORECASE)
_SLUG = re.compile(r"^[\w-]{2,100}$")
MAX_DAYS = 3650

account_option = click.option(
    "--account",
    "account_name",
    default=DEFAULT_ACCOUNT_NAME,
    show_default=True,
    help="Which LinkedIn account (self-hosting usually has one).",
)


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


async def _account(db: SessionFactory, name: str, settings: Settings) -> Account:
    async with db.begin() as session:
        return await get_or_create_account(session, name, timezone=settings.default_timezone)


async def _person(db: SessionFactory, account: Account, slug: str) -> Person | None:
    async with db() as session:
        person: Person | None = await session.scalar(
            select(Person).where(Person.account_id == account.id, Person.slug == slug)
        )
        return person


# --- status, digest ---------------------------------------------------------------------------


@click.command()
@account_option
def status(account_name: str) -> None:
    """Show the account: session, last sync, pending vs ceiling, queue, reminders, notes left."""
    settings = load_settings()

    async def _status() -> None:
        async with open_store(settings) as db:
            account = await _account(db, account_name, settings)
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
    "--page", type=click.IntRange(min=1), default=1, show_default=True, help="Which page of the list."
)
@click.option(
    "--page-size", type=click.IntRange(1, 200), default=10, show_default=True, help="Invitations per page."
)
def digest(account_name: str, page: int, page_size: int) -> None:
    """Print the weekly digest: pending vs ceiling, age buckets, the stalest invitations."""
    settings = load_settings()

    async def _digest() -> None:
        async with open_store(settings) as db:
            account = await _account(db, account_name, settings)
            async with db() as session:
                result = await build_digest(
                    session, account, now=system_clock(), page=page - 1, page_size=page_size
                )
            say("digest", digest=result, bucket_names=demo.BUCKET_NAMES)

    run(_digest())


@click.command()
@account_option
@click.option("--days", type=click.IntRange(1, 365), default=30, show_default=True, help="History to show.")
def stats(account_name: str, days: int) -> None:
    """Acceptance rates (overall, with and without a note), how fast people accept, pending over time."""
    settings = load_settings()

    async def _stats() -> None:
        async with open_store(settings) as db:
            account = await _account(db, account_name, settings)
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
        account = await _account(db, account_name, settings)
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
            raise SystemExit(1)


@keep.command("add")
@account_option
@click.argument("profiles", nargs=-1, required=True, type=ProfileSlug())
def keep_add(account_name: str, profiles: tuple[str, ...]) -> None:
    """Keep-list people by profile slug or URL."""
    run(_set_keep(load_settings(), account_name, profiles, True))


@keep.command("remove")
@account_option
@click.argument("profiles", nargs=-1, required=True, type=ProfileSlug())
def keep_remove(account_name: str, profiles: tuple[str, ...]) -> None:
    """Take people off the keep list."""
    run(_set_keep(load_settings(), account_name, profiles, False))


@keep.command("list")
@account_option
def keep_list(account_name: str) -> None:
    """List the keep-listed people."""
    settings = load_settings()

    async def _list() -> None:
        async with open_store(settings) as db:
            account = await _account(db, account_name, settings)
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
def note_draft(account_name: str, profile: str, context: str | None) -> None:
    """Draft a personal connection note for someone from your invitations."""
    settings = load_settings()

    async def _draft() -> None:
        async with open_store(settings) as db:
            account = await _account(db, account_name, settings)
            person = await _person(db, account, profile)
            if person is None:
                refuse("not_found", code=1, slug=profile)
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
def note_check(account_name: str, text: str) -> None:
    """Check a note you wrote: within your plan's limit, no links or control characters."""
    settings = load_settings()

    async def _check() -> None:
        async with open_store(settings) as db:
            account = await _account(db, account_name, settings)
        limit = note_limit(account.plan)
        try:
            checked = validate_note(text, limit)
        except InvalidNote as exc:
            refuse("note_invalid", error=exc)
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
def export(account_name: str, csv_path: Path) -> None:
    """Write the tracking sheet (every invitation, dates, notes, follow-ups) as CSV."""
    settings = load_settings()

    async def _export() -> None:
        async with open_store(settings) as db:
            account = await _account(db, account_name, settings)
            async with db() as session:
                rows = await sheet_rows(session, account)
        if str(csv_path) == "-":
            write_csv(rows, sys.stdout)
            return
        try:
            with csv_path.open("w", newline="", encoding="utf-8") as stream:
                count = write_csv(rows, stream)
        except OSError as exc:
            refuse("invalid", code=1, reason="csv_path", value=csv_path, detail=exc.strerror or str(exc))
        say("export_done", count=count, path=csv_path)

    run(_export())


# --- db ---------------------------------------------------------------------------------------


@click.group()
def db() -> None:
    """The database."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the newest schema (also done by every command)."""
    settings = load_settings()

    async def _upgrade() -> None:
        async with open_store(settings) as factory:
            revision = await current_revision(factory)
        say("db_upgraded", url=console.safe_url(settings.resolved_database_url), revision=revision)

    run(_upgrade())


# --- doctor -----------------------------------------------------------------------------------


@click.command()
@account_option
@click.option("--online", is_flag=True, help="Also open LinkedIn to prove the stored session still works.")
def doctor(account_name: str, online: bool) -> None:
    """Check the setup: browser, database, Telegram token, LinkedIn session (one line each)."""
    settings = load_settings()
    checks = run(run_checks(settings, account_name, online=online))
    say("doctor", checks=checks)
    if not all(check.ok for check in checks):
        raise SystemExit(1)


# --- browser work -----------------------------------------------------------------------------


@click.command()
@account_option
def sync(account_name: str) -> None:
    """Read the Sent invitations page and bring the store up to date."""
    settings = load_settings()

    async def _sync() -> None:
        async with open_store(settings) as factory:
            account = await _account(factory, account_name, settings)
            async with browser_work.linkedin(factory, settings, system_clock) as provider:
                report = await browser_work.sync_with_progress(factory, provider, account, system_clock)
            say("sync_report", report=report)

    run_browser_work(_sync())


@click.command()
@account_option
@click.option(
    "--older-than", "older_than", type=Duration(), required=True, help="Minimum age, e.g. 90d or 12w."
)
@click.option(
    "--max", "max_n", type=click.IntRange(min=1), default=1000, show_default=True, help="At most this many."
)
@click.option("--dry-run", is_flag=True, help="Show what would be withdrawn; change nothing.")
@click.option("--yes", "-y", "assume_yes", is_flag=True, help="Do not ask for confirmation.")
def withdraw(account_name: str, older_than: int, max_n: int, dry_run: bool, assume_yes: bool) -> None:
    """Withdraw pending invitations older than an age, oldest first, within the daily cap.

    If an earlier withdraw (or a bulk request from Telegram) is unfinished, for instance because
    it was killed, this finishes that work instead of queuing more: run it again afterwards.
    Exits 1 if any withdrawal did not go through.
    """
    settings = load_settings()

    async def _withdraw() -> None:
        async with open_store(settings) as factory:
            account = await _account(factory, account_name, settings)
            preview = await browser_work.withdrawal_preview(
                factory, account, older_than, max_n, system_clock()
            )
            say("withdraw_preview", preview=preview, dry_run=dry_run)
            if dry_run or not (preview.count or preview.unfinished):
                return
            if not assume_yes and not click.confirm(
                console.renderer().cli("withdraw_confirm", preview=preview)
            ):
                refuse("withdraw_aborted", code=1)
            async with browser_work.linkedin(factory, settings, system_clock) as provider:
                result = await browser_work.withdraw_with_progress(
                    factory, provider, account, older_than, max_n, system_clock, resume=preview.unfinished
                )
            say("withdraw_result", result=result)
            if result.run.failed:
                work_failed("run_failed", run=result.run, noun="withdrawals")

    run_browser_work(_withdraw())


# --- queue ------------------------------------------------------------------------------------


@click.group()
def queue() -> None:
    """The queue of browser work (withdrawals, invitations, syncs) that `invitesweep run` works through."""


@queue.command("show")
@account_option
def queue_show(account_name: str) -> None:
    """List what waits in the queue, what is running (and which process runs it), what failed this week."""
    settings = load_settings()

    async def _show() -> None:
        async with open_store(settings) as factory:
            account = await _account(factory, account_name, settings)
            overview = await queue_overview(factory, account.id, now=system_clock())
            say("queue_show", overview=overview)

    run(_show())


@queue.command("run")
@account_option
def queue_run(account_name: str) -> None:
    """Run the account's due work now, without Telegram; finishes what a killed run left.

    Work a process on this machine left unfinished when it died is checked on LinkedIn and
    completed at once. Exits 1 if any of it did not go through, or another process is working
    the account's queue right now.
    """
    settings = load_settings()

    async def _run() -> None:
        async with open_store(settings) as factory:
            account = await _account(factory, account_name, settings)
            async with browser_work.linkedin(factory, settings, system_clock) as provider:
                result = await browser_work.run_queue_with_progress(
                    factory, provider, account, system_clock, step="queue"
                )
            say("queue_run", run=result)
            if result.failed:
                work_failed("run_failed", run=result, noun="actions")

    run_browser_work(_run())


def work_failed(template: str, **context: Any) -> NoReturn:
    """The work ran but (some of it) failed: one line on stderr, and exit code 1."""
    click.echo(console.renderer().cli(template, **context), err=True)
    raise click.exceptions.Exit(1)


def run_browser_work(work: Coroutine[Any, Any, object]) -> None:
    """Run browser work; a LinkedIn or browser failure becomes one clear message and exit code 1."""
    try:
        run(work)
    except AutomationError as exc:
        refuse("browser_failed", code=1, error=exc, kind=type(exc).__name__)
    except ActionRefused as exc:
        refuse("action_refused", code=1, reason=exc.reason)
    except SessionKeyError as exc:
        refuse("browser_failed", code=2, error=exc, kind="SessionKeyError")


# --- login ------------------------------------------------------------------------------------


@click.command()
@account_option
@click.option("--email", help="Sign in headless with this email; prompts for the password (and a PIN).")
def login(account_name: str, email: str | None) -> None:
    """Sign in to LinkedIn in a visible browser (2FA, captcha) and store the session encrypted."""
    settings = load_settings()
    password = click.prompt("LinkedIn password", hide_input=True) if email else None

    async def _login() -> None:
        vault = SessionVault.from_settings(settings)
        config = settings.automation_config()
        async with open_store(settings) as factory:
            account = await _account(factory, account_name, settings)
            if email is None:
                say("login_visible", url=config.url("/login"))
                try:
                    state = await browser_work.visible_login(config)
                except HumanRequired:
                    refuse("login_visible_failed", code=1)
            else:
                assert password is not None
                state = await browser_work.credential_login(config, email, password, _ask_code)
            async with factory.begin() as session:
                stored = await session.get_one(Account, account.id)
                vault.store_session(stored, state)
                await resume_account(session, stored, system_clock())
            say("login_done", account=account)

    run_browser_work(_login())


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
def demo_command(pending: int, withdraw_n: int) -> None:
    """Try everything offline: a local LinkedIn imitation, no account, no Telegram, about a minute."""
    settings = load_settings()
    run_browser_work(demo.run_demo(settings, pending=pending, withdraw=withdraw_n))


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
