"""/login and /logout: connect LinkedIn from the chat, relaying a PIN checkpoint.

/login asks for the `li_at` cookie or the email address; an email is followed by the password.
Every message holding a secret is deleted as soon as it arrives (the e-mail address waits in the
store for the password). The sign-in itself is `bot.delivery.login`, one code path wherever its
browser runs: in a process with a browser (`run`) it starts as a background task here (never
inside the handler); a `web` process has none, so it hands the sign-in over to a worker through
the store, the credentials sealed with the session vault (`hand_over_login`). Either way, when
LinkedIn asks for a code the owner's next message is relayed through the store to the page
waiting for it, whichever process receives it (`relay_pin`): a sign-in that already ended gets
"that sign-in ended".
"""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import CommandHandler

from bot.callback_data import Op
from bot.context import Asking, Awaiting, BotContext
from bot.db.models import Account
from bot.delivery.login import hand_over_login, sign_in_and_tell
from bot.handlers.common import Tap, any_data, on_button, reply, reply_view, show_text, with_account, with_tap
from bot.services.login_checkpoints import relay_code
from bot.services.login_handovers import Credentials
from bot.services.session_health import forget
from bot.views.control import confirm_logout

logger = logging.getLogger(__name__)


@with_account
async def start_login(update: Update, context: BotContext, account: Account) -> None:
    """Ask for the li_at cookie or the email address (a cookie given inline is used at once)."""
    assert update.effective_message is not None
    if context.args:
        await delete_secret(update.effective_message)
        await begin_login(update, context, account, Credentials(cookie=context.args[0]))
        return
    await context.ask(update.effective_user, Awaiting(Asking.LOGIN), account)
    await reply(update, context, "login/ask", account)


async def delete_secret(message: Message) -> None:
    """Delete a message that holds a secret; if Telegram refuses, the secret still goes no further."""
    try:
        await message.delete()
    except BadRequest as error:
        logger.warning("could not delete a message holding a secret: %s", error)


async def begin_login(
    update: Update, context: BotContext, account: Account, credentials: Credentials
) -> None:
    """Sign in here when this process has a browser (`run`), else hand the sign-in to a worker (`web`)."""
    if context.bot_data.role.runs_browser:
        await reply(update, context, "login/checking", account)
        context.application.create_task(sign_in_and_tell(context, account, credentials), update=update)
        return
    await reply(update, context, "login/handed_over", account)  # before a worker's question can come
    await hand_over_login(context, account, credentials)


async def relay_pin(context: BotContext, account_id: int, code: str) -> bool:
    """Hand the owner's code to the waiting sign-in, in this process or another; False if none waits."""
    return await relay_code(context.db, context.vault, account_id, code, context.clock())


@with_account
async def ask_logout(update: Update, context: BotContext, account: Account) -> None:
    """/logout: confirm before forgetting the stored session."""
    await reply_view(update, context, account, confirm_logout(context.render, account))


@with_tap(owns="account")
async def logout_account(tap: Tap, context: BotContext) -> None:
    """[Yes, forget my session] of the account the question named, whichever is current now."""
    await _forget_session(tap, context)


@with_tap(owns=None, plain=any_data)
async def logout(tap: Tap, context: BotContext) -> None:
    """[Yes, forget my session] on a question drawn before it named its account: the current one."""
    await _forget_session(tap, context)


async def _forget_session(tap: Tap, context: BotContext) -> None:
    """The answer first, the write after (forgetting cannot fail)."""
    await tap.answer()
    async with context.db.begin() as session:
        fresh = await session.get_one(Account, tap.account.id)
        forget(fresh)
    await show_text(context, tap, "login/logged_out")


async def answer_login(
    update: Update, context: BotContext, account: Account, awaiting: Awaiting, value: str
) -> None:
    """The answer to "cookie or email?": an email asks for the password, anything else is a cookie."""
    if "@" in value and " " not in value:
        await context.ask(update.effective_user, Awaiting(Asking.PASSWORD, email=value), account)
        await reply(update, context, "login/ask_password", account)
    else:
        await begin_login(update, context, account, Credentials(cookie=value))


async def answer_password(
    update: Update, context: BotContext, account: Account, awaiting: Awaiting, value: str
) -> None:
    """The password for the email given before: sign in with both."""
    await begin_login(update, context, account, Credentials(email=awaiting.email, password=value))


async def answer_pin(
    update: Update, context: BotContext, account: Account, awaiting: Awaiting, value: str
) -> None:
    """The code LinkedIn sent: hand it to the sign-in waiting for it, if it still waits."""
    if not await relay_pin(context, awaiting.target, value):
        await reply(update, context, "login/pin_too_late", account)


HANDLERS = [
    CommandHandler("login", start_login),
    CommandHandler("logout", ask_logout),
    on_button(logout, Op.LOGOUT_YES),
    on_button(logout_account, Op.LOGOUT_ACCOUNT),
]
