"""/queue: what is scheduled, soonest first, with [Cancel] per queued and [Retry] per failed action."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton

from bot.callback_data import Op
from bot.db.models import Account, ActionState
from bot.rendering import Renderer
from bot.services.actions import QueueOverview
from bot.views.base import View, button, keyboard, text

SHOWN = 10  # buttons for the first ten; the text counts the rest


def queue_view(render: Renderer, account: Account, overview: QueueOverview, *, now: datetime) -> View:
    """The queue's text, and a button for each of the first `SHOWN` queued and failed actions."""
    body = text(render, "queue/queue", account, overview=overview, shown=SHOWN, now=now, account_view=account)
    rows: list[list[InlineKeyboardButton]] = [
        [button(render, account, "cancel", Op.QUEUE_CANCEL, item.action_id, what=item.person_name or "")]
        for item in overview.active[:SHOWN]
        if item.state is ActionState.QUEUED
    ]
    rows += [[button(render, account, "retry", Op.RETRY, item.action_id)] for item in overview.failed[:SHOWN]]
    return View(body, keyboard(*rows) if rows else None)
