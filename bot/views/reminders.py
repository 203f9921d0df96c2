"""The cooldown reminder message: the person, what their profile says, the drafted note, its buttons."""

from __future__ import annotations

from bot.callback_data import Op
from bot.db.models import Account, Person, Reminder
from bot.rendering import Renderer
from bot.services.note_variants import TemplateRecord
from bot.services.notes import NoteQuota, first_name, note_length, note_limit
from bot.services.profile_context import in_common, person_context
from bot.views.base import View, button, keyboard, text


def reminder_card(
    render: Renderer,
    account: Account,
    reminder: Reminder,
    person: Person,
    quota: NoteQuota,
    *,
    first_note: str | None = None,
    notice: str | None = None,
    record: TemplateRecord | None = None,
) -> View:
    """The reminder's text and its five buttons; `notice` is a line about the last change.

    The card shows what the person's stored profile context says (and what they share with the
    owner) and `first_note`, the withdrawn invitation's note, so the owner sees why the draft says
    what it says. It also names the
    template that drafted the note and its `record` so far (see `bot.services.note_variants`).
    """
    note = reminder.draft_note or ""
    profile = person_context(person)
    body = text(
        render,
        "reminders/card",
        account,
        person=person,
        profile=profile,
        common=in_common(profile) if profile is not None else None,
        first_note=first_note,
        note=note,
        length=note_length(note),
        limit=note_limit(account.plan),
        quota=quota,
        cooldown_days=account.cooldown_days,
        notice=notice,
        template=reminder.draft_template,
        record=record or TemplateRecord(),
        verdict=reminder.model_verdict,
        detail=reminder.model_verdict_detail or "",
        first_name=first_name(person.name),
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
