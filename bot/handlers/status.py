"""/status: pending against the ceiling, the age buckets, the queue and the LinkedIn session."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.context import BotContext
from bot.db.models import Account
from bot.handlers.common import reply_view, with_account
from bot.services.actions import queue_overview
from bot.services.digest import build_digest
from bot.views.status import status_view


@with_account
async def show_status(update: Update, context: BotContext, account: Account) -> None:
    """Say where the account stands."""
    async with context.db() as session:
        digest = await build_digest(session, account, now=context.clock(), page_size=1)
    queue = await queue_overview(context.db, account.id, now=context.clock())
    await reply_view(update, context, account, status_view(context.render, account, digest, queue))


HANDLERS = [CommandHandler("status", show_status)]
