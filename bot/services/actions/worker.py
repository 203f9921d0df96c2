"""The action worker: claims due browser work, runs it through LinkedIn, records the outcome.

    outcomes = await run_due_actions(db, provider, clock, on_progress=edit_message)

Guarantees (the reason this module exists):
- **Never twice.** An action is claimed (QUEUED → RUNNING, committed) before the browser is
  touched. A row found RUNNING later means a worker died mid-flight; before anything is retried,
  `recover_interrupted` asks LinkedIn what happened (the member's profile: still pending?) and
  records that, instead of clicking again.
- **Never lost.** Work leaves the queue only as DONE (verified by `WithdrawResult` /
  `InviteResult`, or by the profile during recovery), FAILED (after the attempts run out, with
  the reason) or CANCELLED (the owner's Undo, the person keep-listed before its turn, or
  nothing left to do: accepted/vanished).
- **Within the daily cap.** At claim time withdrawals done today in the account's timezone are
  counted; over-cap work waits for the next local midnight.
- **Friction stops the account, not the work.** A `pauses_account` error (session expired,
  checkpoint, captcha, restriction, unusual activity, weekly limit, a language we cannot read)
  pauses the account with its `PauseCause` and puts the action back, unchanged: not failed, no
  attempt counted, and nothing more is tried until the owner acts.

- **One worker per account, and an outcome recorded once.** An account's work runs under its
  lease (`bot.services.actions.leases`), renewed while it runs; a worker that stops renewing
  (dead, stalled, cut off) loses the account after the lease's ttl, and another takes its
  RUNNING action over and settles it by readback. Outcomes are recorded compare-and-set on the
  claim (`transitions.fence`): a worker that lost its claim records nothing.

How work is taken from the queue (claims, take-overs, the cap) is `bot.services.actions.claims`;
every change of an action's state, and so how an outcome is recorded, is
`bot.services.actions.transitions`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from automation.errors import AutomationError, InvitationNotFound
from automation.types import ProfileState
from bot.db.models import (
    Account,
    Action,
    ActionKind,
    ActionState,
    Person,
)
from bot.db.session import SessionFactory
from bot.services.actions.claims import (
    ClaimedAction,
    abandoned,
    claim_next_action,
    next_account_due,
    take_over_abandoned,
)
from bot.services.actions.leases import DEFAULT_LEASE, Lease, hold_lease
from bot.services.actions.queries import next_in_batch
from bot.services.actions.transitions import FINAL_STATES, KEPT, Result, fail, fence, finish, hold
from bot.services.clock import Clock
from bot.services.events import record_event
from bot.services.secrets import SessionKeyError
from bot.services.session_health import PauseNotice, pause_for, pauses
from bot.settings import Settings

if TYPE_CHECKING:
    # Types only: Playwright loads with the browser, not with the bot (docs/benchmarks.md).
    from automation.client import LinkedInClient
    from bot.services.linkedin import ClientProvider  # which takes account leases from this package

__all__ = [
    "ActionOutcome",
    "ClaimedAction",
    "ProgressHook",
    "Result",
    "WorkerPolicy",
    "claim_next_action",
    "recover_interrupted",
    "run_due_actions",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerPolicy:
    """How hard the worker tries."""

    max_attempts: int = 5
    backoff_base: timedelta = timedelta(minutes=1)
    backoff_ceiling: timedelta = timedelta(hours=1)
    lease: timedelta = DEFAULT_LEASE
    """The account lease's ttl (`WORKER_LEASE_SECONDS`): a worker that stops renewing loses its
    accounts after this long. Also how long a claim made without a lease (by an older version)
    stands before it is recovered."""

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkerPolicy:
        """The product's policy with the configured lease (`WORKER_LEASE_SECONDS`)."""
        return cls(lease=timedelta(seconds=settings.worker_lease_seconds))


@dataclass(frozen=True)
class ActionOutcome:
    """One action's run, with what the bot needs to edit the Telegram message it came from."""

    action_id: int
    account_id: int
    kind: ActionKind
    state: ActionState
    result: Result
    person_name: str | None
    error_kind: str | None
    error_message: str | None
    not_before: datetime | None  # when it runs again, for RETRYING/REQUEUED/PAUSED
    batch_id: str | None
    batch_done: int  # actions of the batch that reached a final state
    batch_total: int
    batch_kept: int  # actions of the batch cancelled because their person was keep-listed
    batch_next: datetime | None  # when the batch's next queued action is due, by the account's rhythm
    chat_id: int | None
    message_id: int | None
    pause: PauseNotice | None = None  # why the account was paused, for PAUSED by LinkedIn


ProgressHook = Callable[[ActionOutcome], Awaitable[None]]


def backoff(attempts: int, base: timedelta, ceiling: timedelta) -> timedelta:
    """Return the wait after `attempts` failures: base, 2·base, 4·base, … at most `ceiling`."""
    factor: int = 2 ** max(0, attempts - 1)
    return min(ceiling, base * factor)


async def run_due_actions(
    db: SessionFactory,
    provider: ClientProvider,
    now: Clock,
    *,
    on_progress: ProgressHook | None = None,
    limit: int | None = None,
    policy: WorkerPolicy | None = None,
    account_id: int | None = None,
) -> list[ActionOutcome]:
    """Run every due action (at most `limit`), awaiting `on_progress` after each.

    `account_id` limits the run (recovery included) to one account's queue. A failing
    `on_progress` is logged and does not stop the queue: the work is already recorded.

    RUNNING rows whose holder died, or whose account lease ran out, are recovered first. Each
    account's work runs under its lease (an account another worker holds is left to it), in
    one browser context; accounts are served in the order their oldest due action became due.
    """
    policy = policy or WorkerPolicy()
    outcomes = await recover_interrupted(
        db,
        provider,
        now,
        stale_after=policy.lease,
        on_progress=on_progress,
        policy=policy,
        account_id=account_id,
    )
    served: set[int] = set()  # accounts done in this run, held by another worker, or with nothing claimable
    while limit is None or len(outcomes) < limit:
        candidate = await next_account_due(db, now(), account_id=account_id, skipped=served)
        if candidate is None:
            break
        served.add(candidate)
        async with hold_lease(db, candidate, now, policy.lease) as lease:
            if lease is None:
                continue  # another worker has this account
            cancelled: list[int] = []
            claimed = await claim_next_action(db, now(), cancelled=cancelled, lease=lease)
            outcomes += await _report_cancelled(db, cancelled, on_progress)
            if claimed is None:
                continue
            budget = None if limit is None else limit - len(outcomes)
            outcomes += await _run_account(db, provider, now, claimed, lease, policy, on_progress, budget)
    return outcomes


async def _run_account(
    db: SessionFactory,
    provider: ClientProvider,
    now: Clock,
    first: ClaimedAction,
    lease: Lease,
    policy: WorkerPolicy,
    on_progress: ProgressHook | None,
    budget: int | None,
) -> list[ActionOutcome]:
    outcomes: list[ActionOutcome] = []
    claimed: ClaimedAction | None = first
    try:
        async with provider.open(first.account, lease=lease) as client:
            while claimed is not None:
                outcome = await _execute(db, client, claimed, now, policy)
                claimed = None  # recorded: whatever happens next is not this action's failure
                if outcome is None:
                    break  # taken over by another worker: the account is no longer ours
                outcomes.append(outcome)
                await _notify(on_progress, outcome)
                if outcome.result is Result.PAUSED or (budget is not None and len(outcomes) >= budget):
                    break
                cancelled: list[int] = []
                claimed = await claim_next_action(db, now(), cancelled=cancelled, lease=lease)
                outcomes += await _report_cancelled(db, cancelled, on_progress)
    except Exception as exc:
        # Opening the client failed (a broken browser, an undecryptable session, an expired one)
        # while `claimed` was RUNNING but not yet tried: record it like any failed attempt so it
        # is not stranded. Failures between actions (closing the client, the next claim) are logged.
        if claimed is None:
            # Nothing is RUNNING on our behalf: the next run carries on where this one stopped.
            logger.warning(
                "browser work for account %s ended early: %s", first.account.id, type(exc).__name__
            )
            return outcomes
        outcome = await _record_error(db, claimed, exc, now(), policy)
        if outcome is not None:
            outcomes.append(outcome)
            await _notify(on_progress, outcome)
    return outcomes


async def _report_cancelled(
    db: SessionFactory, action_ids: list[int], on_progress: ProgressHook | None
) -> list[ActionOutcome]:
    """Outcomes for withdrawals a claim cancelled (closed invitation, keep-listed person)."""
    outcomes: list[ActionOutcome] = []
    for action_id in action_ids:
        async with db() as session:
            action = await session.get_one(Action, action_id)
            person = await session.get(Person, action.person_id) if action.person_id else None
            result = Result.KEPT if action.error_kind == KEPT else Result.CANCELLED
            outcome = await _outcome(session, action, person.name if person else None, result)
        outcomes.append(outcome)
        await _notify(on_progress, outcome)
    return outcomes


async def _notify(on_progress: ProgressHook | None, outcome: ActionOutcome) -> None:
    """Tell the caller about an outcome; its failure (a chat edit) must not stop the queue."""
    if on_progress is None:
        return
    try:
        await on_progress(outcome)
    except Exception:
        logger.exception("progress callback failed for action %s", outcome.action_id)


async def recover_interrupted(
    db: SessionFactory,
    provider: ClientProvider,
    now: Clock,
    *,
    stale_after: timedelta = timedelta(0),
    on_progress: ProgressHook | None = None,
    policy: WorkerPolicy | None = None,
    account_id: int | None = None,
) -> list[ActionOutcome]:
    """Settle actions left RUNNING by a worker that died, by asking LinkedIn what happened.

    Each account with RUNNING work is recovered under its lease, so only once the worker that
    claimed it no longer holds the account (it stopped renewing for the lease's ttl, or is a
    process on this machine that is gone) and only by one worker. An action is taken over when
    its holder is known dead, when it was claimed under an older lease of the account, or, for
    a claim made without a lease (an older version), when it started more than `stale_after`
    ago; the default 0 suits only a deployment that knows no such worker exists.
    `account_id` limits recovery to one account. A withdrawal that is no longer pending is
    recorded as done, one still pending goes back to the queue; an invitation found pending is
    recorded as sent.
    """
    policy = policy or WorkerPolicy()
    cutoff = now() - stale_after
    query = (
        select(Action)
        .join(Account, Account.id == Action.account_id)
        .where(Action.state == ActionState.RUNNING, Account.paused.is_(False))
        .order_by(Action.account_id, Action.id)
    )
    if account_id is not None:
        query = query.where(Action.account_id == account_id)
    async with db() as session:
        running = (await session.execute(query)).scalars().all()
    by_account: dict[int, list[int]] = {}
    for action in running:
        # Claims under a lease are judged once the account's lease is ours; others right away.
        if action.lease_token is not None or abandoned(action, cutoff):
            by_account.setdefault(action.account_id, []).append(action.id)

    outcomes: list[ActionOutcome] = []
    for account, action_ids in by_account.items():
        async with hold_lease(db, account, now, policy.lease) as lease:
            if lease is None:
                continue  # its worker still holds the account
            outcomes += await _recover_account(
                db, provider, now, lease, action_ids, cutoff, policy, on_progress
            )
    return outcomes


async def _recover_account(
    db: SessionFactory,
    provider: ClientProvider,
    now: Clock,
    lease: Lease,
    action_ids: list[int],
    cutoff: datetime,
    policy: WorkerPolicy,
    on_progress: ProgressHook | None,
) -> list[ActionOutcome]:
    taken = [await take_over_abandoned(db, action_id, cutoff, now(), lease) for action_id in action_ids]
    claims = [claimed for claimed in taken if claimed is not None]
    outcomes: list[ActionOutcome] = []
    if not claims:
        return outcomes
    try:
        async with provider.open(claims[0].account, lease=lease) as client:
            for claimed in claims:
                outcome = await _settle(db, client, claimed, now, policy, interrupted=True)
                if outcome is None:
                    break  # the account was taken from us meanwhile
                outcomes.append(outcome)
                await _notify(on_progress, outcome)
                if outcome.result is Result.PAUSED:
                    break
    except Exception as exc:
        # Could not even look: the rows stay RUNNING and are recovered on a later run. If a
        # person must act first (an unreadable session), the account is paused meanwhile.
        logger.warning("recovery for account %s postponed: %s", claims[0].account.id, type(exc).__name__)
        if isinstance(exc, SessionKeyError):
            async with db.begin() as session:
                account = await session.get_one(Account, claims[0].account.id)
                await pause_for(session, account, exc, now())
    return outcomes


async def _execute(
    db: SessionFactory, client: LinkedInClient, claimed: ClaimedAction, now: Clock, policy: WorkerPolicy
) -> ActionOutcome | None:
    """Run one claimed action in the browser and record what came of it."""
    try:
        if claimed.kind is ActionKind.WITHDRAW:
            assert claimed.slug is not None
            await client.withdraw(claimed.slug, name=claimed.name)  # returns only when verified
            return await _record(db, claimed, now(), Result.WITHDRAWN)
        assert claimed.slug is not None
        if claimed.kind is ActionKind.MESSAGE:
            # Verified in the conversation; a rerun after a crash finds it there and sends nothing.
            await client.send_message(claimed.slug, claimed.note or "", name=claimed.name)
            return await _record(db, claimed, now(), Result.MESSAGED)
        invited = await client.invite(claimed.slug, claimed.note)
        return await _record(
            db,
            claimed,
            now(),
            Result.INVITED,
            note_sent=invited.note_sent,
            notes_remaining=invited.notes_remaining,
        )
    except InvitationNotFound:
        return await _settle(db, client, claimed, now, policy, interrupted=False)
    except AutomationError as exc:
        return await _record_error(db, claimed, exc, now(), policy)
    except Exception as exc:
        # A bug or an unexpected browser failure must not strand the action RUNNING: it is
        # retried with backoff like a transient failure and fails for good after max attempts.
        logger.exception("action %s raised unexpectedly", claimed.action_id)
        return await _record_error(db, claimed, exc, now(), policy)


async def _settle(
    db: SessionFactory,
    client: LinkedInClient,
    claimed: ClaimedAction,
    now: Clock,
    policy: WorkerPolicy,
    *,
    interrupted: bool,
) -> ActionOutcome | None:
    """Find out from the member's profile what became of an action whose outcome is unknown.

    Used after a crash (`interrupted`) and when a withdrawal finds no row to withdraw.
    """
    if claimed.slug is None or claimed.kind is ActionKind.MESSAGE:
        # A message is settled by running it again: `send_message` reads the conversation first
        # and sends nothing when it already ends with the message (never twice).
        return await _record(db, claimed, now(), Result.REQUEUED)
    try:
        profile = await client.profile(claimed.slug)
    except AutomationError as exc:
        return await _record_error(db, claimed, exc, now(), policy)
    state = profile.state
    if claimed.kind is ActionKind.INVITE:
        sent = state in (ProfileState.PENDING, ProfileState.CONNECTED)
        if sent:
            return await _record(db, claimed, now(), Result.INVITED, sent_after=claimed.started_at)
        return await _record(db, claimed, now(), Result.REQUEUED)
    if state is ProfileState.PENDING:
        if interrupted:
            return await _record(db, claimed, now(), Result.REQUEUED)
        error = InvitationNotFound("the profile shows the invitation pending but the Sent page does not")
        return await _record_error(db, claimed, error, now(), policy)
    if state is ProfileState.CONNECTED:
        return await _record(db, claimed, now(), Result.ACCEPTED)
    # Not pending, not connected: withdrawn. Ours if a previous try of ours may have confirmed it.
    if interrupted or claimed.attempts > 1 or claimed.previous_error is not None:
        return await _record(db, claimed, now(), Result.WITHDRAWN, how="recovered")
    if state is ProfileState.BLOCKED:  # LinkedIn's own sign of a recent withdrawal
        return await _record(db, claimed, now(), Result.ALREADY_WITHDRAWN, how="elsewhere")
    return await _record(db, claimed, now(), Result.VANISHED)


async def _record(
    db: SessionFactory,
    claimed: ClaimedAction,
    at: datetime,
    result: Result,
    *,
    how: str = "verified",
    note_sent: bool = False,
    notes_remaining: int | None = None,
    sent_after: datetime | None = None,
) -> ActionOutcome | None:
    """Record an outcome, unless the claim was lost meanwhile (then None: see `_lost`)."""
    async with db.begin() as session:
        action = await fence(session, claimed.action_id, claimed.token)
        if action is None:
            _lost(claimed)
            return None
        await finish(
            session,
            action,
            result,
            at,
            how=how,
            note_sent=note_sent,
            notes_remaining=notes_remaining,
            sent_after=sent_after,
        )
        return await _outcome(session, action, claimed.name, result)


async def _record_error(
    db: SessionFactory, claimed: ClaimedAction, exc: Exception, at: datetime, policy: WorkerPolicy
) -> ActionOutcome | None:
    kind = type(exc).__name__
    # AutomationError messages are ours (no secrets); anything else is summarised by its type.
    message = str(exc) if isinstance(exc, AutomationError) else "unexpected error"
    async with db.begin() as session:
        action = await fence(session, claimed.action_id, claimed.token)
        if action is None:
            _lost(claimed)
            return None
        account = await session.get_one(Account, action.account_id)
        # What only the owner can fix (an unreadable stored session too) pauses; the action waits.
        if pauses(exc):
            hold(action, at, error_kind=kind, message=message)
            notice = await pause_for(session, account, exc, at)
            record_event(
                session,
                account_id=account.id,
                kind="action_paused",
                at=at,
                action_id=action.id,
                error_kind=kind,
            )
            return await _outcome(session, action, claimed.name, Result.PAUSED, pause=notice)
        retryable = not isinstance(exc, AutomationError) or exc.retryable
        retry_at = None
        if retryable and action.attempts < policy.max_attempts:
            retry_at = at + backoff(action.attempts, policy.backoff_base, policy.backoff_ceiling)
        fail(session, action, at, error_kind=kind, message=message, retry_at=retry_at)
        return await _outcome(session, action, claimed.name, Result.RETRYING if retry_at else Result.FAILED)


def _lost(claimed: ClaimedAction) -> None:
    """A claim another worker took over (this one outlived its lease): its outcome is theirs to record."""
    logger.warning(
        "action %s of account %s was taken over by another worker; this worker's outcome is not recorded",
        claimed.action_id,
        claimed.account.id,
    )


async def _outcome(
    session: AsyncSession,
    action: Action,
    person_name: str | None,
    result: Result,
    *,
    pause: PauseNotice | None = None,
) -> ActionOutcome:
    done = total = kept = 0
    batch_next = None
    if action.batch_id is not None:
        await session.flush()
        batch_next = await next_in_batch(session, action.batch_id)
        counts = (
            await session.execute(
                select(Action.state, Action.error_kind, func.count())
                .where(Action.batch_id == action.batch_id)
                .group_by(Action.state, Action.error_kind)
            )
        ).all()
        total = sum(int(n) for _, _, n in counts)
        done = sum(int(n) for state, _, n in counts if state in FINAL_STATES)
        kept = sum(int(n) for state, kind, n in counts if state is ActionState.CANCELLED and kind == KEPT)
    waiting = action.state is ActionState.QUEUED
    return ActionOutcome(
        action_id=action.id,
        account_id=action.account_id,
        kind=action.kind,
        state=action.state,
        result=result,
        person_name=person_name,
        error_kind=action.error_kind,
        error_message=action.error,
        not_before=action.not_before if waiting else None,
        batch_id=action.batch_id,
        batch_done=done,
        batch_total=total,
        batch_kept=kept,
        batch_next=batch_next,
        chat_id=action.chat_id,
        message_id=action.message_id,
        pause=pause,
    )
