"""The queue's questions that other services ask too, written once as SQL.

- `in_flight`: a withdrawal of the invitation is queued or running. The digest counts such
  invitations instead of offering them again, bulk requests leave them out, and sync leaves
  their closing to the queue.
- `old_enough` and `withdrawable`: `bot.services.policy.withdrawable` is the rule; these are the
  same rule for rows of `Invitation` (joined with their `Person`), built from
  `policy.old_enough_cutoff` so that the Python and the SQL cannot drift apart.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, select

from bot.db.models import ACTIVE_ACTION_STATES, Action, ActionKind, Invitation, InvitationState, Person
from bot.services.policy import old_enough_cutoff


def in_flight(account_id: int) -> ColumnElement[bool]:
    """True for the account's invitations a withdrawal is queued or running for."""
    withdrawing = (
        select(Action.invitation_id)
        .where(
            Action.account_id == account_id,
            Action.kind == ActionKind.WITHDRAW,
            Action.state.in_(ACTIVE_ACTION_STATES),
            Action.invitation_id.is_not(None),  # NOT IN with a NULL would match nothing
        )
        .scalar_subquery()
    )
    return Invitation.id.in_(withdrawing)


def old_enough(now: datetime, days: int) -> ColumnElement[bool]:
    """True for invitations certainly at least `days` old at `now` (`policy.old_enough`)."""
    return Invitation.sent_at_latest <= old_enough_cutoff(now, days)


def withdrawable(account_id: int, now: datetime, older_than_days: int) -> ColumnElement[bool]:
    """`policy.withdrawable` for the account's invitations, in SQL (the query joins `Person`).

    Pending, not keep-listed, no withdrawal in flight, certainly `older_than_days` old. The
    account's pause is not part of it: requests refuse a paused account before they ask.
    """
    return and_(
        Invitation.account_id == account_id,
        Invitation.state == InvitationState.PENDING,
        Person.keep.is_(False),
        ~in_flight(account_id),
        old_enough(now, older_than_days),
    )
