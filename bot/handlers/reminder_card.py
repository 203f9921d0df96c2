"""The cooldown reminder message: the person, the drafted note, the limits, and its buttons."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.callback_data import Op
from bot.context import BotContext
from bot.db.models import Account, Person, Reminder
from bot.handlers.common import button, keyboard, text
from bot.services.notes import NoteQuota, note_length, note_limit


def reminder_message(
    context: BotContext,
    account: Account,
    reminder: Reminder,
    person: Person,
    quota: NoteQuota,
    *,
    notice: str | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """The reminder's text and its five buttons; `notice` is a line about the last change."""
    note = reminder.draft_note or ""
    limit = note_limit(account.plan)
    body = text(
        context,
        "reminders/card",
        account,
        person=person,
        note=note,
        length=note_length(note),
        limit=limit,
        quota=quota,
        cooldown_days=account.cooldown_days,
        notice=notice,
    )
    markup = keyboard(
        [button(context, account, "send_invite", Op.INVITE, reminder.id)],
        [
            button(context, account, "edit_note", Op.EDIT_NOTE, reminder.id),
            button(context, account, "add_context", Op.ADD_CONTEXT, reminder.id),
        ],
        [
            button(context, account, "snooze", Op.SNOOZE, reminder.id),
            button(context, account, "not_now", Op.NOT_NOW, reminder.id),
        ],
    )
    return body, markup
