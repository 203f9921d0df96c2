"""Owners only: a gate in front of every other handler.

Owners are `TELEGRAM_OWNER_IDS`, or, when that is unset, whoever paired with the start-up code.
Anyone else gets one polite refusal per run (never more, so a stranger cannot make the bot spam)
and nothing else: their update stops here.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.context import BotContext
from bot.rendering import DEFAULT_LANGUAGE


def _is_pairing_attempt(update: Update, context: BotContext) -> bool:
    message = update.message
    return (
        context.bot_data.pairing_code is not None
        and message is not None
        and message.text is not None
        and message.text.startswith("/start")
    )


async def owners_only(update: Update, context: BotContext) -> None:
    """Let owners through; refuse everyone else once, politely, and stop their update."""
    user = update.effective_user
    chat = update.effective_chat
    if user is not None and user.id in context.bot_data.owner_ids:
        if chat is not None and chat.type == chat.PRIVATE:
            return
        raise ApplicationHandlerStop  # owners talk to the bot in private; groups would leak data
    if (
        user is not None
        and chat is not None
        and chat.type == chat.PRIVATE
        and _is_pairing_attempt(update, context)
    ):
        return  # /start <code> decides
    if user is not None and user.id not in context.bot_data.refused_users:
        context.bot_data.refused_users.add(user.id)
        await _refuse(update, context, user.language_code or DEFAULT_LANGUAGE)
    elif update.callback_query is not None:
        await update.callback_query.answer()  # no spinner, no second refusal
    raise ApplicationHandlerStop


async def _refuse(update: Update, context: BotContext, language: str) -> None:
    """The one polite refusal: a toast for a button, a message in a private chat."""
    refusal = context.render.telegram("access/refused", language)
    chat = update.effective_chat
    if update.callback_query is not None:
        await update.callback_query.answer(refusal, show_alert=True)
    elif update.message is not None and chat is not None and chat.type == chat.PRIVATE:
        await context.delivery.send(chat.id, refusal, language=language, notify=False)


OWNER_GATE = TypeHandler(Update, owners_only)
