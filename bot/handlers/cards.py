"""Invitation cards and list pages, shared by /pending, the digest and the withdraw flow.

Each pending invitation is its own message (a card) with [Withdraw] [Keep], so tapping Withdraw
turns exactly that message into the confirmation and later into the outcome; a footer message
carries paging. Works from handlers and from jobs alike (it needs only the context and a chat).
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.callback_data import Op
from bot.context import BotContext
from bot.db.models import Account
from bot.handlers.common import button, keyboard, send, text
from bot.services.digest import Digest, StaleInvitation, build_digest

PAGE_SIZE = 5


def invitation_card(
    context: BotContext, account: Account, item: StaleInvitation
) -> tuple[str, InlineKeyboardMarkup]:
    """The card text and its [Withdraw] [Keep] buttons."""
    body = text(context, "cards/invitation", account, item=item)
    markup = keyboard(
        [
            button(context, account, "withdraw", Op.WITHDRAW, item.invitation_id),
            button(context, account, "keep", Op.KEEP, item.invitation_id),
        ]
    )
    return body, markup


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
    for item in digest.stale:
        body, markup = invitation_card(context, account, item)
        await send(context, account, chat_id, body, markup)
    if digest.has_next_page:
        shown = (digest.page + 1) * digest.page_size
        footer = text(context, "cards/footer", account, digest=digest, shown=shown)
        next_page = button(context, account, "more", more, digest.page + 1, left=digest.stale_total - shown)
        await send(context, account, chat_id, footer, keyboard([next_page]))
