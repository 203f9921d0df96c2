"""Withdrawing: [Withdraw] → confirmation → [Yes] → queued with [Undo] → outcome (edited by the worker).

Also [Keep] on a card, /keep <name>, /withdraw <days> (bulk, confirmed first), [Retry] and [Undo].
Every step re-reads the invitation or action and its owner, so replayed, forged and other
owners' taps change nothing; the queue's unique key makes a second [Yes] the same withdrawal.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.callback_data import Op
from bot.context import BotContext
from bot.db.models import Account, Action, ActionKind, InvitationState
from bot.delivery.chat import send
from bot.delivery.followups import redraw_followup_of_action
from bot.delivery.reminders import ReminderCard, load_reminder_card, show_reminder
from bot.delivery.worker import kick_worker
from bot.handlers.common import (
    Tap,
    any_data,
    on_button,
    refuse,
    reply,
    reply_view,
    show,
    show_text,
    text,
    undo_window,
    waits_for_rhythm,
    with_account,
    with_tap,
)
from bot.services import actions
from bot.services.chat_lookups import ActionSubject, InvitationView, action_subject, invitation_view
from bot.services.digest import build_digest
from bot.services.people import find_people, person_of_invitation, set_keep
from bot.services.policy import DayPlan, local_date
from bot.views import View
from bot.views.cards import invitation_card
from bot.views.withdraw import bulk_offer, confirm_withdrawal, undoable


async def _view(context: BotContext, account: Account, invitation_id: int) -> InvitationView | None:
    async with context.db() as session:
        return await invitation_view(session, account, invitation_id, now=context.clock())


async def _pending_view(tap: Tap, context: BotContext) -> InvitationView | None:
    """The tapped invitation while it is still pending; else answer "already done" and None."""
    view = await _view(context, tap.account, tap.target)
    if view is None or view.state is not InvitationState.PENDING:
        await refuse(tap, context, "done")
        return None
    return view


@with_tap(owns="invitation")
async def ask_to_withdraw(tap: Tap, context: BotContext) -> None:
    """Turn the card into "Withdraw Jane Doe, sent ~97 days ago? You can re-invite … from 17 Dec."."""
    view = await _pending_view(tap, context)
    if view is None:
        return
    await tap.answer()
    await show(context, tap, confirm_withdrawal(context.render, tap.account, view))


@with_tap(owns="invitation")
async def confirm_withdraw(tap: Tap, context: BotContext) -> None:
    """Queue the withdrawal; the message offers [Undo] until the worker takes it."""
    try:
        action = await actions.request_withdrawal(
            context.db,
            tap.account.id,
            tap.target,
            now=context.clock(),
            requested_by=tap.user_id,
            chat_id=tap.chat_id,
            message_id=tap.message_id,
            undo_window=undo_window(context),
        )
    except actions.ActionRefused as refused:
        await refuse(tap, context, refused.reason)
        return
    await tap.answer()
    await _show_queued(tap, context, action)


async def _show_queued(tap: Tap, context: BotContext, action: Action) -> None:
    """The card now says the withdrawal is queued, with [Undo]; the worker starts after the window."""
    window = undo_window(context)
    view = await _view(context, tap.account, tap.target)
    queued = undoable(
        context.render,
        tap.account,
        "withdraw/queued",
        action.id,
        item=view.item if view else None,
        seconds=int(window.total_seconds()),
        starts=waits_for_rhythm(action, context.clock(), window),
        now=context.clock(),
        account_view=tap.account,
    )
    await show(context, tap, queued)
    kick_worker(context, undo_window=window)


@with_tap(owns="invitation")
async def back_to_card(tap: Tap, context: BotContext) -> None:
    """[No]: show the card again, unchanged."""
    view = await _pending_view(tap, context)
    if view is None:
        return
    await tap.answer()
    await show(context, tap, invitation_card(context.render, tap.account, view.item))


@with_tap(owns="action")
async def undo(tap: Tap, context: BotContext) -> None:
    """[Undo]: cancel the queued action while its undo window lasts; the card comes back."""
    try:
        await actions.cancel(context.db, tap.target, by_user=tap.user_id, now=context.clock())
    except actions.ActionRefused as refused:
        await refuse(tap, context, refused.reason)
        return
    card: ReminderCard | None = None
    view: InvitationView | None = None
    async with context.db() as session:  # one read for whatever the message shows next
        subject = await action_subject(session, tap.target)
        if subject is not None and subject.reminder_id is not None:
            card = await load_reminder_card(session, tap.account.id, subject.reminder_id, now=context.clock())
        elif subject is not None and subject.invitation_id is not None:
            view = await invitation_view(session, tap.account, subject.invitation_id, now=context.clock())
    undone = text(context, "withdraw/undone", tap.account, kind=subject.kind.value if subject else "withdraw")
    await tap.answer(undone)
    await _show_undone(tap, context, undone, subject, card or view)


async def _show_undone(
    tap: Tap,
    context: BotContext,
    undone: str,
    subject: ActionSubject | None,
    shown: ReminderCard | InvitationView | None,
) -> None:
    """The reminder or follow-up (its own message), or the card as before the queued work, else "undone"."""
    if subject is not None and subject.kind is ActionKind.MESSAGE:
        await redraw_followup_of_action(context, tap.account, tap.target, notice=undone)
        return
    if subject is not None and subject.reminder_id is not None:
        if isinstance(shown, ReminderCard):
            await show_reminder(context, shown, notice=undone)
        return
    view = shown if isinstance(shown, InvitationView) else None
    if view is not None and view.state is InvitationState.PENDING:
        await show(context, tap, invitation_card(context.render, tap.account, view.item))
    else:
        await show(context, tap, View(undone))


@with_tap(owns="action")
async def retry(tap: Tap, context: BotContext) -> None:
    """[Retry]: queue a failed action again."""
    try:
        action = await actions.retry(context.db, tap.target, by_user=tap.user_id, now=context.clock())
    except actions.ActionRefused as refused:
        await refuse(tap, context, refused.reason)
        return
    await tap.answer()
    async with context.db() as session:
        subject = await action_subject(session, action.id)
    await show_text(context, tap, "withdraw/retrying", subject=subject)
    kick_worker(context)


@with_tap(owns="invitation")
async def keep(tap: Tap, context: BotContext) -> None:
    """[Keep]: never suggest withdrawing this person; the card says so (pending invitations only)."""
    # Like [Withdraw] and [No]: a card whose invitation is closed (withdrawn, accepted, vanished)
    # is history, and a replayed tap on it changes nothing, not even the keep list.
    if await _pending_view(tap, context) is None:
        return
    async with context.db.begin() as session:
        person = await person_of_invitation(session, tap.account, tap.target)
        changed = person is not None and await set_keep(session, tap.account, person, True, context.clock())
    if person is None:
        await refuse(tap, context, "not_found")
        return
    await tap.answer(None if changed else text(context, "withdraw/refused", tap.account, reason="done"))
    await show_text(context, tap, "withdraw/kept", name=person.name)


@with_account
async def keep_by_name(update: Update, context: BotContext, account: Account) -> None:
    """/keep <name>: put someone on the keep list by name."""
    query_text = " ".join(context.args or [])
    async with context.db.begin() as session:
        matches = await find_people(session, account, query_text) if query_text else []
        if len(matches) == 1:
            await set_keep(session, account, matches[0], True, context.clock())
    # Replied after the commit: a slow Telegram never holds the write transaction open.
    await reply(update, context, "withdraw/keep_by_name", account, query=query_text, matches=matches)


@with_account
async def bulk_command(update: Update, context: BotContext, account: Account) -> None:
    """/withdraw <days>: offer to withdraw everything at least that old (confirmed with a button)."""
    days = account.withdraw_days
    if context.args:
        if not context.args[0].isdigit() or int(context.args[0]) < 1:
            await reply(update, context, "withdraw/bulk_usage", account)
            return
        days = int(context.args[0])
    await reply_view(update, context, account, await _bulk_offer(context, account, days))


async def _bulk_offer(context: BotContext, account: Account, days: int) -> View:
    async with context.db() as session:
        digest = await build_digest(session, account, now=context.clock(), page_size=1, stale_min_days=days)
    return bulk_offer(context.render, account, digest, days)


@with_tap(owns=None, plain=any_data)
async def ask_bulk(tap: Tap, context: BotContext) -> None:
    """[Withdraw all ≥ 90 days (N)] from the digest: send the confirmation (the digest stays)."""
    await tap.answer()
    offer = await _bulk_offer(context, tap.account, tap.target)
    await send(context, tap.account, tap.chat_id, offer)


@with_tap(owns=None)
async def confirm_bulk(tap: Tap, context: BotContext) -> None:
    """[Yes, withdraw N]: queue the batch; this message then shows its progress."""
    days, count = tap.callback.args
    try:
        batch_id, plan = await actions.request_bulk_withdrawal(
            context.db,
            tap.account.id,
            days,
            count,
            tap.user_id,
            now=context.clock(),
            undo_window=undo_window(context),
            chat_id=tap.chat_id,
            message_id=tap.message_id,
        )
    except actions.ActionRefused as refused:
        await refuse(tap, context, refused.reason)
        return
    await _show_batch(tap, context, batch_id, plan)


async def _show_batch(tap: Tap, context: BotContext, batch_id: str, plan: DayPlan) -> None:
    """The batch's plan (how many a day, from when) on the confirmation; "nothing" when empty."""
    if not plan:
        await refuse(tap, context, "done")
        await show_text(context, tap, "withdraw/bulk_nothing")
        return
    await tap.answer()
    await show_text(
        context,
        tap,
        "withdraw/bulk_queued",
        total=sum(n for _, n in plan),
        plan=plan,
        today=local_date(context.clock(), tap.account.timezone),
        account_view=tap.account,
        first=await actions.batch_next_start(context.db, batch_id),
        now=context.clock(),
    )
    kick_worker(context, undo_window=undo_window(context))


@with_tap(owns=None, plain=any_data)
async def drop_bulk(tap: Tap, context: BotContext) -> None:
    """[No] on a bulk confirmation: nothing is queued."""
    await tap.answer()
    await show_text(context, tap, "withdraw/bulk_dropped")


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
