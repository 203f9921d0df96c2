"""Follow-up cards: delivering the due ones (at least once), and redrawing one after an edit."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import BotContext
from bot.db.models import Account, Action, Followup, FollowupState, Invitation, Person
from bot.delivery.chat import edit, send
from bot.services import followups
from bot.services.followup_model import redraft_followup_with_model
from bot.services.note_model import NoteModelConfig
from bot.views.followups import followup_card


@dataclass(frozen=True)
class FollowupCard:
    account: Account
    followup: Followup
    person: Person
    invitation: Invitation | None


async def load_followup_card(session: AsyncSession, account_id: int, followup_id: int) -> FollowupCard | None:
    """The follow-up with what its card shows; None if it is gone or not this account's."""
    try:
        followup = await followups.load(session, followup_id, account_id)
    except followups.FollowupNotFound:
        return None
    account = await session.get_one(Account, account_id)
    person = await session.get_one(Person, followup.person_id)
    invitation = await session.get(Invitation, followup.invitation_id)
    return FollowupCard(account, followup, person, invitation)


async def redraw_followup(
    context: BotContext, account: Account, followup_id: int, *, notice: str | None
) -> None:
    """Edit the follow-up's card to show its current message (after the owner's edit)."""
    async with context.db() as session:
        card = await load_followup_card(session, account.id, followup_id)
    if card is None or card.followup.chat_id is None or card.followup.message_id is None:
        return
    view = followup_card(
        context.render, card.account, card.followup, card.person, card.invitation, notice=notice
    )
    await edit(context, card.account, card.followup.chat_id, card.followup.message_id, view)


async def redraw_followup_of_action(
    context: BotContext, account: Account, action_id: int, *, notice: str | None
) -> None:
    """After an Undo of a message: the follow-up card of the action's person again, with its buttons."""
    async with context.db() as session:
        action = await session.get(Action, action_id)
        person_id = action.person_id if action is not None else None
        followup_id = await session.scalar(
            select(Followup.id)
            .where(
                Followup.account_id == account.id,
                Followup.person_id == person_id,
                Followup.state == FollowupState.SHOWN,
            )
            .order_by(Followup.accepted_at.desc())
            .limit(1)
        )
    if followup_id is not None:
        await redraw_followup(context, account, followup_id, notice=notice)


async def deliver_due_followups(context: BotContext) -> None:
    """Send every follow-up card that is due, then stamp it (at least once, as reminders).

    The owner's language model, when configured, drafts the message first (outside any
    transaction); a card whose send is not confirmed is tried again after a backoff.
    """
    now = context.clock()
    model = NoteModelConfig.from_settings(context.settings)
    async with context.db.begin() as session:
        due = await followups.scan_due(session, now=now)
    for item in due:
        chat_id = item.account.chat_id
        if chat_id is None:
            continue
        if model is not None:
            item = await redraft_followup_with_model(context.db, model, context.render, item)
        view = followup_card(context.render, item.account, item.followup, item.person, item.invitation)
        sent = await send(context, item.account, chat_id, view, notify=False)
        async with context.db.begin() as session:
            if sent.message_id is None:
                await followups.record_failure(
                    session, item.followup.id, account_id=item.account.id, error=sent.status.value, now=now
                )
                continue
            await followups.mark_shown(
                session,
                item.followup.id,
                account_id=item.account.id,
                chat_id=chat_id,
                message_id=sent.message_id,
                now=context.clock(),
            )
