"""The session and pause messages that carry buttons."""

from __future__ import annotations

from bot.callback_data import Op
from bot.db.models import Account
from bot.rendering import Renderer
from bot.views.base import View, button, keyboard, text


def confirm_logout(render: Renderer, account: Account) -> View:
    """ "Forget the stored LinkedIn session?" with [Yes, forget my session]."""
    return View(
        text(render, "login/logout_confirm", account),
        keyboard([button(render, account, "logout_yes", Op.LOGOUT_ACCOUNT, account.id)]),
    )
