"""The queue's state machine has one owner: only `actions.transitions` changes an action's state."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest

from bot.db.models import Account, Action, ActionState
from bot.db.session import SessionFactory
from bot.services.actions import request_withdrawal
from bot.services.actions.transitions import Result, cancel, claim, finish, hold_queued
from bot.services.rhythm import ALWAYS
from tests.fixtures.store import FIXED_NOW
from tests.services.store_seed import add_pending

REPO = Path(__file__).resolve().parents[2]
TRANSITIONS = REPO / "bot/services/actions/transitions.py"
WRITTEN = ("state", "active_key")


def _mentions_action_state(node: ast.AST) -> bool:
    return any(
        isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "ActionState"
        for n in ast.walk(node)
    )


def state_writes(source: str) -> list[str]:
    """Lines of `source` that set an action's state or key: `action.state = …`, `state=ActionState.…`."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            flat = [t for target in targets for t in ast.walk(target) if isinstance(t, ast.Attribute)]
            for target in flat:
                owner = ast.unparse(target.value).lower()
                value = node.value if node.value is not None else target
                if target.attr in WRITTEN and ("action" in owner or _mentions_action_state(value)):
                    found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.keyword) and node.arg in WRITTEN and _mentions_action_state(node.value):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value in WRITTEN and _mentions_action_state(value):
                    found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "setattr"
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in WRITTEN
        ):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_only_the_transitions_module_changes_an_action_state() -> None:
    offenders = [
        f"{path.relative_to(REPO)}:{line}"
        for path in sorted((REPO / "bot").rglob("*.py"))
        if path != TRANSITIONS
        for line in state_writes(path.read_text())
    ]
    assert offenders == []


def test_the_scan_sees_state_writes() -> None:
    """A scan that matched nothing would pass forever: it must see every form of a write."""
    assert len(state_writes(TRANSITIONS.read_text())) >= 4  # new_action, claim, _end, _requeue, retry
    for write in (
        "action.state = ActionState.DONE",
        "claimed.action.state = state",
        "row.state = ActionState.FAILED",
        "update(Action).values(state=ActionState.RUNNING)",
        "values(**{'state': ActionState.QUEUED})",
        "setattr(action, 'state', s)",
        "action.active_key = None",
    ):
        assert state_writes(write) != [], write
    # What an invitation or a reminder goes through is not the queue's business.
    assert state_writes("invitation.state = InvitationState.WITHDRAWN\nreminder.state = found") == []


@pytest.mark.parametrize(
    "result", [Result.RETRYING, Result.FAILED, Result.PAUSED, Result.CANCELLED, Result.KEPT]
)
async def test_finish_takes_only_what_a_run_finds(
    db: SessionFactory, account: Account, result: Result
) -> None:
    """Failures, pauses and cancellations have their own transitions; `finish` refuses them unchanged."""
    invitation = await add_pending(db, account.id, "someone", now=FIXED_NOW, age_days=100)
    queued = await request_withdrawal(db, account.id, invitation, now=FIXED_NOW)
    with pytest.raises(ValueError, match=result.value):
        async with db.begin() as session:
            await finish(session, await session.get_one(Action, queued.id), result, FIXED_NOW)
    async with db() as session:
        action = await session.get_one(Action, queued.id)
        assert (action.state, action.active_key, action.finished_at) == (
            queued.state,
            queued.active_key,
            None,
        )


async def _queued_withdrawal(db: SessionFactory) -> int:
    async with db.begin() as session:
        account = Account(name="race", **ALWAYS)
        session.add(account)
    invitation = await add_pending(db, account.id, "someone", now=FIXED_NOW, age_days=100)
    return (await request_withdrawal(db, account.id, invitation, now=FIXED_NOW, undo_window=timedelta(0))).id


async def test_a_cancel_decided_on_a_stale_read_loses_to_the_claim_that_came_first(
    store: SessionFactory,
) -> None:
    """[Done] read the action QUEUED, the worker claimed it meanwhile: `hold_queued` says no."""
    action_id = await _queued_withdrawal(store)
    async with store.begin() as cancelling:
        stale = await cancelling.get_one(Action, action_id)
        assert stale.state is ActionState.QUEUED
        async with store.begin() as worker:
            assert await claim(worker, await worker.get_one(Action, action_id), FIXED_NOW)
        assert await hold_queued(cancelling, stale) is False
        assert stale.state is ActionState.RUNNING  # refreshed: the caller sees why
    async with store() as session:
        assert (await session.get_one(Action, action_id)).state is ActionState.RUNNING


async def test_a_claim_decided_on_a_stale_read_loses_to_the_cancel_that_came_first(
    store: SessionFactory,
) -> None:
    action_id = await _queued_withdrawal(store)
    async with store() as worker:
        stale = await worker.get_one(Action, action_id)
        async with store.begin() as cancelling:
            action = await cancelling.get_one(Action, action_id)
            assert await hold_queued(cancelling, action) is True
            cancel(cancelling, action, FIXED_NOW)
        assert await claim(worker, stale, FIXED_NOW) is False
        await worker.commit()
    async with store() as session:
        assert (await session.get_one(Action, action_id)).state is ActionState.CANCELLED
