"""Scheduled work: thin job callbacks that call services, registered on every start.

    weekly-digest   every minute: send each account's digest once its weekday/hour has passed in
                    its timezone this ISO week (so one missed while the bot was down goes out at
                    start-up), syncing first; `bot.services.digest_schedule` keeps it once a week.
    due-reminders   every minute: cooldown reminders whose time has come (`bot.services.reminders`).
    daily-sync      every hour: sync signed-in accounts not synced for a day, so /status, /pending
                    and the due-scan see accepted and vanished invitations between digests.
    browser-idle    every minute: close Chromium after `BROWSER_IDLE_SECONDS` without browser work.
    action-recovery once at start-up: settle work a crashed run left half-done, by asking LinkedIn
                    what happened (never by clicking again).
    action-worker   every few seconds, and right after an undo window ends: run queued browser
                    work (`bot.services.actions`) and edit the Telegram messages that track it.

Nothing is kept only in memory: each job reads what is due from the database, so a restart
loses nothing. Browser work runs here, in job tasks, never inside a handler, so taps stay fast.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from automation.errors import AutomationError
from bot.callback_data import Op
from bot.context import BotContext
from bot.db.models import Account, SessionStatus
from bot.delivery import Receipt, Status
from bot.handlers.cards import PAGE_SIZE, send_cards
from bot.handlers.common import button, keyboard, send, text
from bot.handlers.reminder_card import reminder_message
from bot.services import digest_schedule, reminders
from bot.services.digest import build_digest
from bot.services.notes import note_quota
from bot.services.session_health import PauseNotice, pause_for
from bot.services.sync import sync_account
from bot.services.sync_schedule import accounts_due_for_sync

if TYPE_CHECKING:
    from telegram.ext import Application

logger = logging.getLogger(__name__)

DIGEST_SCAN_SECONDS = 60.0
REMINDER_SCAN_SECONDS = 60.0
WORKER_SECONDS = 5.0
SYNC_SCAN_SECONDS = 3600.0
BROWSER_CHECK_SECONDS = 60.0
BROWSER_IDLE_SECONDS = 300.0


async def schedule(application: Application[Any, BotContext, Any, Any, Any, Any]) -> None:
    """Register the repeating jobs (stable names; the first runs happen right after start-up)."""
    from bot.handlers import worker

    queue = application.job_queue
    assert queue is not None, "python-telegram-bot[job-queue] is a dependency"
    queue.run_repeating(send_due_digests, DIGEST_SCAN_SECONDS, first=0.5, name="weekly-digest")
    queue.run_repeating(scan_due_reminders, REMINDER_SCAN_SECONDS, first=1.0, name="due-reminders")
    queue.run_repeating(sync_stale_accounts, SYNC_SCAN_SECONDS, first=SYNC_SCAN_SECONDS, name="daily-sync")
    queue.run_repeating(
        close_idle_browser, BROWSER_CHECK_SECONDS, first=BROWSER_CHECK_SECONDS, name="browser-idle"
    )
    queue.run_once(worker.recover_actions, 0.2, name="action-recovery")
    # A batch keeps one run busy for minutes; later ticks return at once (the worker lock), and
    # allowing them to start keeps APScheduler from logging a "skipped" warning every tick.
    overlap = {"max_instances": 3}
    queue.run_repeating(
        worker.process_actions, WORKER_SECONDS, first=1.5, name="action-worker", job_kwargs=overlap
    )


async def send_due_digests(context: BotContext) -> None:
    """Start delivering every digest that is due; each runs as its own task (syncs are slow)."""
    async with context.db() as session:
        due = await digest_schedule.due_accounts(session, context.clock())
    for account in due:
        context.application.create_task(
            deliver_digest(context, account, weekly=True), name=f"digest-{account.id}"
        )


async def deliver_digest(context: BotContext, account: Account, *, weekly: bool) -> None:
    """Sync (when possible), then send the digest; a weekly one is claimed for its ISO week first.

    The weekly claim is released only when Telegram certainly did not take the summary (refused,
    or kept failing), so the next scan sends it again. When no answer came (a timeout, a dropped
    connection) the summary may be in the chat: the claim stays, because a second digest is worse
    than a missing one (see `digest_schedule`), and the owner is told how to ask for it.
    """
    claim_id: int | None = None
    if weekly:
        async with context.db.begin() as session:
            claim = await digest_schedule.claim_week(session, account, context.clock())
            if claim is None:
                return  # already sent this week (another scan, or before a restart)
            claim_id = claim.id
    synced = await sync_quietly(context, account)
    # A weekly digest that fails is sent again by the next scan: no notice each time.
    receipt = await send_digest(context, account, synced=synced, notify=not weekly)
    if claim_id is None:
        return
    async with context.db.begin() as session:
        if receipt.status is Status.FAILED:
            await digest_schedule.release_week(session, claim_id)
        elif receipt.message_id is not None:
            await digest_schedule.record_message(session, claim_id, receipt.message_id)


async def send_digest(context: BotContext, account: Account, *, synced: bool | None, notify: bool) -> Receipt:
    """Send the digest summary (with the bulk button) and the first page of stale cards.

    The cards follow a summary that was delivered or may have been; an unconfirmed summary is
    followed by a note saying so (a page of cards alone would not say what it is).
    """
    assert account.chat_id is not None
    async with context.db() as session:
        fresh = await session.get_one(Account, account.id)
        digest = await build_digest(session, fresh, now=context.clock(), page_size=PAGE_SIZE)
    body = text(context, "digest/digest", fresh, digest=digest, account_view=fresh, synced=synced)
    markup = None
    if digest.bulk is not None:
        bulk = button(
            context,
            fresh,
            "bulk",
            Op.BULK,
            digest.bulk.min_age_days,
            days=digest.bulk.min_age_days,
            count=digest.bulk.count,
        )
        markup = keyboard([bulk])
    summary = await context.delivery.send(
        account.chat_id, body, markup=markup, language=fresh.language, notify=notify
    )
    if summary.status is Status.FAILED:
        return summary
    await send_cards(context, fresh, account.chat_id, digest, more=Op.DIGEST_MORE)
    if summary.status is Status.UNCERTAIN:
        await context.delivery.notice(account.chat_id, "digest/uncertain", fresh.language)
    return summary


async def sync_quietly(context: BotContext, account: Account) -> bool | None:
    """Sync the account if it can be; True if synced, False if it failed, None if not attempted.

    A failure that only the owner can fix pauses the account and tells them once.
    """
    if account.paused or account.session_status is not SessionStatus.VALID:
        return None
    try:
        async with context.linkedin.open(account) as client:
            await sync_account(context.db, client, account.id, context.clock)
    except AutomationError as error:
        logger.warning("sync of account %s failed: %s", account.id, type(error).__name__)
        if error.pauses_account:
            await tell_paused(context, account.id, error)
        return False
    return True


async def sync_stale_accounts(context: BotContext) -> None:
    """Sync every account whose last sync is a day old, one after the other (one browser)."""
    async with context.db() as session:
        due = await accounts_due_for_sync(session, context.clock())
    for account in due:
        await sync_quietly(context, account)


async def close_idle_browser(context: BotContext) -> None:
    """Close Chromium when browser work has been idle for a while (it starts again when needed)."""
    if await context.browsers.close_if_idle(BROWSER_IDLE_SECONDS):
        logger.info("browser closed after %.0f s without browser work", BROWSER_IDLE_SECONDS)


async def tell_paused(context: BotContext, account_id: int, error: AutomationError) -> None:
    """Pause the account for `error` and, the first time, tell its owner what to do."""
    async with context.db.begin() as session:
        account = await session.get_one(Account, account_id)
        first = await pause_for(session, account, error, context.clock())
    if first and account.chat_id is not None:
        body = text(
            context,
            "control/paused_by_error",
            account,
            notice=PauseNotice.of(error),
            error=type(error).__name__,
        )
        await send(context, account, account.chat_id, body)


async def scan_due_reminders(context: BotContext) -> None:
    """Send every cooldown reminder that is due, then stamp it (at-least-once, see the service)."""
    now = context.clock()
    async with context.db.begin() as session:
        due = await reminders.scan_due(session, now=now)
        quotas = {item.account.id: await note_quota(session, item.account, now=now) for item in due}
    for item in due:
        if item.account.chat_id is None:
            continue
        body, markup = reminder_message(
            context, item.account, item.reminder, item.person, quotas[item.account.id]
        )
        # Not confirmed (failed, or no answer) counts as not sent: the reminder is sent again
        # later (at-least-once), so its loss needs no notice now.
        sent = await context.delivery.send(
            item.account.chat_id, body, markup=markup, language=item.account.language, notify=False
        )
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
                chat_id=item.account.chat_id,
                message_id=sent.message_id,
                now=context.clock(),
            )
