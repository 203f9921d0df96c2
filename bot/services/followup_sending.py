"""[Send] on a follow-up card: the message goes on the action queue, like an invitation.

The action (kind "message", key "message:<person>") carries the text as it was at the tap; the
worker sends it through `LinkedInClient.send_message`, which reads the conversation before
typing and after sending, and `transitions.finish` marks the follow-up SENT only then. A second
[Send] while the first is queued or running gets the same action back (the key is unique).
[Done] while it is queued cancels it with the follow-up closed, in one transaction; while it is
running the message may already be typed, so [Done] is refused and changes nothing.
Kept apart from `followups` because the queue's own modules record into `followups`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, Action, ActionKind, Followup
from bot.db.session import SessionFactory
from bot.services import followups
from bot.services.actions.enqueue import DEFAULT_UNDO_WINDOW, ActionRefused, enqueue, scheduled_start
from bot.services.actions.transitions import active_key, cancel, hold_queued, new_action
from bot.services.followups import OPEN_STATES


async def request_send(
    db: SessionFactory,
    account_id: int,
    followup_id: int,
    *,
    now: datetime,
    requested_by: int | None = None,
    chat_id: int | None = None,
    message_id: int | None = None,
    undo_window: timedelta = DEFAULT_UNDO_WINDOW,
) -> Action:
    """Queue the follow-up's drafted message; the active action if one is already queued.

    Raises:
        ActionRefused: "not_found" (no such follow-up here, or no message), "closed" (already
            sent or marked done), "account_paused".
    """
    async with db() as session:
        found = await session.get(Followup, followup_id)
        if found is None or found.account_id != account_id:
            raise ActionRefused("not_found")
        person_id = found.person_id

    async def message(session: AsyncSession, account: Account) -> Action:
        followup = await session.get_one(Followup, followup_id)
        if followup.state not in OPEN_STATES:
            raise ActionRefused("closed")
        if not followup.draft_message:
            raise ActionRefused("not_found")
        starts = await scheduled_start(
            session, account, ActionKind.MESSAGE, now=now, earliest=now + undo_window
        )
        return new_action(
            account.id,
            ActionKind.MESSAGE,
            key,
            starts,
            now,
            person_id=person_id,
            note=followup.draft_message,
            requested_by=requested_by,
            chat_id=chat_id,
            message_id=message_id,
        )

    key = active_key(ActionKind.MESSAGE, person_id)
    return await enqueue(db, account_id, key, now, message)


@dataclass(frozen=True)
class Closed:
    """A follow-up marked done, and whether that cancelled its queued message."""

    followup: Followup
    cancelled_send: bool


async def mark_done(
    db: SessionFactory, account_id: int, followup_id: int, *, now: datetime, by_user: int | None = None
) -> Closed:
    """[Done]: close the follow-up without sending, cancelling its [Send] if that is still queued.

    Raises:
        ActionRefused: "sending" while its message is being sent (nothing is changed).
        followups.FollowupNotFound, followups.FollowupClosed: as `followups.mark_done`.
    """
    async with db.begin() as session:
        followup = await followups.mark_done(session, followup_id, account_id=account_id, now=now)
        key = active_key(ActionKind.MESSAGE, followup.person_id)
        queued = await session.scalar(select(Action).where(Action.active_key == key))
        if queued is not None:
            if not await hold_queued(session, queued):
                raise ActionRefused("sending")  # rolls the follow-up back too
            cancel(session, queued, now, by_user=by_user, followup_done=True)
        return Closed(followup, cancelled_send=queued is not None)
