"""/status: pending against the ceiling, the age buckets, the queue and the LinkedIn session."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.context import BotContext
from bot.handlers.common import current_account, reply
from bot.services.actions import queue_overview
from bot.services.digest import build_digest


async def show_status(update: Update, context: BotContext) -> None:
    """Say where the account stands."""
    assert update.effective_user is not None
    account = await current_account(context, update.effective_user.id)
    if account is None:
        await reply(update, context, "errors/no_account", None)
        return
    async with context.db() as session:
        digest = await build_digest(session, account, now=context.clock(), page_size=1)
    queue = await queue_overview(context.db, account.id, now=context.clock())
    await reply(update, context, "status/status", account, digest=digest, queue=queue, account_view=account)


HANDLERS = [CommandHandler("status", show_status)]
