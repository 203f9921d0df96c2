"""/digest: the weekly digest on demand, plus the digest's "show more" button."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.callback_data import Op
from bot.context import BotContext
from bot.handlers.cards import load_page, send_cards
from bot.handlers.common import current_account, on_button, reply, tapped
from bot.jobs import deliver_digest


async def digest_now(update: Update, context: BotContext) -> None:
    """Sync and send the digest now, in the background (a sync takes a while)."""
    assert update.effective_user is not None
    account = await current_account(context, update.effective_user.id)
    if account is None:
        await reply(update, context, "errors/no_account", None)
        return
    await reply(update, context, "digest/working", account)
    context.application.create_task(deliver_digest(context, account, weekly=False), update=update)


async def more_stale(update: Update, context: BotContext) -> None:
    """Send the next page of the digest's stale invitations."""
    found = await tapped(update, context, owns=None)
    if found is None:
        return
    query, callback, account = found
    await query.answer()
    assert query.message is not None
    await context.delivery.remove_buttons(query.message.chat.id, query.message.message_id)
    page = await load_page(context, account, page=callback.target, min_days=account.suggest_days)
    await send_cards(context, account, query.message.chat.id, page, more=Op.DIGEST_MORE)


HANDLERS = [
    CommandHandler("digest", digest_now),
    on_button(more_stale, Op.DIGEST_MORE),
]
