"""A follow-up's first message drafted by the owner's language model, under the notes' checks.

The same endpoint, the same stored context (`note_model.note_context_for`) and the same checks
as a re-invite note (length, the first name, no links, no facts absent from the context, the
language), with the follow-up's own rules (`templates/followups/prompt/system.txt.j2`) and
`followups.MESSAGE_LIMIT`. On any failure the template draft stays and the problem is stored as
`Followup.model_verdict`. Asked once per follow-up, outside any transaction; an owner's edit
made meanwhile wins.
"""

from __future__ import annotations

from dataclasses import replace

from bot.db.models import Followup, Plan
from bot.db.session import SessionFactory
from bot.rendering import Renderer
from bot.services.followups import MESSAGE_LIMIT, DueFollowup, message_language
from bot.services.note_model import MODEL_TEMPLATE, VERDICT_OK, NoteModelConfig, model_draft, note_context_for

FOLLOWUP_PROMPT = "followups/prompt/system.txt.j2"


async def redraft_followup_with_model(
    db: SessionFactory, config: NoteModelConfig, renderer: Renderer, item: DueFollowup
) -> DueFollowup:
    """`item` with the model's message if this scan drafted one and the model's passes the checks."""
    if not item.drafted:
        return item
    language = message_language(item.person, item.account.language)
    context = replace(
        note_context_for(
            item.person, Plan.FREE, renderer, language=language, original_note=item.invitation.note_text
        ),
        limit=MESSAGE_LIMIT,
    )
    answer = await model_draft(config, context, renderer, system=FOLLOWUP_PROMPT)
    async with db.begin() as session:
        followup = await session.get_one(Followup, item.followup.id)
        if followup.draft_message == item.followup.draft_message:
            if answer.text is not None:
                followup.draft_message, followup.draft_template = answer.text, MODEL_TEMPLATE
                followup.model_verdict = VERDICT_OK
            else:
                assert answer.problem is not None
                followup.model_verdict = answer.problem.value
    return replace(item, followup=followup)
