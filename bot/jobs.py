"""Scheduled work: thin job callbacks that call services, registered on every start.

    weekly-digest   every minute: send each account's digest once its weekday/hour has passed in
                    its timezone this ISO week (so one missed while the bot was down goes out at
                    start-up), syncing first; `bot.services.digest_schedule` keeps it once a week.
    due-reminders   every minute: cooldown reminders whose time has come (`bot.services.reminders`),
                    each after one visit to the person's profile for its note's context
                    (`bot.services.profile_context`; a failed visit never holds a reminder back).
                    One visit per account per scan: reminders that come due together (the
                    09:00 start of delivery hours) go out a scan apart, each with its context.
    due-followups   every minute: follow-up cards whose date has come (`bot.services.followups`),
                    delivered at least once as reminders are (`bot.delivery.followups`).
    daily-sync      every hour: sync signed-in accounts not synced for a day, so /status, /pending
                    and the due-scan see accepted and vanished invitations between digests.
    browser-idle    every minute: close Chromium after `BROWSER_IDLE_SECONDS` without browser work.
    action-recovery once at start-up: settle work a crashed run left half-done, by asking LinkedIn
                    what happened (never by clicking again).
    action-worker   every few seconds, and right after an undo window ends: run queued browser
                    work (`bot.services.actions`) and edit the Telegram messages that track it.
    work-waiter     (a `worker` process, instead of action-worker) runs the same worker whenever
                    work is announced (PostgreSQL NOTIFY) or comes due, polling as the fallback.
    login-waiter    (a `worker` process) takes the chat sign-ins `web` processes hand over
                    (`bot.delivery.login`), each in a task of its own under the account's lease,
                    woken by their NOTIFY and polling as the fallback; a loop of its own, so a
                    sign-in never waits for a batch of queued work to end.
    login-handovers (a `web` process) every few seconds: tell the owner of a handed-over sign-in no
                    worker took in time, and erase its credentials.

The scans (weekly-digest, due-reminders, due-followups, daily-sync) run in one process at a
time across all processes sharing a PostgreSQL store (`bot.services.singleton.only_one`: a
process finding a scan running elsewhere skips that round).

Which of them a process runs is its `Role` (bot.roles): the card scans (weekly-digest,
due-reminders, due-followups) run where updates are handled (`run`, `web`), the browser jobs
(daily-sync, browser-idle, action-recovery, action-worker or work-waiter) where a browser may run
(`run`, `worker`). In a `web` process the scans never open a browser: the digest is built from
the last sync (workers sync daily) and a reminder is drafted from the context already stored.

What the jobs send (the digest, the worker's progress, a pause notice) is `bot.delivery`, which
the handlers share; jobs never import handlers. Nothing is kept only in memory: each job reads
what is due from the database, so a restart loses nothing. Browser work runs here, in job tasks,
never inside a handler, so taps stay fast.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from bot.context import BotContext
from bot.delivery.chat import send
from bot.delivery.digests import deliver_digest, sync_quietly
from bot.delivery.followups import deliver_due_followups
from bot.delivery.login import take_handed_over_logins, tell_lapsed_logins
from bot.delivery.reminders import Visit, read_profile_quietly
from bot.delivery.worker import process_actions, recover_actions
from bot.roles import Role
from bot.services import digest_schedule, reminders
from bot.services.actions import next_due_at
from bot.services.note_model import NoteModelConfig, redraft_with_model
from bot.services.note_templates import TemplateStore
from bot.services.notes import note_quota
from bot.services.profile_context import wants_read
from bot.services.singleton import only_one
from bot.services.stats import template_records
from bot.services.sync_schedule import accounts_due_for_sync
from bot.services.wakeups import LOGIN_HANDOVER_CHANNEL, WorkWaiter
from bot.views.reminders import reminder_card

if TYPE_CHECKING:
    from telegram.ext import Application

logger = logging.getLogger(__name__)

DIGEST_SCAN_SECONDS = 60.0
REMINDER_SCAN_SECONDS = 60.0
WORKER_SECONDS = 5.0
WORK_RECHECK_SECONDS = 1.0
SYNC_SCAN_SECONDS = 3600.0
BROWSER_CHECK_SECONDS = 60.0
BROWSER_IDLE_SECONDS = 300.0
LOGIN_HANDOVER_SCAN_SECONDS = 2.0
LOGIN_POLL_SECONDS = 2.0  # a worker's look for handed-over sign-ins when no NOTIFY comes


async def schedule(
    application: Application[Any, BotContext, Any, Any, Any, Any], role: Role = Role.ALL
) -> None:
    """Register the role's repeating jobs (stable names; the first runs happen right after start-up)."""
    queue = application.job_queue
    assert queue is not None, "python-telegram-bot[job-queue] is a dependency"
    if role.runs_scans:
        queue.run_repeating(send_due_digests, DIGEST_SCAN_SECONDS, first=0.5, name="weekly-digest")
        queue.run_repeating(scan_due_reminders, REMINDER_SCAN_SECONDS, first=1.0, name="due-reminders")
        queue.run_repeating(scan_due_followups, REMINDER_SCAN_SECONDS, first=1.2, name="due-followups")
    if role is Role.WEB:  # its /login hands sign-ins to workers; one none took is told here
        queue.run_repeating(
            tell_lapsed_logins,
            LOGIN_HANDOVER_SCAN_SECONDS,
            first=LOGIN_HANDOVER_SCAN_SECONDS,
            name="login-handovers",
        )
    if not role.runs_browser:
        return
    queue.run_repeating(sync_stale_accounts, SYNC_SCAN_SECONDS, first=SYNC_SCAN_SECONDS, name="daily-sync")
    queue.run_repeating(
        close_idle_browser, BROWSER_CHECK_SECONDS, first=BROWSER_CHECK_SECONDS, name="browser-idle"
    )
    queue.run_once(recover_actions, 0.2, name="action-recovery")
    if role is Role.WORKER:  # web processes queue the work: their NOTIFY wakes this one
        queue.run_once(wait_for_work, 1.5, name="work-waiter")
        queue.run_once(wait_for_logins, 1.0, name="login-waiter")
        return
    # A batch keeps one run busy for minutes; later ticks return at once (the worker lock), and
    # allowing them to start keeps APScheduler from logging a "skipped" warning every tick.
    overlap = {"max_instances": 3}
    queue.run_repeating(process_actions, WORKER_SECONDS, first=1.5, name="action-worker", job_kwargs=overlap)


async def wait_for_work(context: BotContext) -> None:
    """Run the action worker whenever work is announced or comes due, until the application stops.

    Between runs it waits on the queue's NOTIFY (`bot.services.wakeups`) for at most the time
    until the earliest queued work is due, and never longer than `WORKER_SECONDS`: work that
    cannot be claimed yet (its account busy elsewhere) is looked at again after `WORK_RECHECK_SECONDS`.
    """
    settings = context.settings
    async with WorkWaiter(settings.resolved_database_url, poll=WORKER_SECONDS) as waiter:
        while context.application.running:
            await process_actions(context)
            due = await next_due_at(context.db)
            until_due = WORKER_SECONDS if due is None else (due - context.clock()).total_seconds()
            await waiter.wait(at_most=min(WORKER_SECONDS, max(WORK_RECHECK_SECONDS, until_due)))


async def wait_for_logins(context: BotContext) -> None:
    """Take the chat sign-ins handed over by `web` processes as they are announced, until the
    application stops; each runs as a task of its own (it may wait minutes for the owner's code)."""
    settings = context.settings
    async with WorkWaiter(
        settings.resolved_database_url, poll=LOGIN_POLL_SECONDS, channel=LOGIN_HANDOVER_CHANNEL
    ) as waiter:
        while context.application.running:
            try:
                await take_handed_over_logins(context)
            except (SQLAlchemyError, OSError) as error:  # the store blinked: look again at the next wake-up
                logger.warning("could not look for handed-over sign-ins: %s", type(error).__name__)
            await waiter.wait()


async def send_due_digests(context: BotContext) -> None:
    """Start delivering every digest that is due; each runs as its own task (syncs are slow)."""
    async with only_one(context.db, "weekly-digest") as mine:
        if not mine:
            return  # another process is scanning (its week's claim keeps each digest once anyway)
        async with context.db() as session:
            due = await digest_schedule.due_accounts(session, context.clock())
        for account in due:
            context.application.create_task(
                deliver_digest(context, account, weekly=True), name=f"digest-{account.id}"
            )


async def sync_stale_accounts(context: BotContext) -> None:
    """Sync every account whose last sync is a day old, one after the other (one browser)."""
    async with only_one(context.db, "daily-sync") as mine:
        if not mine:
            return  # another process is syncing them
        async with context.db() as session:
            due = await accounts_due_for_sync(session, context.clock())
        for account in due:
            await sync_quietly(context, account)


async def close_idle_browser(context: BotContext) -> None:
    """Close Chromium when browser work has been idle for a while (it starts again when needed)."""
    if await context.browsers.close_if_idle(BROWSER_IDLE_SECONDS):
        logger.info("browser closed after %.0f s without browser work", BROWSER_IDLE_SECONDS)


async def scan_due_reminders(context: BotContext) -> None:
    """Send every cooldown reminder that is due (its person's profile read first), then stamp it.

    A scan already running (its profile visits take a while), in this process or another,
    delivers what is due itself: a second one at the same time would send the same reminders twice.
    """
    lock = context.bot_data.reminder_lock
    if lock.locked():
        return
    async with lock, only_one(context.db, "due-reminders") as mine:
        if mine:
            await _send_due_reminders(context)


async def scan_due_followups(context: BotContext) -> None:
    """Send every follow-up card that is due, then stamp it; one follow-up scan at a time, in this
    process and across processes (a second would send them twice). Its own lock, not the
    reminders': a follow-up scan in progress must not make a reminder scan skip its round."""
    lock = context.bot_data.followup_lock
    if lock.locked():
        return
    async with lock, only_one(context.db, "due-followups") as mine:
        if mine:
            await deliver_due_followups(context)


async def _send_due_reminders(context: BotContext) -> None:
    now = context.clock()
    model = NoteModelConfig.from_settings(context.settings)
    async with context.db.begin() as session:
        owner_templates = TemplateStore.in_data_dir(context.settings.data_dir).load()
        due = await reminders.scan_due(session, now=now, owner_templates=owner_templates)
        quotas = {item.account.id: await note_quota(session, item.account, now=now) for item in due}
        records = {item.account.id: await template_records(session, item.account, now=now) for item in due}
    visited: set[int] = set()  # accounts whose one profile visit of this scan is made
    for item in due:
        chat_id = item.account.chat_id
        if chat_id is None:
            continue
        if item.account.id in visited:
            if wants_read(item.account, item.person, now):
                # Paced: its visit, and so the reminder, waits for the next scan.
                async with context.db.begin() as session:
                    await reminders.put_off(session, item)
                continue
        elif context.bot_data.role.runs_browser:
            visit = await read_profile_quietly(context, item.account.id, item.person.id)
            if visit is not Visit.NONE:
                visited.add(item.account.id)
            if visit is Visit.READ:
                async with context.db.begin() as session:
                    item = await reminders.with_profile_read(
                        session, item, now=now, owner_templates=owner_templates
                    )
        if model is not None:  # the owner's language model drafts from what was just read
            item = await redraft_with_model(context.db, model, context.render, item)
        view = reminder_card(
            context.render,
            item.account,
            item.reminder,
            item.person,
            quotas[item.account.id],
            first_note=item.invitation.note_text,
            record=records[item.account.id].get(item.reminder.draft_template or ""),
        )
        # Not confirmed (failed, or no answer) counts as not sent: the reminder is sent again
        # later (at-least-once), so its loss needs no notice now.
        sent = await send(context, item.account, chat_id, view, notify=False)
        async with context.db.begin() as session:
            if sent.message_id is None:
                await reminders.record_failure(
                    session, item.reminder.id, account_id=item.account.id, error=sent.status.value, now=now
                )
                continue
            await reminders.mark_sent(
                session,
                item.reminder.id,
                account_id=item.account.id,
                chat_id=chat_id,
                message_id=sent.message_id,
                now=context.clock(),
            )
