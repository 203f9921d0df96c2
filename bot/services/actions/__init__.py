"""The durable queue of browser work: requesting, undoing and retrying withdrawals and invitations.

    action = await request_withdrawal(db, account_id, invitation_id, now=clock(), requested_by=uid)
    await cancel(db, action.id, by_user=uid, now=clock())          # [Undo], within the window
    batch_id, plan = await request_bulk_withdrawal(db, account_id, 90, 100, uid, now=clock())
    outcomes = await run_due_actions(db, provider, clock)          # the worker (.worker)

This front door only re-exports. Behind it, one module per idea:
- `.requests`: single requests, [Undo] and [Retry]; `.bulk`: bulk withdrawal requests.
- `.enqueue`: putting one action on the queue (the race for its key, the refusal type).
- `.claims`: taking work off the queue; `.worker`: running it and reporting outcomes.
- `.transitions`: every change of an action's state (the state machine and its diagram).
- `.records`: what an outcome does to the invitation and the reminders.
- `.queries`: the questions others ask too (in flight, withdrawable, the daily cap's counts).
- `.overview`: the queue as /queue shows it; `.holders`: which process holds a claim.

A name loads its module on first use (PEP 562), so a command that only reads the queue
(`status`) does not load the worker, the leases and the session vault (docs/benchmarks.md).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.services.actions.bulk import request_bulk_withdrawal
    from bot.services.actions.claims import next_due_at
    from bot.services.actions.enqueue import DEFAULT_UNDO_WINDOW, ActionRefused
    from bot.services.actions.overview import QueueItem, QueueOverview, batch_next_start, queue_overview
    from bot.services.actions.requests import cancel, cancel_batch, request_invite, request_withdrawal, retry
    from bot.services.actions.transitions import Result
    from bot.services.actions.worker import (
        ActionOutcome,
        ClaimedAction,
        ProgressHook,
        WorkerPolicy,
        claim_next_action,
        recover_interrupted,
        run_due_actions,
    )

_HOME = {
    "request_bulk_withdrawal": "bulk",
    "next_due_at": "claims",
    "DEFAULT_UNDO_WINDOW": "enqueue",
    "ActionRefused": "enqueue",
    "QueueItem": "overview",
    "QueueOverview": "overview",
    "batch_next_start": "overview",
    "queue_overview": "overview",
    "cancel": "requests",
    "cancel_batch": "requests",
    "request_invite": "requests",
    "request_withdrawal": "requests",
    "retry": "requests",
    "Result": "transitions",
    "ActionOutcome": "worker",
    "ClaimedAction": "worker",
    "ProgressHook": "worker",
    "WorkerPolicy": "worker",
    "claim_next_action": "worker",
    "recover_interrupted": "worker",
    "run_due_actions": "worker",
}
"""Each exported name and the module (in this package) that defines it."""


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # found directly from now on
    return value


__all__ = [
    "DEFAULT_UNDO_WINDOW",
    "ActionOutcome",
    "ActionRefused",
    "ClaimedAction",
    "ProgressHook",
    "QueueItem",
    "QueueOverview",
    "Result",
    "WorkerPolicy",
    "batch_next_start",
    "cancel",
    "cancel_batch",
    "claim_next_action",
    "next_due_at",
    "queue_overview",
    "recover_interrupted",
    "request_bulk_withdrawal",
    "request_invite",
    "request_withdrawal",
    "retry",
    "run_due_actions",
]
