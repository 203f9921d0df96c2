"""Plain text that answers a question the bot asked: a note, context, the login secrets, a PIN.

What is being asked is kept in the store (`context.conversations`: an `Asking` state, what it is
about, until when), so whichever process receives the answer, before or after a restart, routes
it; each state has one answer function, in the module that asked. The question ends with its answer, except
a note that does not fit, which asks again. Text nobody asked for (or answering a question
that expired) gets a pointer to /help.
Messages holding secrets (cookie, password, PIN) are deleted before anything else.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.context import Asking, Awaiting, BotContext
from bot.db.models import Account
from bot.handlers import accounts, followups, login, notes, templates
from bot.handlers.common import question_account, reply, with_account

CANCEL_WORDS = frozenset({"cancel", "stop", "annuleren", "/cancel"})

Answer = Callable[[Update, BotContext, Account, Awaiting, str], Awaitable[None]]

ANSWERS: dict[Asking, Answer] = {
    Asking.NOTE: notes.answer_note,
    Asking.CONTEXT: notes.answer_context,
    Asking.LOGIN: login.answer_login,
    Asking.PASSWORD: login.answer_password,
    Asking.PIN: login.answer_pin,
    Asking.TEMPLATE: templates.answer_template,
    Asking.FOLLOWUP: followups.answer_message,
    Asking.ACCOUNT_NAME: accounts.answer_new_name,
    Asking.ACCOUNT_RENAME: accounts.answer_rename,
}


@with_account
async def answer_question(update: Update, context: BotContext, account: Account) -> None:
    """Hand the text to the answer for what the bot asked, or point at /help if it asked nothing."""
    message = update.effective_message
    assert message is not None and message.text is not None
    assert update.effective_user is not None
    awaiting = await context.conversations.take(update.effective_user.id)  # answered (or cancelled)
    if awaiting is None:
        await reply(update, context, "errors/unknown_command", account)
        return
    if awaiting.asking.secret:
        await login.delete_secret(message)
    value = message.text.strip()
    if value.lower() in CANCEL_WORDS:
        await reply(update, context, "reminders/kept_draft", account)
        return
    asked_for = await question_account(context, update.effective_user.id, awaiting, account)
    await ANSWERS[awaiting.asking](update, context, asked_for, awaiting, value)


HANDLERS = [MessageHandler(filters.TEXT & ~filters.COMMAND, answer_question)]
