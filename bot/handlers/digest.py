"""/digest: the weekly digest on demand, plus the digest's "show more" button."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.callback_data import Op
from bot.context import BotContext
from bot.db.models import Account
from bot.delivery.digests import deliver_digest, load_page, send_cards
from bot.handlers.common import Tap, any_data, on_button, reply, with_account, with_tap


@with_account
async def digest_now(update: Update, context: BotContext, account: Account) -> None:
    """Sync and send the digest now, in the background (a sync takes a while)."""
    await reply(update, context, "digest/working", account)
    context.application.create_task(deliver_digest(context, account, weekly=False), update=update)


@with_tap(owns=None, plain=any_data)
async def more_stale(tap: Tap, context: BotContext) -> None:
    """Send the next page of the digest's stale invitations."""
    await tap.answer()
    await context.delivery.remove_buttons(tap.chat_id, tap.message_id)
    page = await load_page(context, tap.account, page=tap.target, min_days=tap.account.suggest_days)
    await send_cards(context, tap.account, tap.chat_id, page, more=Op.DIGEST_MORE)


HANDLERS = [
    CommandHandler("digest", digest_now),
    on_button(more_stale, Op.DIGEST_MORE),
]
