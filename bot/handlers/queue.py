"""/queue: what is scheduled (soonest first), with [Cancel] per queued action."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CommandHandler

from bot.callback_data import Op
from bot.context import BotContext
from bot.db.models import Account, ActionState
from bot.handlers.common import button, current_account, edit, keyboard, on_button, reply, send, tapped, text
from bot.services import actions

SHOWN = 10  # buttons for the first ten; the text counts the rest


async def _render(context: BotContext, account: Account) -> tuple[str, InlineKeyboardMarkup | None]:
    overview = await actions.queue_overview(context.db, account.id, now=context.clock())
    body = text(
        context,
        "queue/queue",
        account,
        overview=overview,
        shown=SHOWN,
        now=context.clock(),
        account_view=account,
    )
    rows: list[list[InlineKeyboardButton]] = []
    for item in overview.active[:SHOWN]:
        if item.state is ActionState.QUEUED:
            rows.append(
                [
                    button(
                        context,
                        account,
                        "cancel",
                        Op.QUEUE_CANCEL,
                        item.action_id,
                        what=item.person_name or "",
                    )
                ]
            )
    for item in overview.failed[:SHOWN]:
        rows.append([button(context, account, "retry", Op.RETRY, item.action_id)])
    return body, keyboard(*rows) if rows else None


async def show_queue(update: Update, context: BotContext) -> None:
    """List queued, running and recently failed work."""
    assert update.effective_user is not None and update.effective_chat is not None
    account = await current_account(context, update.effective_user.id)
    if account is None:
        await reply(update, context, "errors/no_account", None)
        return
    body, markup = await _render(context, account)
    await send(context, account, update.effective_chat.id, body, markup)


async def cancel_queued(update: Update, context: BotContext) -> None:
    """[Cancel …]: cancel one queued action and redraw the list."""
    found = await tapped(update, context, owns="action")
    if found is None:
        return
    query, callback, account = found
    try:
        await actions.cancel(context.db, callback.target, by_user=query.from_user.id, now=context.clock())
    except actions.ActionRefused as refused:
        await query.answer(text(context, "withdraw/refused", account, reason=refused.reason), show_alert=True)
        return
    await query.answer(text(context, "queue/cancelled", account))
    body, markup = await _render(context, account)
    await edit(context, account, query, body, markup)


HANDLERS = [
    CommandHandler("queue", show_queue),
    on_button(cancel_queued, Op.QUEUE_CANCEL),
]
