"""/accounts: the owner's LinkedIn accounts — list with state, switch, add, rename, remove.

Which account every command acts on is the owner's current one, kept in the store
(`bot.services.accounts.find_account_by_owner`), so every process sees the same choice. Adding
and renaming ask for a name (a question in the store, answered through `handlers/replies.py`,
for the account it was asked on); removing asks first and is refused while a worker is in the
account's browser work. Buttons name the account by id and `@with_tap(owns="account")` checks
that the presser owns it, so a forged, stale or foreign button changes nothing.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.callback_data import Op
from bot.context import Asking, Awaiting, BotContext
from bot.db.models import Account
from bot.delivery.chat import edit, send
from bot.handlers.common import (
    Tap,
    current_account,
    on_button,
    reply,
    reply_view,
    show_text,
    text,
    with_account,
    with_tap,
)
from bot.services.accounts import AccountExists, InvalidAccountName
from bot.services.owner_accounts import (
    AccountInUse,
    account_lines,
    add_owned_account,
    removal_summary,
    remove_account,
    rename_account,
    switch_to,
)
from bot.views import View
from bot.views.accounts import account_list, remove_question


def _reason(problem: InvalidAccountName | AccountExists) -> str:
    return problem.reason if isinstance(problem, InvalidAccountName) else "exists"


@with_account
async def accounts_command(update: Update, context: BotContext, account: Account) -> None:
    """List the owner's accounts with their state, with buttons to switch, add, rename and remove."""
    assert update.effective_user is not None
    async with context.db() as session:
        lines = await account_lines(session, update.effective_user.id)
    await reply_view(update, context, account, account_list(context.render, account, lines))


@with_tap(owns="account")
async def switch_account(tap: Tap, context: BotContext) -> None:
    """[Switch to …]: from now on, commands act on that account."""
    await tap.answer()
    async with context.db.begin() as session:
        await switch_to(session, tap.user_id, tap.account)
    await show_text(context, tap, "accounts/switched", name=tap.account.name)


@with_tap(owns=None)
async def ask_new_name(tap: Tap, context: BotContext) -> None:
    """[Add an account]: the next message names it."""
    await tap.answer()
    await context.conversations.ask(tap.user_id, Awaiting(Asking.ACCOUNT_NAME, account_id=tap.account.id))
    await send(context, tap.account, tap.chat_id, View(text(context, "accounts/ask_name", tap.account)))


async def answer_new_name(
    update: Update, context: BotContext, account: Account, awaiting: Awaiting, value: str
) -> None:
    """The new account's name: created, made current, and the owner told to /login it."""
    assert update.effective_user is not None and update.effective_chat is not None
    try:
        async with context.db.begin() as session:
            added = await add_owned_account(
                session, telegram_user_id=update.effective_user.id, chat_id=update.effective_chat.id,
                name=value, like=account, now=context.clock(),
            )  # fmt: skip
    except (InvalidAccountName, AccountExists) as problem:
        await reply(update, context, "accounts/invalid_name", account, reason=_reason(problem), name=value)
        return
    await reply(update, context, "accounts/added", added, name=added.name)


@with_tap(owns="account")
async def ask_new_account_name(tap: Tap, context: BotContext) -> None:
    """[Rename …]: the next message is the account's new name."""
    await tap.answer()
    awaiting = Awaiting(Asking.ACCOUNT_RENAME, target=tap.account.id, account_id=tap.account.id)
    await context.conversations.ask(tap.user_id, awaiting)
    body = text(context, "accounts/ask_rename", tap.account, name=tap.account.name)
    await send(context, tap.account, tap.chat_id, View(body))


async def answer_rename(
    update: Update, context: BotContext, account: Account, awaiting: Awaiting, value: str
) -> None:
    """The account's new name: the CLI's rule, a clash refused with nothing changed."""
    if account.id != awaiting.target:  # the account asked about is no longer this owner's
        await reply(update, context, "errors/invalid_button", account)
        return
    try:
        async with context.db.begin() as session:
            renamed = await session.get_one(Account, account.id)
            old = await rename_account(session, renamed, value, context.clock())
    except (InvalidAccountName, AccountExists) as problem:
        await reply(update, context, "accounts/invalid_name", account, reason=_reason(problem), name=value)
        return
    await reply(update, context, "accounts/renamed", renamed, old=old, new=renamed.name)


@with_tap(owns="account")
async def ask_remove(tap: Tap, context: BotContext) -> None:
    """[Remove …]: ask first, naming everything that goes with it."""
    async with context.db() as session:
        summary = await removal_summary(session, tap.account)
    await tap.answer()
    await send(context, tap.account, tap.chat_id, remove_question(context.render, tap.account, summary))


@with_tap(owns="account")
async def remove(tap: Tap, context: BotContext) -> None:
    """[Yes, remove …]: delete the account and its data, unless a worker is in its browser work now."""
    try:
        async with context.db.begin() as session:
            name = await remove_account(session, tap.account.id, context.clock())
    except AccountInUse as busy:
        body = text(context, "accounts/remove_busy", tap.account, name=tap.account.name, reason=busy.reason)
        await tap.answer(body, show_alert=True)
        return
    await tap.answer()
    now = await current_account(context, tap.user_id)
    body = text(context, "accounts/removed", now, name=name, current=now.name if now else None)
    await edit(context, now, tap.chat_id, tap.message_id, View(body))


@with_tap(owns="account")
async def keep(tap: Tap, context: BotContext) -> None:
    """[Keep it]: nothing is removed."""
    await tap.answer()
    await show_text(context, tap, "accounts/kept", name=tap.account.name)


HANDLERS = [
    CommandHandler("accounts", accounts_command),
    on_button(switch_account, Op.ACCOUNT_SWITCH),
    on_button(ask_new_name, Op.ACCOUNT_ADD),
    on_button(ask_new_account_name, Op.ACCOUNT_RENAME),
    on_button(ask_remove, Op.ACCOUNT_REMOVE),
    on_button(remove, Op.ACCOUNT_REMOVE_YES),
    on_button(keep, Op.ACCOUNT_KEEP),
]
