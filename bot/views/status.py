"""/status: pending against the ceiling, the age buckets, the queue and the LinkedIn session."""

from __future__ import annotations

from bot.db.models import Account
from bot.rendering import Renderer
from bot.services.actions import QueueOverview
from bot.services.digest import Digest
from bot.views.base import View, text


def status_view(render: Renderer, account: Account, digest: Digest, queue: QueueOverview) -> View:
    """Where the account stands."""
    return View(text(render, "status/status", account, digest=digest, queue=queue, account_view=account))
