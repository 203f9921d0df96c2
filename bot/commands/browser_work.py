"""Browser work the CLI drives: sync, bulk withdrawal and sign-in, with progress bars.

Thin glue between the click commands (and the demo) and the services: the services decide,
this module only shows progress and hands back what happened. Clients come from the provider the
command passes in (`CliContext.linkedin`, over `automation.access.LinkedInAccess`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import cast

from automation.access import LinkedInAccess
from automation.errors import CheckpointRequired
from automation.identity import BrowserIdentity
from automation.types import StorageState
from bot.commands.console import progress_bar
from bot.commands.texts import renderer
from bot.db.models import Account, ActionState
from bot.db.session import SessionFactory
from bot.services.actions import (
    ActionOutcome,
    QueueItem,
    QueueOverview,
    Result,
    WorkerPolicy,
    queue_overview,
    request_bulk_withdrawal,
    run_due_actions,
)
from bot.services.actions.overview import due_count, unfinished_bulk_withdrawals
from bot.services.actions.queries import queue_load
from bot.services.clock import Clock
from bot.services.digest import StaleInvitation, build_digest
from bot.services.linkedin import ClientProvider
from bot.services.policy import local_date
from bot.services.rhythm import account_rhythm, plan_by_day, schedule
from bot.services.sync import SyncReport, sync_account

PREVIEW_ROWS = 5
CODE_ATTEMPTS = 3
QUEUE_LIMIT = 10_000  # a queue holds at most a few days of the daily cap


async def sync_with_progress(
    db: SessionFactory, provider: ClientProvider, account: Account, clock: Clock
) -> SyncReport:
    """`sync_account`, with a bar that fills as the Sent list loads."""
    with progress_bar(renderer().cli("progress", step="sync")) as (progress, task):

        def on_progress(loaded: int, total: int | None) -> None:
            progress.update(task, completed=loaded, total=total)

        async with provider.open(account) as client:
            return await sync_account(db, client, account.id, clock, on_progress=on_progress)


@dataclass(frozen=True)
class WithdrawalPreview:
    """What `withdraw --older-than` would do, before anything is queued."""

    older_than_days: int
    count: int
    oldest: tuple[StaleInvitation, ...]
    kept: int
    plan: tuple[tuple[date, int], ...]
    today: date
    cooldown_ends: date
    unfinished: int  # withdrawals of an earlier bulk request still queued or running: finished first
    unfinished_due: int  # of those, the ones a run now takes on


async def withdrawal_preview(
    db: SessionFactory, account: Account, older_than_days: int, max_n: int, now: datetime
) -> WithdrawalPreview:
    async with db() as session:
        digest = await build_digest(
            session, account, now=now, page_size=PREVIEW_ROWS, stale_min_days=older_than_days
        )
        count = min(digest.stale_total, max_n)
        load = await queue_load(session, account, now=now, planning=True)
    unfinished, unfinished_due = await unfinished_bulk_withdrawals(db, account.id, now=now)
    starts = schedule(account_rhythm(account), now, count, load)
    return WithdrawalPreview(
        older_than_days=older_than_days,
        count=count,
        oldest=digest.stale[:count],
        kept=digest.kept_stale,
        plan=tuple(plan_by_day(starts, account.timezone)),
        today=digest.today,
        cooldown_ends=digest.cooldown_ends,
        unfinished=unfinished,
        unfinished_due=unfinished_due,
    )


_NOT_THROUGH = (Result.FAILED, Result.RETRYING, Result.PAUSED, Result.REQUEUED)


@dataclass(frozen=True)
class QueueRun:
    """One run of an account's due work from the command line, and the queue it left."""

    outcomes: tuple[ActionOutcome, ...]
    after: QueueOverview

    @property
    def final(self) -> tuple[ActionOutcome, ...]:
        """Each action's last outcome (a recovered action is first requeued, then run)."""
        last = {outcome.action_id: outcome for outcome in self.outcomes}
        return tuple(last.values())

    @property
    def not_through(self) -> tuple[ActionOutcome, ...]:
        """Work that did not go through: failed, to be retried, or waiting for its owner."""
        return tuple(o for o in self.final if o.result in _NOT_THROUGH)

    @property
    def busy(self) -> tuple[QueueItem, ...]:
        """Actions another process still holds: the account's queue is being worked elsewhere."""
        return tuple(item for item in self.after.active if item.state is ActionState.RUNNING)

    @property
    def waiting(self) -> int:
        return sum(1 for item in self.after.active if item.state is ActionState.QUEUED)

    @property
    def failed(self) -> bool:
        """Whether the run counts as failed for the exit code: work did not go through, or was blocked."""
        return bool(self.not_through or self.busy)


async def run_queue_with_progress(
    db: SessionFactory, provider: ClientProvider, account: Account, clock: Clock, *, step: str
) -> QueueRun:
    """Run the account's due work now, without Telegram: what a killed run left first, then the queue.

    Work a dead process held is settled by readback at once; work a live process (or one on
    another machine) holds is left to it, and shows in `QueueRun.busy`.
    """
    total = await due_count(db, account.id, now=clock())
    outcomes: list[ActionOutcome] = []
    if total:
        with progress_bar(renderer().cli("progress", step=step), total=total) as (progress, task):

            async def advance(outcome: ActionOutcome) -> None:
                if outcome.result is not Result.REQUEUED:  # requeued work runs again in this run
                    progress.advance(task)

            policy = WorkerPolicy(lease=provider.lease)  # the configured lease, as the workers use it
            outcomes = await run_due_actions(
                db, provider, clock, on_progress=advance, account_id=account.id, policy=policy
            )
    after = await queue_overview(db, account.id, now=clock(), limit=QUEUE_LIMIT)
    return QueueRun(outcomes=tuple(outcomes), after=after)


@dataclass(frozen=True)
class WithdrawalRun:
    """A bulk withdrawal: what was queued (or resumed), and what today's run came to."""

    queued: int
    resumed: int
    plan: tuple[tuple[date, int], ...]
    run: QueueRun
    today: date

    @property
    def withdrawn(self) -> tuple[ActionOutcome, ...]:
        return tuple(o for o in self.run.final if o.result is Result.WITHDRAWN)

    @property
    def not_withdrawn(self) -> tuple[ActionOutcome, ...]:
        return tuple(o for o in self.run.final if o.result is not Result.WITHDRAWN)

    @property
    def later(self) -> int:
        """Queued work this run did not reach: it waits for its moments in the account's rhythm."""
        return self.run.waiting


async def withdraw_with_progress(
    db: SessionFactory,
    provider: ClientProvider,
    account: Account,
    older_than_days: int,
    max_n: int,
    clock: Clock,
    *,
    resume: int = 0,
) -> WithdrawalRun:
    """Queue the oldest invitations for withdrawal and run what is due now, with a bar.

    With `resume` (the withdrawals an earlier, interrupted request left queued) nothing new is
    queued: the run finishes that work first, so a rerun never stacks a second batch on the
    first. The owner confirmed in the terminal, so there is no undo window. The account's
    rhythm still holds: inside active hours the first withdrawal runs at once, the rest wait for
    their moments, spread over the window and the days, for `invitesweep run`, `queue run` or
    this command again.
    """
    plan: list[tuple[date, int]] = []
    if not resume:
        _, plan = await request_bulk_withdrawal(
            db, account.id, older_than_days, max_n, None, now=clock(), undo_window=timedelta(0)
        )
    run = await run_queue_with_progress(db, provider, account, clock, step="withdraw")
    return WithdrawalRun(
        queued=sum(count for _, count in plan),
        resumed=resume,
        plan=tuple(plan),
        run=run,
        today=local_date(clock(), account.timezone),
    )


async def credential_login(
    access: LinkedInAccess,
    email: str,
    password: str,
    ask_code: Callable[[CheckpointRequired], str],
    identity: BrowserIdentity | None = None,
) -> StorageState:
    """Sign in headless with credentials (as the account's browser `identity`, so LinkedIn sees the
    sign-in from where the account's work will come); a code checkpoint is answered with `ask_code`.

    A rejected code is asked for again, up to `CODE_ATTEMPTS` times in all.

    Raises:
        BadLogin, HumanRequired, CheckpointRequired: from the automation, for the caller to explain.
    """
    async with access.open(None, identity) as client:
        try:
            return await client.login(email, password)
        except CheckpointRequired as first:
            checkpoint = first
        for attempt in range(1, CODE_ATTEMPTS + 1):
            try:
                return cast(StorageState, await checkpoint.submit(ask_code(checkpoint)))
            except CheckpointRequired as again:
                if attempt == CODE_ATTEMPTS:
                    raise
                checkpoint = again
        raise AssertionError("unreachable: the loop returns or raises")
