"""The digest and pages of invitation cards, sent from a command, a button or the weekly job."""

from __future__ import annotations

import logging

from automation.errors import AutomationError
from bot.callback_data import Op
from bot.context import BotContext
from bot.db.models import Account, SessionStatus
from bot.delivery.chat import pause_for_error, send
from bot.delivery.transport import Receipt, Status
from bot.services import digest_schedule
from bot.services.digest import Digest, build_digest
from bot.services.linkedin import AccountBusy
from bot.services.sync import sync_account
from bot.views.cards import PAGE_SIZE, digest_summary, page_of_cards

logger = logging.getLogger(__name__)


async def load_page(context: BotContext, account: Account, *, page: int, min_days: int) -> Digest:
    """One page of pending, not keep-listed invitations at least `min_days` old, oldest first."""
    async with context.db() as session:
        return await build_digest(
            session, account, now=context.clock(), page=page, page_size=PAGE_SIZE, stale_min_days=min_days
        )


async def send_cards(
    context: BotContext, account: Account, chat_id: int, digest: Digest, *, more: Op
) -> None:
    """Send one card per invitation on the page, then a footer with the next-page button."""
    for view in page_of_cards(context.render, account, digest, more=more):
        await send(context, account, chat_id, view)


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
    summary = await send(
        context,
        fresh,
        account.chat_id,
        digest_summary(context.render, fresh, digest, synced=synced),
        notify=notify,
    )
    if summary.status is Status.FAILED:
        return summary
    await send_cards(context, fresh, account.chat_id, digest, more=Op.DIGEST_MORE)
    if summary.status is Status.UNCERTAIN:
        await context.delivery.notice(account.chat_id, "digest/uncertain", fresh.language)
    return summary


async def sync_quietly(context: BotContext, account: Account) -> bool | None:
    """Sync the account if it can be; True if synced, False if it failed, None if not attempted.

    A failure that only the owner can fix pauses the account and tells them once. A process
    without a browser (`web`) never tries: its digest shows the last sync, which workers keep fresh.
    Nor does it wait while another process works on the account: this round is skipped.
    """
    if not context.bot_data.role.runs_browser:
        return None
    if account.paused or account.session_status is not SessionStatus.VALID:
        return None
    try:
        async with context.linkedin.open(account) as client:
            await sync_account(context.db, client, account.id, context.clock)
    except AccountBusy as busy:
        logger.info("sync of account %s skipped: %s", account.id, busy)
        return None
    except AutomationError as error:
        logger.warning("sync of account %s failed: %s", account.id, type(error).__name__)
        if error.pauses_account:
            await pause_for_error(context, account.id, error)
        return False
    return True
