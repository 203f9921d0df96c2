"""The one error handler: log first, tell the user something useful, never leak a secret.

Telegram's own errors are not bugs and get one WARNING line each, never a traceback: a refusal
(PTB's `BadRequest`, which subclasses `NetworkError`) is told to the person as a short notice, so a
refused reply is never silence; a network fault is not (polling retries by itself, and messages go
through `bot.delivery`, which retries and tells the owner what finally failed). Anything else is a
bug: the traceback is logged and the person gets an apology.
"""

from __future__ import annotations

import logging
import traceback

from telegram import Update
from telegram.error import BadRequest, TelegramError

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
    if not _log(error, context):
        return
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    chat_id = update.effective_chat.id
    language = DEFAULT_LANGUAGE
    if update.effective_user is not None:
        language = update.effective_user.language_code or DEFAULT_LANGUAGE
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
    except TelegramError:
        logger.debug("callback was already answered")  # the message below still goes out
    if isinstance(error, BadRequest):
        await context.delivery.notice(
            chat_id, "delivery/refused", language, reason=redact(str(error), context)
        )
    else:
        await context.delivery.send(
            chat_id, context.render.telegram("errors/unexpected", language), language=language
        )


def _log(error: BaseException | None, context: BotContext) -> bool:
    """Log `error` (one line for Telegram's, the traceback for a bug); False if nobody is told."""
    if isinstance(error, TelegramError):
        reason = redact(str(error) or type(error).__name__, context)
        logger.warning(
            "Telegram %s: %s", "refused a request" if isinstance(error, BadRequest) else "failed", reason
        )
        return isinstance(error, BadRequest)
    # The traceback is formatted and redacted here, so no log handler ever sees the raw one;
    # the chat only ever sees a template, never the exception text.
    trace = "".join(traceback.format_exception(error)) if error is not None else "no exception"
    logger.error("update failed:\n%s", redact(trace, context))
    return True
