"""Single requests, [Undo] and [Retry]: the queue's front door for one withdrawal or invitation.

A request is idempotent while its action is active: the `active_key` unique column
("withdraw:<invitation id>", "invite:<person id>") makes a second request return the first
action, on every backend, even when two taps race. Withdrawals and invitations wait
`undo_window` before the worker may take them, and then for the moment the account's rhythm
gives them (`bot.services.rhythm`): outside active hours, the next window. These functions own
their short transactions (a request that loses the race for the key must look the winner up in
a fresh one), so they take the session factory.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    ACTIVE_ACTION_STATES,
    Account,
    Action,
    ActionKind,
    ActionState,
    Invitation,
    InvitationState,
    Person,
)
from bot.db.session import SessionFactory
from bot.services.actions.enqueue import (
    DEFAULT_UNDO_WINDOW,
    ActionRefused,
    enqueue,
    scheduled_start,
    usable_account,
    winner,
)
from bot.services.actions.transitions import active_key, key_target, new_action
from bot.services.actions.transitions import cancel as cancel_action
from bot.services.actions.transitions import retry as retry_action
from bot.services.wakeups import notify_work


async def request_withdrawal(
    db: SessionFactory,
    account_id: int,
    invitation_id: int,
    *,
    now: datetime,
    requested_by: int | None = None,
    chat_id: int | None = None,
    message_id: int | None = None,
    undo_window: timedelta = DEFAULT_UNDO_WINDOW,
) -> Action:
    """Queue the withdrawal of one pending invitation; a second request returns the first action.

    Raises:
        ActionRefused: "not_found", "not_pending", "kept" or "account_paused".
    """

    async def withdrawal(session: AsyncSession, account: Account) -> Action:
        invitation = await session.get(Invitation, invitation_id)
        if invitation is None or invitation.account_id != account.id:
            raise ActionRefused("not_found")
        if invitation.state is not InvitationState.PENDING:
            raise ActionRefused("not_pending")
        person = await session.get_one(Person, invitation.person_id)
        if person.keep:
            raise ActionRefused("kept")
        starts = await scheduled_start(
            session, account, ActionKind.WITHDRAW, now=now, earliest=now + undo_window
        )
        return new_action(
            account.id,
            ActionKind.WITHDRAW,
            key,
            starts,
            now,
            invitation_id=invitation.id,
            person_id=person.id,
            requested_by=requested_by,
            chat_id=chat_id,
            message_id=message_id,
        )

    key = active_key(ActionKind.WITHDRAW, invitation_id)
    return await enqueue(db, account_id, key, now, withdrawal)


async def request_invite(
    db: SessionFactory,
    account_id: int,
    person_id: int,
    note: str | None,
    *,
    now: datetime,
    note_template: str | None = None,
    requested_by: int | None = None,
    chat_id: int | None = None,
    message_id: int | None = None,
    undo_window: timedelta = DEFAULT_UNDO_WINDOW,
) -> Action:
    """Queue a connection invitation to a person (with `note` if given); idempotent while active.

    The note is sent as given: check it with `bot.services.notes` first. `note_template` names
    the template that drafted it (kept with the invitation for the per-template stats).

    Raises:
        ActionRefused: "not_found", "already_pending", "in_cooldown" or "account_paused".
    """

    async def invitation(session: AsyncSession, account: Account) -> Action:
        person = await session.get(Person, person_id)
        if person is None or person.account_id != account.id:
            raise ActionRefused("not_found")
        pending = await session.execute(
            select(Invitation.id).where(
                Invitation.person_id == person.id, Invitation.state == InvitationState.PENDING
            )
        )
        if pending.first() is not None:
            raise ActionRefused("already_pending")
        cooling = await session.execute(
            select(Invitation.id).where(Invitation.person_id == person.id, Invitation.cooldown_ends_at > now)
        )
        if cooling.first() is not None:
            # LinkedIn would refuse it ("You can resend an invitation 3 weeks after withdrawing it").
            raise ActionRefused("in_cooldown")
        starts = await scheduled_start(
            session, account, ActionKind.INVITE, now=now, earliest=now + undo_window
        )
        action = new_action(
            account.id,
            ActionKind.INVITE,
            key,
            starts,
            now,
            person_id=person.id,
            note=note or None,
            requested_by=requested_by,
            chat_id=chat_id,
            message_id=message_id,
        )
        action.note_template = note_template if note else None
        return action

    key = active_key(ActionKind.INVITE, person_id)
    return await enqueue(db, account_id, key, now, invitation)


async def cancel(db: SessionFactory, action_id: int, *, by_user: int | None, now: datetime) -> Action:
    """Cancel a queued action ([Undo], or from /queue); cancelling twice is harmless.

    `by_user` must own the account or have requested the action; None is the local CLI.

    Raises:
        ActionRefused: "not_found", "not_allowed", or "too_late" once the action has started.
    """
    async with db.begin() as session:
        action = await _owned_action(session, action_id, by_user)
        if action.state is ActionState.CANCELLED:
            return action
        if action.state is not ActionState.QUEUED:
            raise ActionRefused("too_late")
        cancel_action(session, action, now, by_user=by_user)
        return action


async def cancel_batch(db: SessionFactory, batch_id: str, *, by_user: int | None, now: datetime) -> int:
    """Cancel every still-queued action of a bulk request; returns how many were cancelled."""
    async with db.begin() as session:
        actions = (
            await session.execute(
                select(Action).where(Action.batch_id == batch_id, Action.state == ActionState.QUEUED)
            )
        ).scalars()
        cancelled = 0
        for action in actions:
            await _owned_action(session, action.id, by_user)
            cancel_action(session, action, now, by_user=by_user)
            cancelled += 1
        return cancelled


async def retry(db: SessionFactory, action_id: int, *, by_user: int | None, now: datetime) -> Action:
    """Queue a failed action again, from scratch ([Retry]); returns the active action.

    If the same work was requested again meanwhile, that action is returned instead.

    Raises:
        ActionRefused: "not_found", "not_allowed", "not_failed", "not_pending" or "account_paused".
    """
    try:
        async with db.begin() as session:
            action = await _owned_action(session, action_id, by_user)
            if action.state in ACTIVE_ACTION_STATES:
                return action
            if action.state is not ActionState.FAILED:
                raise ActionRefused("not_failed")
            await usable_account(session, action.account_id)
            target = key_target(action)
            if target is None:
                raise ActionRefused("not_found")
            if action.kind is ActionKind.WITHDRAW:
                invitation = await session.get_one(Invitation, target)
                if invitation.state is not InvitationState.PENDING:
                    raise ActionRefused("not_pending")
            await retry_action(session, action, now, by_user=by_user)
            await notify_work(session, action.account_id)
            return action
    except IntegrityError:
        async with db() as session:
            failed = await session.get_one(Action, action_id)
        target = key_target(failed)
        assert target is not None
        return await winner(db, active_key(failed.kind, target))


async def _owned_action(session: AsyncSession, action_id: int, by_user: int | None) -> Action:
    action = await session.get(Action, action_id)
    if action is None:
        raise ActionRefused("not_found")
    if by_user is not None and by_user != action.requested_by:
        account = await session.get_one(Account, action.account_id)
        if by_user != account.owner_telegram_id:
            raise ActionRefused("not_allowed")
    return action
