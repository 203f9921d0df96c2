"""/pause and /resume: stop or restart all browser work for the owner's account."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.context import BotContext
from bot.db.models import Account
from bot.handlers.common import reply
from bot.services.accounts import find_account_by_owner, pause_account, resume_account
from bot.services.session_health import clear_notice


async def pause(update: Update, context: BotContext) -> None:
    """Pause browser work (queued actions wait; nothing is lost)."""
    assert update.effective_user is not None
    async with context.db.begin() as session:
        account = await find_account_by_owner(session, update.effective_user.id)
        changed = account is not None and await pause_account(session, account, "owner", context.clock())
    await _answer(update, context, account, "control/paused" if changed else "control/already_paused")


async def resume(update: Update, context: BotContext) -> None:
    """Resume browser work."""
    assert update.effective_user is not None
    async with context.db.begin() as session:
        account = await find_account_by_owner(session, update.effective_user.id)
        changed = account is not None and await resume_account(session, account, context.clock())
        if account is not None:
            clear_notice(account)
    await _answer(update, context, account, "control/resumed" if changed else "control/not_paused")


async def _answer(update: Update, context: BotContext, account: Account | None, name: str) -> None:
    if account is None:
        await reply(update, context, "errors/no_account", None)
        return
    await reply(update, context, name, account, account_view=account)


HANDLERS = [CommandHandler("pause", pause), CommandHandler("resume", resume)]
