"""Follow-up cards: [Send this message] [Edit] [Done] [Later] on the first message to a new connection.

Buttons act only on the card that shows the follow-up now, while it awaits an answer; a replayed
tap, or one on an older card of it, says "Already done" and changes nothing. [Send] queues a
message action with an [Undo] (`followup_sending.request_send`), which [Done] cancels while it is
still queued (`followup_sending.mark_done`); [Edit] asks a question
(`Asking.FOLLOWUP`) answered by `answer_message` through `bot.handlers.replies`.
"""

from __future__ import annotations

from telegram import Update

from bot.callback_data import Op
from bot.context import Asking, Awaiting, BotContext
from bot.db.models import Account, Followup, FollowupState, Person
from bot.delivery.chat import send
from bot.delivery.followups import redraw_followup
from bot.delivery.worker import kick_worker
from bot.handlers.common import (
    Tap,
    on_button,
    refuse,
    reply,
    show,
    show_text,
    text,
    undo_window,
    waits_for_rhythm,
    with_tap,
)
from bot.services import actions, followups
from bot.services.followup_sending import mark_done as close_followup
from bot.services.followup_sending import request_send
from bot.services.followups import MESSAGE_LIMIT
from bot.services.notes import InvalidNote, note_length
from bot.views import View
from bot.views.withdraw import undoable


async def _open_followup(tap: Tap, context: BotContext) -> tuple[Followup, Person] | None:
    """The tapped follow-up and its person while this very card awaits an answer; else None.

    A tap on an older card of the same follow-up (before a [Later]) or on one already answered
    says "already done" and changes nothing.
    """
    async with context.db() as session:
        followup = await session.get(Followup, tap.target)
        person = await session.get(Person, followup.person_id) if followup is not None else None
    if (
        followup is None
        or person is None
        or followup.state is not FollowupState.SHOWN
        or followup.message_id != tap.message_id
    ):
        await refuse(tap, context, "followup_closed", alert=False)
        return None
    return followup, person


@with_tap(owns="followup")
async def send_message(tap: Tap, context: BotContext) -> None:
    """[Send this message]: queue it; [Undo] until the worker takes it."""
    opened = await _open_followup(tap, context)
    if opened is None:
        return
    followup, person = opened
    window = undo_window(context)
    try:
        action = await request_send(
            context.db, tap.account.id, followup.id, now=context.clock(), requested_by=tap.user_id,
            chat_id=tap.chat_id, message_id=tap.message_id, undo_window=window,
        )  # fmt: skip
    except actions.ActionRefused as refused:
        await refuse(
            tap, context, "followup_closed" if refused.reason == "closed" else refused.reason, alert=True
        )
        return
    await tap.answer()
    sending = undoable(
        context.render, tap.account, "followups/sending", action.id, person=person, message=action.note,
        seconds=int(window.total_seconds()), starts=waits_for_rhythm(action, context.clock(), window),
        now=context.clock(), account_view=tap.account,
    )  # fmt: skip
    await show(context, tap, sending)
    kick_worker(context, undo_window=window)


@with_tap(owns="followup")
async def ask_for_message(tap: Tap, context: BotContext) -> None:
    """[Edit]: the next message becomes the drafted message (checked against the limit)."""
    opened = await _open_followup(tap, context)
    if opened is None:
        return
    followup, person = opened
    await tap.answer()
    awaiting = Awaiting(Asking.FOLLOWUP, target=followup.id, account_id=tap.account.id)
    await context.conversations.ask(tap.user_id, awaiting)
    body = text(
        context, "followups/ask_message", tap.account, person=person, limit=MESSAGE_LIMIT,
        message=followup.draft_message or "",
    )  # fmt: skip
    await send(context, tap.account, tap.chat_id, View(body))


async def answer_message(
    update: Update, context: BotContext, account: Account, awaiting: Awaiting, value: str
) -> None:
    """The owner's own message: saved if it fits and the follow-up is open, else asked again."""
    try:
        async with context.db.begin() as session:
            await followups.set_draft(session, awaiting.target, value, account_id=account.id)
    except InvalidNote as problem:
        await context.ask(update.effective_user, awaiting, account)  # a shorter version (or "cancel") next
        await reply(
            update,
            context,
            "followups/message_invalid",
            account,
            reason=str(problem),
            length=note_length(value),
        )
        return
    except (followups.FollowupNotFound, followups.FollowupClosed):
        await reply(update, context, "followups/done", account, name="", cancelled=False)
        return
    notice = text(context, "followups/message_updated", account)
    await redraw_followup(context, account, awaiting.target, notice=notice)


@with_tap(owns="followup")
async def mark_done(tap: Tap, context: BotContext) -> None:
    """[Done]: closed without sending; a queued [Send] of it is cancelled, a running one refuses."""
    opened = await _open_followup(tap, context)
    if opened is None:
        return
    try:
        closed = await close_followup(
            context.db, tap.account.id, tap.target, now=context.clock(), by_user=tap.user_id
        )
    except actions.ActionRefused:  # its message is being sent right now
        await refuse(tap, context, "followup_sending", alert=True)
        return
    except followups.FollowupClosed:
        await refuse(tap, context, "followup_closed", alert=False)
        return
    await tap.answer()
    await show_text(context, tap, "followups/done", name=opened[1].name, cancelled=closed.cancelled_send)


@with_tap(owns="followup")
async def later(tap: Tap, context: BotContext) -> None:
    """[Later]: the card comes again in a few days, inside the active hours."""
    opened = await _open_followup(tap, context)
    if opened is None:
        return
    async with context.db.begin() as session:
        followup = await followups.snooze(session, tap.target, account_id=tap.account.id, now=context.clock())
    await tap.answer()
    await show_text(context, tap, "followups/later", name=opened[1].name, due=followup.due_at)


HANDLERS = [
    on_button(send_message, Op.FOLLOWUP_SEND),
    on_button(ask_for_message, Op.FOLLOWUP_EDIT),
    on_button(mark_done, Op.FOLLOWUP_DONE),
    on_button(later, Op.FOLLOWUP_LATER),
]
