"""The action worker as a job, and the chat side of its progress: editing the tracked messages.

The queue and its guarantees live in `bot.services.actions.worker`; this module only runs it
(one run at a time per process), starts it early when an undo window ends, and turns each
`ActionOutcome` into an edit of the message the work came from: "Withdrawing 12/30…" for a
batch, the outcome with the re-invite date for one person, the reason and [Retry] for a failure.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.context import BotContext
from bot.db.models import Account
from bot.delivery.chat import edit, tell_paused
from bot.services.actions import (
    ActionOutcome,
    Result,
    WorkerPolicy,
    recover_interrupted,
    run_due_actions,
)
from bot.services.chat_lookups import action_subject
from bot.services.session_health import claim_pause_notice
from bot.views.outcomes import action_outcome

logger = logging.getLogger(__name__)

WORKER_DELAY = timedelta(seconds=0.5)
"""After the undo window, so that the worker's claim sees the action due."""


def kick_worker(context: BotContext, *, undo_window: timedelta = timedelta(0)) -> None:
    """Run the worker right after `undo_window` instead of waiting for its next tick.

    A process without a browser (`web`) runs no browser work: a worker process claims the action
    when it looks next (woken by the store where it can be, else by its own polling).
    """
    if not context.bot_data.role.runs_browser:
        return
    context.jobs.run_once(process_actions, undo_window + WORKER_DELAY)


async def process_actions(context: BotContext) -> None:
    """Run due actions one at a time until none is due or the application stops.

    One action per `run_due_actions` call, so a stopping application waits for the action in
    hand (already recorded when the call returns), not for a whole batch; the rest stays queued
    for the next start. A run already in progress picks up new work itself.
    """
    lock = context.bot_data.worker_lock
    if lock.locked():
        return
    async with lock:
        policy = WorkerPolicy.from_settings(context.settings)

        async def progress(outcome: ActionOutcome) -> None:
            await show_outcome(context, outcome)

        try:
            while context.application.running:
                done = await run_due_actions(
                    context.db, context.linkedin, context.clock, on_progress=progress, limit=1, policy=policy
                )
                if not done:
                    break
        except asyncio.CancelledError:
            if context.application.running:
                raise
            # The scheduler's shutdown cancels a run caught between actions (or in its last look for
            # one): the stop is expected, not an error to log; an action left RUNNING is settled by
            # the start-up recovery.
            logger.info("the action worker stopped with the application")


async def recover_actions(context: BotContext) -> None:
    """At start-up, settle actions a dead process left RUNNING (a live worker's, e.g. the CLI's, stay)."""
    async with context.bot_data.worker_lock:
        policy = WorkerPolicy.from_settings(context.settings)

        async def progress(outcome: ActionOutcome) -> None:
            await show_outcome(context, outcome)

        await recover_interrupted(
            context.db,
            context.linkedin,
            context.clock,
            stale_after=policy.lease,
            on_progress=progress,
            policy=policy,
        )


async def show_outcome(context: BotContext, outcome: ActionOutcome) -> None:
    """Edit the message that tracks this action (or its batch), and tell a pause once."""
    async with context.db() as session:
        account = await session.get_one(Account, outcome.account_id)
        subject = await action_subject(session, outcome.action_id)
    if outcome.result is Result.PAUSED:
        async with context.db.begin() as session:
            first = claim_pause_notice(await session.get_one(Account, outcome.account_id), context.clock())
        if first:
            await tell_paused(context, account, outcome.pause, outcome.error_kind)
    if outcome.chat_id is None or outcome.message_id is None:
        return  # started from the command line: no message to edit
    view = action_outcome(context.render, account, outcome, subject, now=context.clock())
    # Retried through 5xx and dropped connections (an edit is idempotent), so the card does not
    # keep offering [Yes] [No] for work that is done; the owner hears if it finally cannot land.
    await edit(context, account, outcome.chat_id, outcome.message_id, view)
