"""Withdrawing: [Withdraw] → confirmation → [Yes] → queued with [Undo] → outcome (edited by the worker).

Also [Keep] on a card, /keep <name>, /withdraw <days> (bulk, confirmed first), [Retry] and [Undo].
Every step re-reads the invitation or action and its owner, so replayed, forged and other
owners' taps change nothing; the queue's unique key makes a second [Yes] the same withdrawal.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.ext import CommandHandler

from bot.callback_data import Op
from bot.context import BotContext
from bot.db.models import Account, InvitationState
from bot.handlers.cards import invitation_card
from bot.handlers.common import (
    button,
    current_account,
    edit,
    keyboard,
    on_button,
    reply,
    send,
    tapped,
    text,
    waits_for_rhythm,
)
from bot.handlers.notes import redraw_reminder
from bot.handlers.worker import process_actions
from bot.services import actions
from bot.services.accounts import find_account_by_owner
from bot.services.chat_lookups import InvitationView, action_subject, invitation_view
from bot.services.digest import build_digest
from bot.services.people import find_people, person_of_invitation, set_keep
from bot.services.policy import local_date

WORKER_DELAY = timedelta(seconds=0.5)  # after the undo window, so the claim sees it due


async def _view(context: BotContext, account: Account, invitation_id: int) -> InvitationView | None:
    async with context.db() as session:
        return await invitation_view(session, account, invitation_id, now=context.clock())


async def _pending_view(
    query: CallbackQuery, context: BotContext, account: Account, invitation_id: int
) -> InvitationView | None:
    """The invitation while it is still pending; else answer "already done" and None."""
    view = await _view(context, account, invitation_id)
    if view is None or view.state is not InvitationState.PENDING:
        await _refuse(query, context, account, "done")
        return None
    return view


def _undo_window(context: BotContext) -> timedelta:
    return timedelta(seconds=context.settings.undo_window_seconds)


def _kick_worker(context: BotContext) -> None:
    """Run the worker right after the undo window instead of waiting for its next tick."""
    context.jobs.run_once(process_actions, _undo_window(context) + WORKER_DELAY)


async def _refuse(query: CallbackQuery, context: BotContext, account: Account, reason: str) -> None:
    await query.answer(text(context, "withdraw/refused", account, reason=reason), show_alert=reason != "done")


async def ask_to_withdraw(update: Update, context: BotContext) -> None:
    """Turn the card into "Withdraw Jane Doe, sent ~97 days ago? You can re-invite … from 17 Dec."."""
    found = await tapped(update, context)
    if found is None:
        return
    query, callback, account = found
    view = await _pending_view(query, context, account, callback.target)
    if view is None:
        return
    await query.answer()
    body = text(context, "withdraw/confirm", account, view=view, item=view.item)
    markup = keyboard(
        [
            button(context, account, "yes_withdraw", Op.WITHDRAW_YES, callback.target),
            button(context, account, "no", Op.WITHDRAW_NO, callback.target),
        ]
    )
    await edit(context, account, query, body, markup)


async def confirm_withdraw(update: Update, context: BotContext) -> None:
    """Queue the withdrawal; the message offers [Undo] until the worker takes it."""
    found = await tapped(update, context)
    if found is None:
        return
    query, callback, account = found
    assert query.message is not None
    try:
        action = await actions.request_withdrawal(
            context.db,
            account.id,
            callback.target,
            now=context.clock(),
            requested_by=query.from_user.id,
            chat_id=query.message.chat.id,
            message_id=query.message.message_id,
            undo_window=_undo_window(context),
        )
    except actions.ActionRefused as refused:
        await _refuse(query, context, account, refused.reason)
        return
    await query.answer()
    view = await _view(context, account, callback.target)
    body = text(
        context,
        "withdraw/queued",
        account,
        item=view.item if view else None,
        seconds=int(_undo_window(context).total_seconds()),
        starts=waits_for_rhythm(action, context.clock(), _undo_window(context)),
        now=context.clock(),
        account_view=account,
    )
    await edit(
        context, account, query, body, keyboard([button(context, account, "undo", Op.UNDO, action.id)])
    )
    _kick_worker(context)


async def back_to_card(update: Update, context: BotContext) -> None:
    """[No]: show the card again, unchanged."""
    found = await tapped(update, context)
    if found is None:
        return
    query, callback, account = found
    view = await _pending_view(query, context, account, callback.target)
    if view is None:
        return
    await query.answer()
    body, markup = invitation_card(context, account, view.item)
    await edit(context, account, query, body, markup)


async def undo(update: Update, context: BotContext) -> None:
    """[Undo]: cancel the queued action while its undo window lasts; the card comes back."""
    found = await tapped(update, context, owns="action")
    if found is None:
        return
    query, callback, account = found
    try:
        await actions.cancel(context.db, callback.target, by_user=query.from_user.id, now=context.clock())
    except actions.ActionRefused as refused:
        await _refuse(query, context, account, refused.reason)
        return
    async with context.db() as session:
        subject = await action_subject(session, callback.target)
    kind = subject.kind.value if subject else "withdraw"
    undone = text(context, "withdraw/undone", account, kind=kind)
    await query.answer(undone)
    if subject is not None and subject.reminder_id is not None:
        await redraw_reminder(context, account, subject.reminder_id, notice=undone)
        return
    view = await _view(context, account, subject.invitation_id) if subject and subject.invitation_id else None
    if view is not None and view.state is InvitationState.PENDING:
        body, markup = invitation_card(context, account, view.item)
        await edit(context, account, query, body, markup)
    else:
        await edit(context, account, query, undone)


async def retry(update: Update, context: BotContext) -> None:
    """[Retry]: queue a failed action again."""
    found = await tapped(update, context, owns="action")
    if found is None:
        return
    query, callback, account = found
    try:
        action = await actions.retry(
            context.db, callback.target, by_user=query.from_user.id, now=context.clock()
        )
    except actions.ActionRefused as refused:
        await _refuse(query, context, account, refused.reason)
        return
    await query.answer()
    async with context.db() as session:
        subject = await action_subject(session, action.id)
    await edit(context, account, query, text(context, "withdraw/retrying", account, subject=subject))
    context.jobs.run_once(process_actions, WORKER_DELAY)


async def keep(update: Update, context: BotContext) -> None:
    """[Keep]: never suggest withdrawing this person; the card says so (pending invitations only)."""
    found = await tapped(update, context)
    if found is None:
        return
    query, callback, account = found
    # Like [Withdraw] and [No]: a card whose invitation is closed (withdrawn, accepted, vanished)
    # is history, and a replayed tap on it changes nothing, not even the keep list.
    if await _pending_view(query, context, account, callback.target) is None:
        return
    async with context.db.begin() as session:
        person = await person_of_invitation(session, account, callback.target)
        changed = person is not None and await set_keep(session, account, person, True, context.clock())
    if person is None:
        await _refuse(query, context, account, "not_found")
        return
    await query.answer(None if changed else text(context, "withdraw/refused", account, reason="done"))
    await edit(context, account, query, text(context, "withdraw/kept", account, name=person.name))


async def keep_by_name(update: Update, context: BotContext) -> None:
    """/keep <name>: put someone on the keep list by name."""
    assert update.effective_user is not None
    query_text = " ".join(context.args or [])
    async with context.db.begin() as session:
        account = await find_account_by_owner(session, update.effective_user.id)
        if account is None:
            await reply(update, context, "errors/no_account", None)
            return
        matches = await find_people(session, account, query_text) if query_text else []
        if len(matches) == 1:
            await set_keep(session, account, matches[0], True, context.clock())
    await reply(update, context, "withdraw/keep_by_name", account, query=query_text, matches=matches)


async def bulk_command(update: Update, context: BotContext) -> None:
    """/withdraw <days>: offer to withdraw everything at least that old (confirmed with a button)."""
    assert update.effective_user is not None
    account = await current_account(context, update.effective_user.id)
    if account is None:
        await reply(update, context, "errors/no_account", None)
        return
    days = account.withdraw_days
    if context.args:
        if not context.args[0].isdigit() or int(context.args[0]) < 1:
            await reply(update, context, "withdraw/bulk_usage", account)
            return
        days = int(context.args[0])
    body, markup = await _bulk_offer(context, account, days)
    assert update.effective_chat is not None
    await send(context, account, update.effective_chat.id, body, markup)


async def _bulk_offer(
    context: BotContext, account: Account, days: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    async with context.db() as session:
        digest = await build_digest(session, account, now=context.clock(), page_size=1, stale_min_days=days)
    count = digest.stale_total
    body = text(
        context, "withdraw/bulk_confirm", account, digest=digest, days=days, count=count, account_view=account
    )
    if not count:
        return body, None
    return body, keyboard(
        [
            button(context, account, "bulk_yes", Op.BULK_YES, days, count, count=count),
            button(context, account, "no", Op.BULK_NO),
        ]
    )


async def ask_bulk(update: Update, context: BotContext) -> None:
    """[Withdraw all ≥ 90 days (N)] from the digest: send the confirmation (the digest stays)."""
    found = await tapped(update, context, owns=None)
    if found is None:
        return
    query, callback, account = found
    await query.answer()
    body, markup = await _bulk_offer(context, account, callback.target)
    assert query.message is not None
    await send(context, account, query.message.chat.id, body, markup)


async def confirm_bulk(update: Update, context: BotContext) -> None:
    """[Yes, withdraw N]: queue the batch; this message then shows its progress."""
    found = await tapped(update, context, owns=None)
    if found is None:
        return
    query, callback, account = found
    days, count = callback.args
    assert query.message is not None
    try:
        batch_id, plan = await actions.request_bulk_withdrawal(
            context.db,
            account.id,
            days,
            count,
            query.from_user.id,
            now=context.clock(),
            undo_window=_undo_window(context),
            chat_id=query.message.chat.id,
            message_id=query.message.message_id,
        )
    except actions.ActionRefused as refused:
        await _refuse(query, context, account, refused.reason)
        return
    if not plan:
        await _refuse(query, context, account, "done")
        await edit(context, account, query, text(context, "withdraw/bulk_nothing", account))
        return
    await query.answer()
    total = sum(n for _, n in plan)
    today = local_date(context.clock(), account.timezone)
    await edit(
        context,
        account,
        query,
        text(
            context,
            "withdraw/bulk_queued",
            account,
            total=total,
            plan=plan,
            today=today,
            account_view=account,
            first=await actions.batch_next_start(context.db, batch_id),
            now=context.clock(),
        ),
    )
    _kick_worker(context)


async def drop_bulk(update: Update, context: BotContext) -> None:
    """[No] on a bulk confirmation: nothing is queued."""
    found = await tapped(update, context, owns=None)
    if found is None:
        return
    query, _, account = found
    await query.answer()
    await edit(context, account, query, text(context, "withdraw/bulk_dropped", account))


HANDLERS = [
    CommandHandler("withdraw", bulk_command),
    CommandHandler("keep", keep_by_name),
    on_button(ask_to_withdraw, Op.WITHDRAW),
    on_button(confirm_withdraw, Op.WITHDRAW_YES),
    on_button(back_to_card, Op.WITHDRAW_NO),
    on_button(keep, Op.KEEP),
    on_button(undo, Op.UNDO),
    on_button(retry, Op.RETRY),
    on_button(ask_bulk, Op.BULK),
    on_button(confirm_bulk, Op.BULK_YES),
    on_button(drop_bulk, Op.BULK_NO),
]
