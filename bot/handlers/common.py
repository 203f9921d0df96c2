"""What every handler module shares: the owner's account, replies from templates, buttons, and
the parse-and-authorize step every button tap goes through.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime, timedelta
from typing import Any

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot.callback_data import Callback, InvalidCallbackData, Op, build, parse, pattern
from bot.context import BotContext
from bot.db.models import Account, Action
from bot.delivery import Receipt
from bot.rendering import DEFAULT_LANGUAGE
from bot.services.accounts import find_account_by_owner
from bot.services.owners import owned_account


def language_of(account: Account | None) -> str:
    return account.language if account is not None else DEFAULT_LANGUAGE


def text(context: BotContext, template: str, account: Account | None, /, **kwargs: Any) -> str:
    """Render `templates/telegram/<language>/<template>.html.j2` for this account's language."""
    return context.render.telegram(template, language_of(account), **kwargs)


def label(context: BotContext, account: Account | None, name: str, /, **kwargs: Any) -> str:
    """A button label from `templates/telegram/<language>/buttons.txt.j2` (plain text, not HTML)."""
    language = language_of(account)
    template = context.render.env.select_template(
        [f"telegram/{language}/buttons.txt.j2", f"telegram/{DEFAULT_LANGUAGE}/buttons.txt.j2"]
    )
    return template.render(name=name, **kwargs).strip()


def button(
    context: BotContext, account: Account | None, name: str, op: Op, *args: int, **kwargs: Any
) -> InlineKeyboardButton:
    """An inline button whose label is the template `name` and whose data is `op` with `args`."""
    return InlineKeyboardButton(label(context, account, name, **kwargs), callback_data=build(op, *args))


def keyboard(*rows: Sequence[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(row) for row in rows if row])


async def current_account(context: BotContext, user_id: int) -> Account | None:
    """The account this owner works on (the first they own), or None before /start."""
    async with context.db() as session:
        return await find_account_by_owner(session, user_id)


async def reply(
    update: Update,
    context: BotContext,
    name: str,
    account: Account | None,
    *,
    markup: InlineKeyboardMarkup | None = None,
    **kwargs: Any,
) -> Receipt:
    """Send the rendered template `name` to the chat the update came from."""
    chat = update.effective_chat
    assert chat is not None  # access control only lets private-chat updates with a user through
    return await send(context, account, chat.id, text(context, name, account, **kwargs), markup)


async def send(
    context: BotContext,
    account: Account | None,
    chat_id: int,
    body: str,
    markup: InlineKeyboardMarkup | None = None,
) -> Receipt:
    """Send `body` through `context.delivery`; notices about a failure speak the account's language."""
    return await context.delivery.send(chat_id, body, markup=markup, language=language_of(account))


async def edit(
    context: BotContext,
    account: Account | None,
    query: CallbackQuery,
    body: str,
    markup: InlineKeyboardMarkup | None = None,
) -> Receipt:
    """Edit the tapped message; an identical edit (a double tap) is not an error."""
    message = query.message
    assert message is not None  # our buttons sit on messages the bot sent, never inline ones
    return await context.delivery.edit(
        message.chat.id, message.message_id, body, markup=markup, language=language_of(account)
    )


async def tapped(
    update: Update, context: BotContext, *, owns: str | None = "invitation"
) -> tuple[CallbackQuery, Callback, Account] | None:
    """Parse the tapped button and check the presser owns what it names.

    Returns None, after answering with an explanation, when the data is not ours or names
    something this user does not own: such taps change nothing. On success the caller answers the
    query itself as soon as its (fast, database-only) service call has said what happened, with
    the outcome as the toast ("Already done."), and before it edits or sends anything; slow work
    goes to the job queue, so the spinner never waits for the browser.

    `owns` is the kind of thing the first id names ("invitation", "action", "reminder"),
    or None for buttons that name no row (paging, settings), which act on the presser's account.
    """
    query = update.callback_query
    assert query is not None
    user_id = query.from_user.id
    try:
        callback = parse(query.data)
    except InvalidCallbackData:
        account = await current_account(context, user_id)
        await query.answer(text(context, "errors/invalid_button", account), show_alert=True)
        return None
    async with context.db() as session:
        if owns is None:
            account = await find_account_by_owner(session, user_id)
        else:
            account = await owned_account(session, user_id, kind=owns, target_id=callback.target)
    if account is None:
        fallback = await current_account(context, user_id)
        await query.answer(text(context, "errors/invalid_button", fallback), show_alert=True)
        return None
    return query, callback, account


def on_button(
    callback: Callable[[Update, BotContext], Coroutine[Any, Any, None]], op: Op
) -> CallbackQueryHandler[BotContext, None]:
    """The handler for buttons with prefix `op`.

    Taps do not block the update loop (`block=False`): a tap's edit no longer holds up the next
    update, so every tap is answered promptly even while others are being edited. Taps are
    independent (each re-reads its row; the queue's unique key makes repeats harmless), so their
    order does not matter; typed text, whose order does, stays sequential.
    """
    return CallbackQueryHandler(callback, pattern=pattern(op), block=False)


RHYTHM_SLACK = timedelta(seconds=1)
"""A start this close to the end of the undo window is "right after it", not held by the rhythm."""


def waits_for_rhythm(action: Action, now: datetime, undo_window: timedelta) -> datetime | None:
    """When a queued action starts, if later than its undo window (the account's rhythm holds it)."""
    return action.not_before if action.not_before > now + undo_window + RHYTHM_SLACK else None
