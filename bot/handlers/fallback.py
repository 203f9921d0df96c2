"""What no other handler took: buttons from older versions or forged data, and unknown commands."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext
from bot.handlers.common import current_account, reply, text


async def invalid_button(update: Update, context: BotContext) -> None:
    """Answer a button whose data matches no handler: it is no longer valid; nothing changes."""
    query = update.callback_query
    assert query is not None
    account = await current_account(context, query.from_user.id)
    await query.answer(text(context, "errors/invalid_button", account), show_alert=True)


async def unknown_command(update: Update, context: BotContext) -> None:
    """Point at /help."""
    assert update.effective_user is not None
    account = await current_account(context, update.effective_user.id)
    await reply(update, context, "errors/unknown_command", account)


HANDLERS = [
    CallbackQueryHandler(invalid_button, block=False),
    MessageHandler(filters.COMMAND, unknown_command),
]
