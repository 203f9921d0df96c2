"""The follow-up card: who accepted, what the draft is built from, the drafted first message, its buttons."""

from __future__ import annotations

from bot.callback_data import Op
from bot.db.models import Account, Followup, Invitation, Person
from bot.rendering import Renderer
from bot.services.followups import DEFAULT_SNOOZE_DAYS, MESSAGE_LIMIT
from bot.services.notes import first_name, note_length
from bot.views.base import View, button, keyboard, text

LANGUAGE_NAMES = {"en": "English", "nl": "Dutch", "de": "German", "fr": "French", "es": "Spanish"}


def followup_card(
    render: Renderer,
    account: Account,
    followup: Followup,
    person: Person,
    invitation: Invitation | None,
    *,
    notice: str | None = None,
) -> View:
    """[Send this message] [Edit] / [Done] [Later]; `notice` is a line about the last change.

    The card names what the draft is built from (the owner's words, the invitation's note and the
    template that wrote it) so the owner sees why it says what it says.
    """
    message = followup.draft_message or ""
    template = followup.draft_template or ""
    language = template.split("/")[1] if template.startswith("followups/") else None
    body = text(
        render,
        "followups/card",
        account,
        person=person,
        accepted_at=followup.accepted_at,
        first_note=invitation.note_text if invitation is not None else None,
        invitation_template=invitation.note_template if invitation is not None else None,
        message=message,
        language=LANGUAGE_NAMES.get(language or ""),
        verdict=followup.model_verdict,
        length=note_length(message),
        limit=MESSAGE_LIMIT,
        first_name=first_name(person.name),
        notice=notice,
    )
    markup = keyboard(
        [
            button(render, account, "followup_send", Op.FOLLOWUP_SEND, followup.id),
            button(render, account, "followup_edit", Op.FOLLOWUP_EDIT, followup.id),
        ],
        [
            button(render, account, "followup_done", Op.FOLLOWUP_DONE, followup.id),
            button(
                render, account, "followup_later", Op.FOLLOWUP_LATER, followup.id, days=DEFAULT_SNOOZE_DAYS
            ),
        ],
    )
    return View(body, markup)
