"""/pause and /resume: stop or restart all browser work for the owner's account."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.context import BotContext
from bot.db.models import Account
from bot.handlers.common import reply, with_account
from bot.services import session_health


@with_account
async def pause(update: Update, context: BotContext, account: Account) -> None:
    """Pause browser work until /resume, even past a new sign-in (queued actions wait; nothing is lost)."""
    async with context.db.begin() as session:
        account = await session.get_one(Account, account.id)
        paused = await session_health.pause_by_owner(session, account, context.clock())
    await reply(
        update,
        context,
        "control/paused" if paused.changed else "control/already_paused",
        account,
        account_view=account,
        sign_in_cause=paused.sign_in_cause,
    )


@with_account
async def resume(update: Update, context: BotContext, account: Account) -> None:
    """Resume browser work."""
    async with context.db.begin() as session:
        account = await session.get_one(Account, account.id)
        changed = await session_health.resume(session, account, context.clock())
    await reply(
        update, context, "control/resumed" if changed else "control/not_paused", account, account_view=account
    )


HANDLERS = [CommandHandler("pause", pause), CommandHandler("resume", resume)]
