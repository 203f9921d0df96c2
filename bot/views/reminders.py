"""The cooldown reminder message: the person, the drafted note, the limits, and its buttons."""

from __future__ import annotations

from bot.callback_data import Op
from bot.db.models import Account, Person, Reminder
from bot.rendering import Renderer
from bot.services.notes import NoteQuota, note_length, note_limit
from bot.views.base import View, button, keyboard, text


def reminder_card(
    render: Renderer,
    account: Account,
    reminder: Reminder,
    person: Person,
    quota: NoteQuota,
    *,
    notice: str | None = None,
) -> View:
    """The reminder's text and its five buttons; `notice` is a line about the last change."""
    note = reminder.draft_note or ""
    body = text(
        render,
        "reminders/card",
        account,
        person=person,
        note=note,
        length=note_length(note),
        limit=note_limit(account.plan),
        quota=quota,
        cooldown_days=account.cooldown_days,
        notice=notice,
    )
    markup = keyboard(
        [button(render, account, "send_invite", Op.INVITE, reminder.id)],
        [
            button(render, account, "edit_note", Op.EDIT_NOTE, reminder.id),
            button(render, account, "add_context", Op.ADD_CONTEXT, reminder.id),
        ],
        [
            button(render, account, "snooze", Op.SNOOZE, reminder.id),
            button(render, account, "not_now", Op.NOT_NOW, reminder.id),
        ],
    )
    return View(body, markup)
