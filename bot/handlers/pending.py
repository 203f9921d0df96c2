"""/pending: every pending invitation, oldest first, a page of cards at a time."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.callback_data import Op
from bot.context import BotContext
from bot.handlers.cards import load_page, send_cards
from bot.handlers.common import current_account, on_button, reply, tapped


async def show_pending(update: Update, context: BotContext) -> None:
    """Send the first page of pending invitations."""
    assert update.effective_user is not None and update.effective_chat is not None
    account = await current_account(context, update.effective_user.id)
    if account is None:
        await reply(update, context, "errors/no_account", None)
        return
    page = await load_page(context, account, page=0, min_days=0)
    if not page.stale:
        await reply(update, context, "cards/none_pending", account, digest=page)
        return
    await reply(update, context, "cards/pending_header", account, digest=page)
    await send_cards(context, account, update.effective_chat.id, page, more=Op.PAGE)


async def next_pending_page(update: Update, context: BotContext) -> None:
    """Send the requested page and drop the [More] button that asked for it."""
    found = await tapped(update, context, owns=None)
    if found is None:
        return
    query, callback, account = found
    await query.answer()
    assert query.message is not None
    await context.delivery.remove_buttons(query.message.chat.id, query.message.message_id)
    page = await load_page(context, account, page=callback.target, min_days=0)
    await send_cards(context, account, query.message.chat.id, page, more=Op.PAGE)


HANDLERS = [
    CommandHandler("pending", show_pending),
    on_button(next_pending_page, Op.PAGE),
]
