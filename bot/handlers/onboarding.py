"""/start (pairing and onboarding) and /help."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.context import BotContext
from bot.handlers.common import current_account, reply
from bot.rendering import DEFAULT_LANGUAGE
from bot.services.owners import claim_account, code_matches


async def start(update: Update, context: BotContext) -> None:
    """Pair the first owner with the start-up code, claim their account and say what the bot does."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    if user.id not in context.bot_data.owner_ids:
        given = context.args[0] if context.args else ""
        if not code_matches(context.bot_data.pairing_code, given):
            language = user.language_code or DEFAULT_LANGUAGE
            await context.delivery.send(
                chat.id, context.render.telegram("access/wrong_code", language), language=language
            )
            return
        context.bot_data.pairing_code = None  # one-time: nobody else can pair with it
        context.bot_data.owner_ids.add(user.id)
    async with context.db.begin() as session:
        account = await claim_account(
            session,
            user_id=user.id,
            chat_id=chat.id,
            timezone=context.settings.default_timezone,
            now=context.clock(),
        )
    await reply(
        update, context, "onboarding/start", account, account_view=account, first_name=user.first_name
    )


async def help_command(update: Update, context: BotContext) -> None:
    """List the commands."""
    assert update.effective_user is not None
    account = await current_account(context, update.effective_user.id)
    await reply(update, context, "onboarding/help", account)


HANDLERS = [
    CommandHandler("start", start),
    CommandHandler("help", help_command),
]
