"""Plain text that answers a question the bot asked: a note, context, the login secrets, a PIN.

What is being asked lives in `context.state.awaiting`; text nobody asked for gets a pointer to
/help. Messages holding secrets (cookie, password, PIN) are deleted before anything else.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.context import Awaiting, BotContext
from bot.handlers.common import current_account, reply, text
from bot.handlers.login import begin_cookie_login, begin_password_login, delete_secret, relay_pin
from bot.handlers.notes import redraw_reminder
from bot.services import reminders
from bot.services.chat_lookups import reminder_with_person
from bot.services.notes import InvalidNote, note_length, note_limit

CANCEL_WORDS = frozenset({"cancel", "stop", "annuleren", "/cancel"})


async def answer_question(update: Update, context: BotContext) -> None:
    """Route the text to whatever the bot is waiting for."""
    message = update.effective_message
    assert message is not None and message.text is not None and update.effective_user is not None
    awaiting = context.state.awaiting
    account = await current_account(context, update.effective_user.id)
    if account is None:
        await reply(update, context, "errors/no_account", None)
        return
    if awaiting is None:
        await reply(update, context, "errors/unknown_command", account)
        return
    secret = awaiting.kind in ("login_start", "login_password", "pin")
    if secret:
        await delete_secret(message)
    if message.text.strip().lower() in CANCEL_WORDS:
        context.state.awaiting = None
        await reply(update, context, "reminders/kept_draft", account)
        return
    value = message.text.strip()
    if awaiting.kind == "note":
        await _save_note(update, context, awaiting, value)
    elif awaiting.kind == "context":
        context.state.awaiting = None
        async with context.db.begin() as session:
            found = await reminder_with_person(session, awaiting.target)
            if found is not None:
                await reminders.set_context(session, found[1].id, value, account_id=account.id)
        await redraw_reminder(
            context, account, awaiting.target, notice=text(context, "reminders/context_saved", account)
        )
    elif awaiting.kind == "login_start":
        if "@" in value and " " not in value:
            context.state.awaiting = Awaiting("login_password", extra={"email": value})
            await reply(update, context, "login/ask_password", account)
        else:
            context.state.awaiting = None
            await begin_cookie_login(update, context, account, value)
    elif awaiting.kind == "login_password":
        context.state.awaiting = None
        await begin_password_login(update, context, account, str(awaiting.extra["email"]), value)
    elif awaiting.kind == "pin":
        context.state.awaiting = None
        if not relay_pin(context, awaiting.target, value):
            await reply(update, context, "login/pin_too_late", account)


async def _save_note(update: Update, context: BotContext, awaiting: Awaiting, value: str) -> None:
    assert update.effective_user is not None
    account = await current_account(context, update.effective_user.id)
    assert account is not None
    try:
        async with context.db.begin() as session:
            await reminders.set_draft(session, awaiting.target, value, account_id=account.id)
    except InvalidNote as problem:
        # The question stays open: the owner sends a shorter version (or "cancel").
        await reply(
            update,
            context,
            "reminders/note_invalid",
            account,
            reason=str(problem),
            length=note_length(value),
            limit=note_limit(account.plan),
        )
        return
    context.state.awaiting = None
    await redraw_reminder(
        context, account, awaiting.target, notice=text(context, "reminders/note_updated", account)
    )


HANDLERS = [MessageHandler(filters.TEXT & ~filters.COMMAND, answer_question)]
