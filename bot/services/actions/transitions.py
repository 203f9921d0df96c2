"""Every change of an action's state, in one place: the queue's state machine.

    QUEUED ──claim──▶ RUNNING ──finish──▶ DONE; CANCELLED (nothing left to do); QUEUED (not yet done)
       ▲                 ├──fail──▶ QUEUED again at a backoff, or FAILED for good
       │                 ├──hold──▶ QUEUED, unchanged (the account is paused)
       │                 └──take_over──▶ RUNNING, by a recovering worker (holder dead, or its lease lost)
       └──retry── FAILED
    QUEUED ──cancel──▶ CANCELLED ([Undo], [Done] on a follow-up, or not wanted any more when its turn comes)

`new_action` makes a QUEUED action. An action holds its `active_key` exactly while it is QUEUED
or RUNNING, so a new request for the same work is possible again only once it has ended; a
RUNNING action records its holder (the process working on it, see `holders`) and only a
RUNNING one has one. These functions change the row inside the caller's transaction and record
the matching event; what an outcome does to the invitation and the reminders is
`bot.services.actions.records`. Nothing else assigns an action's state (a test checks that).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, Action, ActionKind, ActionState, Invitation, InvitationState
from bot.services.actions.holders import Holder, current_holder
from bot.services.actions.records import (
    record_action_event,
    record_closed_elsewhere,
    record_invited,
    record_withdrawn,
)
from bot.services.events import record_event
from bot.services.followups import record_message_sent

ERROR_LIMIT = 500

FINAL_STATES = (ActionState.DONE, ActionState.FAILED, ActionState.CANCELLED)

KEPT = "Kept"
"""The error kind of a withdrawal cancelled because its person is on the keep list."""


class Result(enum.StrEnum):
    """What one run of an action came to, for the message the owner sees."""

    WITHDRAWN = "withdrawn"  # verified withdrawn by us (or found withdrawn after our interrupted try)
    ALREADY_WITHDRAWN = "already_withdrawn"  # someone withdrew it before we could
    ACCEPTED = "accepted"  # accepted before we could withdraw it
    VANISHED = "vanished"  # gone from Sent without our doing
    INVITED = "invited"
    MESSAGED = "messaged"  # a follow-up's first message, seen in the conversation
    REQUEUED = "requeued"  # interrupted before it happened; runs again
    RETRYING = "retrying"  # a transient failure; runs again at `not_before`
    FAILED = "failed"  # gave up; `error_kind` says why
    PAUSED = "paused"  # the account needs its owner; the action waits in the queue
    CANCELLED = "cancelled"  # nothing to do any more (the invitation is not pending)
    KEPT = "kept"  # cancelled when its turn came: the person was keep-listed after the request


def active_key(kind: ActionKind, target: int) -> str:
    """Return the unique key an action holds while active: one withdrawal per invitation."""
    return f"{kind.value}:{target}"


def key_target(action: Action) -> int | None:
    """What the action's key names: the invitation of a withdrawal, else the person (None if deleted)."""
    return action.invitation_id if action.kind is ActionKind.WITHDRAW else action.person_id


def new_action(
    account_id: int,
    kind: ActionKind,
    key: str,
    not_before: datetime,
    now: datetime,
    *,
    invitation_id: int | None = None,
    person_id: int | None = None,
    note: str | None = None,
    requested_by: int | None = None,
    chat_id: int | None = None,
    message_id: int | None = None,
    batch_id: str | None = None,
) -> Action:
    """Enqueue: build a QUEUED action holding `key` (the caller adds it to its session)."""
    return Action(
        account_id=account_id,
        kind=kind,
        invitation_id=invitation_id,
        person_id=person_id,
        note=note,
        state=ActionState.QUEUED,
        active_key=key,
        not_before=not_before,
        attempts=0,
        requested_by=requested_by,
        chat_id=chat_id,
        message_id=message_id,
        batch_id=batch_id,
        created_at=now,
    )


async def claim(session: AsyncSession, action: Action, at: datetime, token: int | None = None) -> bool:
    """QUEUED → RUNNING for this process, counting an attempt; False if another claimer was first.

    Compare-and-set: on SQLite, where nothing is locked while reading, a second claimer that
    picked the same row finds it no longer QUEUED. `token` is the account lease's fencing token
    the claim is made under (see `fence`). `action` is refreshed either way.
    """
    taken = await session.execute(
        update(Action)
        .where(Action.id == action.id, Action.state == ActionState.QUEUED)
        .values(
            state=ActionState.RUNNING,
            started_at=at,
            attempts=Action.attempts + 1,
            lease_token=token,
            **holder_values(current_holder()),
        )
        .execution_options(synchronize_session=False)
    )
    await session.refresh(action)
    return bool(taken.rowcount == 1)  # type: ignore[attr-defined]


async def take_over(session: AsyncSession, action: Action, at: datetime, token: int | None = None) -> bool:
    """Recover: this process becomes the holder of an abandoned RUNNING action; False if another did.

    Compare-and-set on `started_at` and the lease token it was claimed under: of several
    recovering workers exactly one wins, and the one that lost the claim can no longer record
    an outcome (`fence`). The action stays RUNNING (its attempt may have reached LinkedIn)
    until its outcome is settled.
    """
    taken = await session.execute(
        update(Action)
        .where(
            Action.id == action.id,
            Action.state == ActionState.RUNNING,
            Action.started_at == action.started_at,
            Action.lease_token.is_not_distinct_from(action.lease_token),
        )
        .values(started_at=at, lease_token=token, **holder_values(current_holder()))
        .execution_options(synchronize_session=False)
    )
    return bool(taken.rowcount == 1)  # type: ignore[attr-defined]


async def fence(session: AsyncSession, action_id: int, token: int | None) -> Action | None:
    """The action, if it is still RUNNING under the claim made with lease `token`; else None.

    Compare-and-set before an outcome is recorded: a worker that outlived its lease, whose
    action another worker took over (and perhaps settled), gets None and must record nothing.
    The no-op UPDATE holds the row (PostgreSQL) or the database (SQLite) until the caller's
    transaction ends, so no take-over slips in between this check and the outcome.
    """
    still = await session.execute(
        update(Action)
        .where(
            Action.id == action_id,
            Action.state == ActionState.RUNNING,
            Action.lease_token.is_not_distinct_from(token),
        )
        .values(lease_token=token)
        .execution_options(synchronize_session=False)
    )
    if still.rowcount != 1:  # type: ignore[attr-defined]
        return None
    action = await session.get_one(Action, action_id)
    await session.refresh(action)
    return action


async def finish(
    session: AsyncSession,
    action: Action,
    result: Result,
    at: datetime,
    *,
    how: str = "verified",
    note_sent: bool = False,
    notes_remaining: int | None = None,
    sent_after: datetime | None = None,
) -> None:
    """Record what a run (or a look at the profile) found: DONE, CANCELLED, or QUEUED to run again.

    `how` says how a withdrawal is known ("verified", "recovered", "elsewhere"); `note_sent` and
    `notes_remaining` come from a sent invitation, `sent_after` from one found sent after a crash.
    Failures are `fail`, pauses `hold`.
    """
    account = await session.get_one(Account, action.account_id)
    invitation = await session.get(Invitation, action.invitation_id) if action.invitation_id else None
    match result:
        case Result.WITHDRAWN | Result.ALREADY_WITHDRAWN:
            assert invitation is not None
            await record_withdrawn(session, action, invitation, account, at, how=how)
            _end(action, ActionState.DONE, at)
        case Result.INVITED:
            await record_invited(
                session,
                action,
                account,
                at,
                note_sent=note_sent or (sent_after is not None and action.note is not None),
                sent_after=sent_after,
                notes_remaining=notes_remaining,
            )
            _end(action, ActionState.DONE, at)
        case Result.MESSAGED:
            await record_message_sent(session, action, at)
            _end(action, ActionState.DONE, at)
        case Result.ACCEPTED | Result.VANISHED:
            assert invitation is not None
            state = InvitationState.ACCEPTED if result is Result.ACCEPTED else InvitationState.VANISHED
            record_closed_elsewhere(session, action, invitation, state, at)
            _set_error(action, f"Invitation{state.value.capitalize()}", None)
            _end(action, ActionState.CANCELLED, at)
        case Result.REQUEUED:
            _requeue(action, at, count_attempt=False)
            record_event(session, account_id=account.id, kind="action_requeued", at=at, action_id=action.id)
        case _:
            raise ValueError(f"{result} is not what a run finds; see fail, hold and cancel")


def fail(
    session: AsyncSession,
    action: Action,
    at: datetime,
    *,
    error_kind: str,
    message: str,
    retry_at: datetime | None,
) -> None:
    """Record a failed attempt: QUEUED again at `retry_at`, or FAILED for good when it is None."""
    _set_error(action, error_kind, message)
    if retry_at is not None:
        _requeue(action, retry_at, count_attempt=True)
        kind = "action_retry_scheduled"
    else:
        _end(action, ActionState.FAILED, at)
        kind = "action_failed"
    record_action_event(session, action, kind, at, error_kind=error_kind, attempts=action.attempts)


def hold(action: Action, at: datetime, *, error_kind: str, message: str) -> None:
    """Put a RUNNING action back, unchanged, while its account is paused: no attempt counted.

    The error says why it waits; the caller pauses the account and records the event.
    """
    _set_error(action, error_kind, message)
    _requeue(action, at, count_attempt=False)


async def hold_queued(session: AsyncSession, action: Action) -> bool:
    """Whether `action` is still QUEUED, kept so until the caller's transaction ends.

    Compare-and-set before a `cancel` decided on a row read earlier: the no-op UPDATE holds the
    row (PostgreSQL) or the database (SQLite), so the worker's claim, itself a compare-and-set on
    QUEUED, either came first (False here) or finds the action cancelled. `action` is refreshed.
    """
    still = await session.execute(
        update(Action)
        .where(Action.id == action.id, Action.state == ActionState.QUEUED)
        .values(not_before=Action.not_before)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(action)
    return bool(still.rowcount == 1)  # type: ignore[attr-defined]


def cancel(
    session: AsyncSession,
    action: Action,
    at: datetime,
    *,
    error: tuple[str, str] | None = None,
    **detail: Any,
) -> None:
    """Cancel a QUEUED action for good (freeing its key) and record "action_cancelled" with `detail`.

    `error` (kind, message) says why, when the queue itself cancelled it (see `KEPT`).
    """
    if error is not None:
        _set_error(action, *error)
    _end(action, ActionState.CANCELLED, at)
    record_action_event(session, action, "action_cancelled", at, **detail)


async def retry(session: AsyncSession, action: Action, at: datetime, *, by_user: int | None) -> None:
    """FAILED → QUEUED from scratch ([Retry]): its key again, no attempts, no error, due at `at`.

    Raises IntegrityError when an active action holds that key meanwhile, ValueError when what
    the key names is gone (the caller refuses that first).
    """
    target = key_target(action)
    if target is None:
        raise ValueError(f"action {action.id} names nothing to retry")
    action.state = ActionState.QUEUED
    action.active_key = active_key(action.kind, target)
    action.attempts = 0
    _set_error(action, None, None)
    action.not_before = at
    action.started_at = action.finished_at = None
    await session.flush()
    record_action_event(session, action, "action_retried", at, by_user=by_user)


def holder_values(holder: Holder) -> dict[str, Any]:
    """The columns that record `holder` on a claimed action (for the claim's UPDATE)."""
    return {
        "holder_host": holder.host,
        "holder_pid": holder.pid,
        "holder_pid_space": holder.pid_space,
        "holder_started": holder.started,
    }


def recorded_holder(action: Action) -> Holder | None:
    """The process recorded as holding a RUNNING action (None for claims made before holders)."""
    if action.holder_host is None or action.holder_pid is None:
        return None
    return Holder(action.holder_host, action.holder_pid, action.holder_pid_space, action.holder_started)


def _end(action: Action, state: ActionState, at: datetime) -> None:
    """Move `action` to a final state and free its key for future requests."""
    action.state = state
    action.active_key = None
    action.finished_at = at
    _release(action)


def _requeue(action: Action, at: datetime, *, count_attempt: bool) -> None:
    """Put the action back to run from `at` (an attempt that never reached LinkedIn is not counted)."""
    action.state = ActionState.QUEUED
    action.not_before = at
    action.started_at = None
    _release(action)
    if not count_attempt:
        action.attempts = max(0, action.attempts - 1)


def _release(action: Action) -> None:
    """Forget the holder: an action that is not RUNNING is held by no one."""
    action.holder_host = action.holder_pid_space = None
    action.holder_pid = action.holder_started = None
    action.lease_token = None


def _set_error(action: Action, kind: str | None, message: str | None) -> None:
    action.error_kind = kind[:40] if kind else None
    action.error = message[:ERROR_LIMIT] if message else None
