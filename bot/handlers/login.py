"""/login and /logout: connect LinkedIn from the chat, relaying a PIN checkpoint.

/login asks for the `li_at` cookie or the email address; an email is followed by the password.
Every message holding a secret is deleted as soon as it arrives; none is stored (the e-mail
address waits in the store for the password, the password goes straight to the sign-in). The
sign-in runs as a background task in the browser (never inside a handler); when LinkedIn asks for a
code, the task records the checkpoint in the store (`bot.services.login_checkpoints`) and waits in
the same browser page for the owner's next message ("LinkedIn emailed you a code — reply with it"),
which any process may receive: `relay_pin` writes the code to the store, encrypted, and the task
reads it. A sign-in whose process stopped has lost its page: a code for it gets "that sign-in ended".
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import CommandHandler

from automation.errors import AutomationError, BadLogin, CheckpointRequired, HumanRequired, SessionExpired
from bot.callback_data import Op
from bot.context import Asking, Awaiting, BotContext
from bot.db.models import Account
from bot.delivery.chat import send
from bot.handlers.common import (
    Tap,
    any_data,
    on_button,
    reply,
    reply_view,
    show_text,
    text,
    with_account,
    with_tap,
)
from bot.services.identity import browser_identity
from bot.services.linkedin import AccountBusy, exclusive_browser
from bot.services.login_checkpoints import close_checkpoint, open_checkpoint, relay_code, wait_for_code
from bot.services.session_health import adopt_session, forget
from bot.views import View
from bot.views.control import confirm_logout

if TYPE_CHECKING:
    # Types only: Playwright loads with the browser, not with the bot (docs/benchmarks.md).
    from automation.client import StorageState

logger = logging.getLogger(__name__)

PIN_WAIT = timedelta(minutes=5)  # LinkedIn's codes live about this long
PIN_ATTEMPTS = 3


@with_account
async def start_login(update: Update, context: BotContext, account: Account) -> None:
    """Ask for the li_at cookie or the email address (a cookie given inline is used at once)."""
    assert update.effective_message is not None
    if context.args:
        await delete_secret(update.effective_message)
    if not context.bot_data.role.runs_browser:  # a `web` process has no browser to sign in with
        await reply(update, context, "login/elsewhere", account)
        return
    if context.args:
        await begin_cookie_login(update, context, account, context.args[0])
        return
    await context.ask(update.effective_user, Awaiting(Asking.LOGIN))
    await reply(update, context, "login/ask", account)


async def delete_secret(message: Message) -> None:
    """Delete a message that holds a secret; if Telegram refuses, the secret still goes no further."""
    try:
        await message.delete()
    except BadRequest as error:
        logger.warning("could not delete a message holding a secret: %s", error)


async def begin_cookie_login(update: Update, context: BotContext, account: Account, cookie: str) -> None:
    await reply(update, context, "login/checking", account)
    context.application.create_task(_login_task(context, account, cookie=cookie), update=update)


async def begin_password_login(
    update: Update, context: BotContext, account: Account, email: str, password: str
) -> None:
    await reply(update, context, "login/checking", account)
    context.application.create_task(
        _login_task(context, account, email=email, password=password), update=update
    )


# What the owner is told for each way a sign-in fails (the first that matches; else "failed").
_FAILURES: tuple[tuple[type[AutomationError], str], ...] = (
    (BadLogin, "bad_login"),
    (SessionExpired, "bad_cookie"),
    (HumanRequired, "human_required"),
)


async def _login_task(
    context: BotContext, account: Account, *, cookie: str | None = None, email: str = "", password: str = ""
) -> None:
    """Sign in in the browser, relay a checkpoint, store the session encrypted, tell the owner."""
    assert account.chat_id is not None
    chat_id = account.chat_id
    outcome, detail = "failed", ""
    try:
        state = await _sign_in(context, account, cookie=cookie, email=email, password=password)
        if state is not None:
            await _store(context, account, state)
        outcome = "connected" if state is not None else "pin_timeout"
    except AutomationError as error:
        outcome = next((name for kind, name in _FAILURES if isinstance(error, kind)), "failed")
        detail = type(error).__name__ if outcome == "failed" else ""
    except AccountBusy:
        outcome = "busy"  # a worker drives the account: a second browser session is what the lease forbids
    finally:
        await close_checkpoint(context.db, account.id)
    if outcome == "pin_timeout" and not context.application.running:
        outcome = "interrupted"  # the page goes with this process; a code sent later is told so
    else:
        await context.conversations.forget(account.owner_telegram_id or 0, Asking.PIN)
    result = text(context, "login/result", account, outcome=outcome, detail=detail)
    await send(context, account, chat_id, View(result))


async def _sign_in(
    context: BotContext, account: Account, *, cookie: str | None, email: str, password: str
) -> StorageState | None:
    """The signed-in session, relaying a checkpoint to the owner; None if no right code came in time.

    The sign-in goes out as the account's browser identity (its proxy, locale, time zone, user
    agent), as all its later work will: LinkedIn sees one member from one place; and under the
    account's lease, so it never shares the account with a worker's browser session.
    """
    lease = context.linkedin.lease
    async with (
        exclusive_browser(context.db, account.id, context.clock, lease),
        context.browsers.open(None, browser_identity(account, context.vault)) as client,
    ):
        try:
            return await client.login_with_cookie(cookie) if cookie else await client.login(email, password)
        except CheckpointRequired as checkpoint:
            return await _relay_checkpoint(context, account, checkpoint)


async def _relay_checkpoint(
    context: BotContext, account: Account, checkpoint: CheckpointRequired
) -> StorageState | None:
    """Ask the owner for the code and finish the login with it; None if no right code came in time.

    A wrong code makes LinkedIn ask again on the same page; the owner is asked again, a few times.
    """
    assert account.chat_id is not None and account.owner_telegram_id is not None
    template = "login/ask_pin"
    for _ in range(PIN_ATTEMPTS):
        question = text(context, template, account, kind=checkpoint.kind)
        code = await _wait_for_code(context, account, checkpoint.kind, question)
        if code is None:
            await checkpoint.cancel()
            return None
        try:
            return dict(await checkpoint.submit(code))
        except CheckpointRequired as again:
            checkpoint, template = again, "login/pin_rejected"
    await checkpoint.cancel()
    return None


async def _wait_for_code(context: BotContext, account: Account, kind: str, question: str) -> str | None:
    """Send `question` and wait for the owner's code, which `relay_pin` stores, whoever receives it."""
    assert account.chat_id is not None and account.owner_telegram_id is not None
    await open_checkpoint(context.db, account.id, kind, context.clock(), PIN_WAIT)
    awaiting = Awaiting(Asking.PIN, target=account.id)
    await context.conversations.ask(account.owner_telegram_id, awaiting, within=PIN_WAIT)
    await send(context, account, account.chat_id, View(question))
    return await wait_for_code(
        context.db,
        context.vault,
        account.id,
        context.clock,
        within=PIN_WAIT.total_seconds(),
        stopping=lambda: not context.application.running,
    )


async def _store(context: BotContext, account: Account, state: StorageState) -> None:
    async with context.db.begin() as session:
        fresh = await session.get_one(Account, account.id)
        await adopt_session(session, fresh, context.vault, state, context.clock())


async def relay_pin(context: BotContext, account_id: int, code: str) -> bool:
    """Hand the owner's code to the waiting sign-in, in this process or another; False if none waits."""
    return await relay_code(context.db, context.vault, account_id, code, context.clock())


@with_account
async def ask_logout(update: Update, context: BotContext, account: Account) -> None:
    """/logout: confirm before forgetting the stored session."""
    await reply_view(update, context, account, confirm_logout(context.render, account))


@with_tap(owns=None, plain=any_data)
async def logout(tap: Tap, context: BotContext) -> None:
    """[Yes, forget my session]: the answer first, the write after (forgetting cannot fail)."""
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
        await context.ask(update.effective_user, Awaiting(Asking.PASSWORD, email=value))
        await reply(update, context, "login/ask_password", account)
    else:
        await begin_cookie_login(update, context, account, value)


async def answer_password(
    update: Update, context: BotContext, account: Account, awaiting: Awaiting, value: str
) -> None:
    """The password for the email given before: sign in with both."""
    await begin_password_login(update, context, account, awaiting.email, value)


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
]
