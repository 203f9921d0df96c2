"""Cooldown reminders and notes: [Send invite with this note] [Edit note] [Add context]
[Snooze 1 week] [Not now] on a reminder, and /note <name> for a draft on demand.

Buttons act only on a reminder that is still open (shown and unanswered); a replayed tap on one
that was answered says "Already done" and changes nothing. The outcome edits the reminder message.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import CallbackQuery, Update
from telegram.ext import CommandHandler

from bot.callback_data import Op
from bot.context import Awaiting, BotContext
from bot.db.models import Account, Person, Reminder, ReminderState
from bot.handlers.common import (
    button,
    edit,
    keyboard,
    language_of,
    on_button,
    reply,
    send,
    tapped,
    text,
    waits_for_rhythm,
)
from bot.handlers.reminder_card import reminder_message
from bot.handlers.worker import process_actions
from bot.services import actions, reminders
from bot.services.accounts import find_account_by_owner
from bot.services.chat_lookups import reminder_with_person
from bot.services.notes import draft_note_for, note_length, note_limit, note_quota
from bot.services.people import find_people


async def _open_reminder(
    query: CallbackQuery, context: BotContext, account: Account, reminder_id: int
) -> tuple[Reminder, Person] | None:
    """The reminder and its person while it awaits an answer; else answer "already done" and None."""
    async with context.db() as session:
        found = await reminder_with_person(session, reminder_id)
    if found is None or found[0].state is not ReminderState.SENT:
        await query.answer(text(context, "withdraw/refused", account, reason="done"))
        return None
    return found


async def redraw_reminder(
    context: BotContext, account: Account, reminder_id: int, *, notice: str | None
) -> None:
    """Edit the reminder message to show its current note (after an edit or new context)."""
    async with context.db() as session:
        found = await reminder_with_person(session, reminder_id)
        fresh = await session.get_one(Account, account.id)
        quota = await note_quota(session, fresh, now=context.clock())
    if found is None:
        return
    reminder, person = found
    if reminder.chat_id is None or reminder.message_id is None:
        return
    body, markup = reminder_message(context, fresh, reminder, person, quota, notice=notice)
    await context.delivery.edit(
        reminder.chat_id, reminder.message_id, body, markup=markup, language=language_of(fresh)
    )


async def send_invite(update: Update, context: BotContext) -> None:
    """Queue the invitation with the drafted note; [Undo] until the worker takes it."""
    found = await tapped(update, context, owns="reminder")
    if found is None:
        return
    query, callback, account = found
    opened = await _open_reminder(query, context, account, callback.target)
    if opened is None:
        return
    reminder, person = opened
    async with context.db() as session:
        quota = await note_quota(session, account, now=context.clock())
    note = reminder.draft_note if quota.remaining != 0 else None
    assert query.message is not None
    window = timedelta(seconds=context.settings.undo_window_seconds)
    try:
        action = await actions.request_invite(
            context.db,
            account.id,
            person.id,
            note,
            now=context.clock(),
            requested_by=query.from_user.id,
            chat_id=query.message.chat.id,
            message_id=query.message.message_id,
            undo_window=window,
        )
    except actions.ActionRefused as refused:
        await query.answer(text(context, "withdraw/refused", account, reason=refused.reason), show_alert=True)
        return
    await query.answer()
    body = text(
        context,
        "reminders/inviting",
        account,
        person=person,
        note=note,
        seconds=int(window.total_seconds()),
        starts=waits_for_rhythm(action, context.clock(), window),
        now=context.clock(),
        account_view=account,
    )
    await edit(
        context, account, query, body, keyboard([button(context, account, "undo", Op.UNDO, action.id)])
    )
    context.jobs.run_once(process_actions, window + timedelta(seconds=0.5))


async def ask_for_note(update: Update, context: BotContext) -> None:
    """[Edit note]: the next message becomes the note (checked against the limit)."""
    await _ask(update, context, "note")


async def ask_for_context(update: Update, context: BotContext) -> None:
    """[Add context]: the next message is what the owner knows about the person; the note is redrafted."""
    await _ask(update, context, "context")


async def _ask(update: Update, context: BotContext, kind: str) -> None:
    found = await tapped(update, context, owns="reminder")
    if found is None:
        return
    query, callback, account = found
    opened = await _open_reminder(query, context, account, callback.target)
    if opened is None:
        return
    reminder, person = opened
    await query.answer()
    assert query.message is not None
    context.state.awaiting = Awaiting(kind, target=reminder.id, message_id=query.message.message_id)
    limit = note_limit(account.plan)
    await send(
        context,
        account,
        query.message.chat.id,
        text(
            context,
            f"reminders/ask_{kind}",
            account,
            person=person,
            limit=limit,
            note=reminder.draft_note or "",
        ),
    )


async def snooze(update: Update, context: BotContext) -> None:
    """[Snooze 1 week]."""
    found = await tapped(update, context, owns="reminder")
    if found is None:
        return
    query, callback, account = found
    if await _open_reminder(query, context, account, callback.target) is None:
        return
    async with context.db.begin() as session:
        reminder = await reminders.snooze(
            session, callback.target, account_id=account.id, now=context.clock()
        )
        found_person = await reminder_with_person(session, reminder.id)
    await query.answer()
    name = found_person[1].name if found_person else ""
    await edit(
        context, account, query, text(context, "reminders/snoozed", account, name=name, due=reminder.due_at)
    )


async def not_now(update: Update, context: BotContext) -> None:
    """[Not now]: no reminder for this person any more."""
    found = await tapped(update, context, owns="reminder")
    if found is None:
        return
    query, callback, account = found
    opened = await _open_reminder(query, context, account, callback.target)
    if opened is None:
        return
    async with context.db.begin() as session:
        await reminders.dismiss(session, callback.target, account_id=account.id, now=context.clock())
    await query.answer()
    await edit(context, account, query, text(context, "reminders/dismissed", account, name=opened[1].name))


async def note_for(update: Update, context: BotContext) -> None:
    """/note <name>: a drafted connection note for someone among the invitations."""
    assert update.effective_user is not None
    query_text = " ".join(context.args or [])
    async with context.db() as session:
        account = await find_account_by_owner(session, update.effective_user.id)
        if account is None:
            await reply(update, context, "errors/no_account", None)
            return
        matches = await find_people(session, account, query_text) if query_text else []
    draft = draft_note_for(matches[0], account.plan).text if len(matches) == 1 else None
    await reply(
        update,
        context,
        "reminders/note_for",
        account,
        query=query_text,
        matches=matches,
        draft=draft,
        length=note_length(draft or ""),
        limit=note_limit(account.plan),
    )


HANDLERS = [
    CommandHandler("note", note_for),
    on_button(send_invite, Op.INVITE),
    on_button(ask_for_note, Op.EDIT_NOTE),
    on_button(ask_for_context, Op.ADD_CONTEXT),
    on_button(snooze, Op.SNOOZE),
    on_button(not_now, Op.NOT_NOW),
]
