"""Cooldown reminders and notes: [Send invite with this note] [Edit note] [Add context]
[Snooze 1 week] [Not now] on a reminder, and /note <name> for a draft on demand.

Buttons act only on a reminder that is still open (shown and unanswered); a replayed tap on one
that was answered says "Already done" and changes nothing. The outcome edits the reminder message.
[Edit note] and [Add context] ask a question (`Asking.NOTE`, `Asking.CONTEXT`); the answer comes
back through `bot.handlers.replies` to `answer_note` or `answer_context`.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.callback_data import Op
from bot.context import Asking, Awaiting, BotContext
from bot.db.models import Account, Action, Person, Reminder, ReminderState
from bot.delivery.chat import send
from bot.delivery.reminders import redraw_reminder
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
    with_account,
    with_tap,
)
from bot.services import actions, reminders
from bot.services.chat_lookups import reminder_with_person
from bot.services.note_model import DraftOutcome, NoteModelConfig, note_for_person
from bot.services.note_templates import TemplateStore
from bot.services.notes import InvalidNote, note_length, note_limit, note_quota
from bot.services.people import find_people
from bot.views import View
from bot.views.withdraw import undoable


async def _open_reminder(tap: Tap, context: BotContext) -> tuple[Reminder, Person] | None:
    """The tapped reminder and its person while it awaits an answer; else answer "done" and None."""
    async with context.db() as session:
        found = await reminder_with_person(session, tap.target)
    if found is None or found[0].state is not ReminderState.SENT:
        await refuse(tap, context, "done")
        return None
    return found


@with_tap(owns="reminder")
async def send_invite(tap: Tap, context: BotContext) -> None:
    """Queue the invitation with the drafted note; [Undo] until the worker takes it."""
    opened = await _open_reminder(tap, context)
    if opened is None:
        return
    reminder, person = opened
    note = await _note_to_send(context, tap.account, reminder)
    try:
        action = await actions.request_invite(
            context.db,
            tap.account.id,
            person.id,
            note,
            now=context.clock(),
            note_template=reminder.draft_template,
            requested_by=tap.user_id,
            chat_id=tap.chat_id,
            message_id=tap.message_id,
            undo_window=undo_window(context),
        )
    except actions.ActionRefused as refused:
        await refuse(tap, context, refused.reason, alert=True)
        return
    await tap.answer()
    await _show_inviting(tap, context, action, person, note)


async def _note_to_send(context: BotContext, account: Account, reminder: Reminder) -> str | None:
    """The drafted note, or None once this month's notes are used up (the invite goes without)."""
    async with context.db() as session:
        quota = await note_quota(session, account, now=context.clock())
    return reminder.draft_note if quota.remaining != 0 else None


async def _show_inviting(
    tap: Tap, context: BotContext, action: Action, person: Person, note: str | None
) -> None:
    """The reminder now says the invite is queued, with [Undo]; the worker starts after the window."""
    window = undo_window(context)
    inviting = undoable(
        context.render,
        tap.account,
        "reminders/inviting",
        action.id,
        person=person,
        note=note,
        seconds=int(window.total_seconds()),
        starts=waits_for_rhythm(action, context.clock(), window),
        now=context.clock(),
        account_view=tap.account,
    )
    await show(context, tap, inviting)
    kick_worker(context, undo_window=window)


@with_tap(owns="reminder")
async def ask_for_note(tap: Tap, context: BotContext) -> None:
    """[Edit note]: the next message becomes the note (checked against the limit)."""
    await _ask(tap, context, Asking.NOTE, "reminders/ask_note")


@with_tap(owns="reminder")
async def ask_for_context(tap: Tap, context: BotContext) -> None:
    """[Add context]: the next message is what the owner knows about the person; the note is redrafted."""
    await _ask(tap, context, Asking.CONTEXT, "reminders/ask_context")


async def _ask(tap: Tap, context: BotContext, asking: Asking, question: str) -> None:
    opened = await _open_reminder(tap, context)
    if opened is None:
        return
    reminder, person = opened
    await tap.answer()
    awaiting = Awaiting(asking, target=reminder.id, account_id=tap.account.id)
    await context.conversations.ask(tap.user_id, awaiting)
    body = text(
        context,
        question,
        tap.account,
        person=person,
        limit=note_limit(tap.account.plan),
        note=reminder.draft_note or "",
    )
    await send(context, tap.account, tap.chat_id, View(body))


async def answer_note(
    update: Update, context: BotContext, account: Account, awaiting: Awaiting, value: str
) -> None:
    """The owner's new note: saved if it fits, else the question stays open for a shorter one."""
    try:
        async with context.db.begin() as session:
            await reminders.set_draft(session, awaiting.target, value, account_id=account.id)
    except InvalidNote as problem:
        await context.ask(update.effective_user, awaiting, account)  # a shorter version (or "cancel") next
        limit = note_limit(account.plan)
        await reply(
            update,
            context,
            "reminders/note_invalid",
            account,
            reason=str(problem),
            length=note_length(value),
            limit=limit,
        )
        return
    notice = text(context, "reminders/note_updated", account)
    await redraw_reminder(context, account, awaiting.target, notice=notice)


async def answer_context(
    update: Update, context: BotContext, account: Account, awaiting: Awaiting, value: str
) -> None:
    """What the owner knows about the person: stored, and the note redrafted with it."""
    async with context.db.begin() as session:
        found = await reminder_with_person(session, awaiting.target)
        if found is not None:
            await reminders.set_context(
                session,
                found[1].id,
                value,
                account_id=account.id,
                now=context.clock(),
                owner_templates=TemplateStore.in_data_dir(context.settings.data_dir).load(),
            )
    notice = text(context, "reminders/context_saved", account)
    await redraw_reminder(context, account, awaiting.target, notice=notice)


@with_tap(owns="reminder")
async def snooze(tap: Tap, context: BotContext) -> None:
    """[Snooze 1 week]."""
    if await _open_reminder(tap, context) is None:
        return
    async with context.db.begin() as session:
        reminder = await reminders.snooze(session, tap.target, account_id=tap.account.id, now=context.clock())
        found_person = await reminder_with_person(session, reminder.id)
    await tap.answer()
    name = found_person[1].name if found_person else ""
    await show_text(context, tap, "reminders/snoozed", name=name, due=reminder.due_at)


@with_tap(owns="reminder")
async def not_now(tap: Tap, context: BotContext) -> None:
    """[Not now]: no reminder for this person any more."""
    opened = await _open_reminder(tap, context)
    if opened is None:
        return
    async with context.db.begin() as session:
        await reminders.dismiss(session, tap.target, account_id=tap.account.id, now=context.clock())
    await tap.answer()
    await show_text(context, tap, "reminders/dismissed", name=opened[1].name)


@with_account
async def note_for(update: Update, context: BotContext, account: Account) -> None:
    """/note <name>: a drafted connection note for someone among the invitations (as a reminder's)."""
    query_text = " ".join(context.args or [])
    async with context.db() as session:
        matches = await find_people(session, account, query_text) if query_text else []
    drafted = await _draft(context, account, matches[0]) if len(matches) == 1 else None
    draft = drafted.draft.text if drafted else None
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
        verdict=drafted.verdict if drafted else None,
    )


async def _draft(context: BotContext, account: Account, person: Person) -> DraftOutcome:
    """The note a reminder would propose: the owner's templates and context, then their model."""
    return await note_for_person(
        context.db,
        account,
        person,
        NoteModelConfig.from_settings(context.settings),
        context.render,
        now=context.clock(),
        owner_templates=TemplateStore.in_data_dir(context.settings.data_dir).load(),
    )


HANDLERS = [
    CommandHandler("note", note_for),
    on_button(send_invite, Op.INVITE),
    on_button(ask_for_note, Op.EDIT_NOTE),
    on_button(ask_for_context, Op.ADD_CONTEXT),
    on_button(snooze, Op.SNOOZE),
    on_button(not_now, Op.NOT_NOW),
]
