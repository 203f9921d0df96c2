"""/pending: every pending invitation, oldest first, a page of cards at a time."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.callback_data import Op
from bot.context import BotContext
from bot.db.models import Account
from bot.delivery.digests import load_page, send_cards
from bot.handlers.common import Tap, any_data, on_button, reply, with_account, with_tap


@with_account
async def show_pending(update: Update, context: BotContext, account: Account) -> None:
    """Send the first page of pending invitations."""
    assert update.effective_chat is not None
    page = await load_page(context, account, page=0, min_days=0)
    if not page.stale:
        await reply(update, context, "cards/none_pending", account, digest=page)
        return
    await reply(update, context, "cards/pending_header", account, digest=page)
    await send_cards(context, account, update.effective_chat.id, page, more=Op.PAGE)


@with_tap(owns=None, plain=any_data)
async def next_pending_page(tap: Tap, context: BotContext) -> None:
    """Send the requested page and drop the [More] button that asked for it."""
    await tap.answer()
    await context.delivery.remove_buttons(tap.chat_id, tap.message_id)
    page = await load_page(context, tap.account, page=tap.target, min_days=0)
    await send_cards(context, tap.account, tap.chat_id, page, more=Op.PAGE)


HANDLERS = [
    CommandHandler("pending", show_pending),
    on_button(next_pending_page, Op.PAGE),
]
