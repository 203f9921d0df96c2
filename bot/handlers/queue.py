"""/queue: what is scheduled (soonest first), with [Cancel] per queued action."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.callback_data import Op
from bot.context import BotContext
from bot.db.models import Account
from bot.handlers.common import Tap, on_button, refuse, reply_view, show, text, with_account, with_tap
from bot.services import actions
from bot.views import View
from bot.views.queue import queue_view


async def _queue(context: BotContext, account: Account) -> View:
    overview = await actions.queue_overview(context.db, account.id, now=context.clock())
    return queue_view(context.render, account, overview, now=context.clock())


@with_account
async def show_queue(update: Update, context: BotContext, account: Account) -> None:
    """List queued, running and recently failed work."""
    await reply_view(update, context, account, await _queue(context, account))


@with_tap(owns="action")
async def cancel_queued(tap: Tap, context: BotContext) -> None:
    """[Cancel …]: cancel one queued action and redraw the list."""
    try:
        await actions.cancel(context.db, tap.target, by_user=tap.user_id, now=context.clock())
    except actions.ActionRefused as refused:
        await refuse(tap, context, refused.reason, alert=True)
        return
    await tap.answer(text(context, "queue/cancelled", tap.account))
    await show(context, tap, await _queue(context, tap.account))


HANDLERS = [
    CommandHandler("queue", show_queue),
    on_button(cancel_queued, Op.QUEUE_CANCEL),
]
