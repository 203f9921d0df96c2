"""What the worker's progress looks like in the chat, and the notice that the account was paused."""

from __future__ import annotations

from datetime import datetime

from bot.callback_data import Op
from bot.db.models import Account
from bot.rendering import Renderer
from bot.services.actions import ActionOutcome, Result
from bot.services.chat_lookups import ActionSubject
from bot.services.session_health import PauseNotice
from bot.views.base import View, button, keyboard, text


def action_outcome(
    render: Renderer,
    account: Account,
    outcome: ActionOutcome,
    subject: ActionSubject | None,
    *,
    now: datetime,
) -> View:
    """ "Withdrawing 12/30…" for a batch; the outcome for one person, with [Retry] if it failed."""
    if outcome.batch_id is not None:
        return View(
            text(
                render,
                "withdraw/batch_progress",
                account,
                outcome=outcome,
                now=now,
                timezone=account.timezone,
            )
        )
    body = text(
        render,
        "withdraw/outcome",
        account,
        outcome=outcome,
        subject=subject,
        now=now,
        timezone=account.timezone,
    )
    if outcome.result is Result.FAILED:
        return View(body, keyboard([button(render, account, "retry", Op.RETRY, outcome.action_id)]))
    return View(body)


def paused_notice(render: Renderer, account: Account, notice: PauseNotice | None, error: str | None) -> View:
    """Why browser work stopped and what the owner can do about it."""
    return View(text(render, "control/paused_by_error", account, notice=notice, error=error))
