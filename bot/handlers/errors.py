"""The one error handler: log first, tell the user something useful, never leak a secret."""

from __future__ import annotations

import logging
import traceback

from telegram import Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.context import BotContext
from bot.rendering import DEFAULT_LANGUAGE

logger = logging.getLogger(__name__)


def redact(message: str, context: BotContext) -> str:
    """`message` without the bot token (PTB puts request URLs in some errors)."""
    token = context.settings.telegram_bot_token
    if token is not None and token.get_secret_value():
        message = message.replace(token.get_secret_value(), "[bot token]")
    return message


async def report_error(update: object, context: BotContext) -> None:
    """Log the failure and, if a person was waiting, say that it failed and what to do."""
    error = context.error
    # The traceback is formatted and redacted here, so no log handler ever sees the raw one;
    # the chat only ever sees a template, never the exception text.
    trace = "".join(traceback.format_exception(error)) if error is not None else "no exception"
    logger.error("update failed:\n%s", redact(trace, context))
    if isinstance(error, NetworkError | TimedOut | RetryAfter) or not isinstance(update, Update):
        return  # nothing a person can do; polling retries by itself
    chat = update.effective_chat
    if chat is None:
        return
    language = DEFAULT_LANGUAGE
    if update.effective_user is not None:
        language = update.effective_user.language_code or DEFAULT_LANGUAGE
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
    except BadRequest:
        logger.debug("callback was already answered")  # the message below still goes out
    await context.bot.send_message(chat.id, context.render.telegram("errors/unexpected", language))
