"""The withdraw flow's messages: the confirmation, the queued state with [Undo], the bulk offer."""

from __future__ import annotations

from typing import Any

from bot.callback_data import Op
from bot.db.models import Account
from bot.rendering import Renderer
from bot.services.chat_lookups import InvitationView
from bot.services.digest import Digest
from bot.views.base import View, button, keyboard, scoped_button, text


def confirm_withdrawal(render: Renderer, account: Account, view: InvitationView) -> View:
    """ "Withdraw Jane Doe, sent ~97 days ago? You can re-invite … from 17 Dec." with [Yes] [No]."""
    invitation_id = view.item.invitation_id
    return View(
        text(render, "withdraw/confirm", account, view=view, item=view.item),
        keyboard(
            [
                button(render, account, "yes_withdraw", Op.WITHDRAW_YES, invitation_id),
                button(render, account, "no", Op.WITHDRAW_NO, invitation_id),
            ]
        ),
    )


def undoable(render: Renderer, account: Account, name: str, action_id: int, **kwargs: Any) -> View:
    """The template `name` (queued work) with [Undo] for the action while its undo window lasts."""
    return View(
        text(render, name, account, **kwargs), keyboard([button(render, account, "undo", Op.UNDO, action_id)])
    )


def bulk_offer(render: Renderer, account: Account, digest: Digest, days: int) -> View:
    """Withdraw everything at least `days` old? [Yes, withdraw N] [No]; no buttons when none is."""
    count = digest.stale_total
    body = text(
        render, "withdraw/bulk_confirm", account, digest=digest, days=days, count=count, account_view=account
    )
    if not count:
        return View(body)
    return View(
        body,
        keyboard(
            [
                scoped_button(render, account, "bulk_yes", Op.BULK_YES, days, count, count=count),
                button(render, account, "no", Op.BULK_NO),
            ]
        ),
    )
