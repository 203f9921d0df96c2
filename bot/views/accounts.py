"""/accounts: the owner's accounts with their state and buttons; the removal question; the header
that names the account on every message when the owner has several."""

from __future__ import annotations

from collections.abc import Sequence

from bot.callback_data import Op
from bot.db.models import Account
from bot.rendering import Renderer
from bot.services.owner_accounts import AccountLine, RemovalSummary
from bot.views.base import View, button, keyboard, text


def account_list(render: Renderer, account: Account, lines: Sequence[AccountLine]) -> View:
    """Each account with its session, pause and pending count, the current one marked; a row of
    [Switch to …] for the others, [Rename] [Remove] for the current one, and [Add an account]."""
    current = next((line for line in lines if line.current), None)
    switches = [
        [button(render, account, "account_switch", Op.ACCOUNT_SWITCH, line.id, named=line.name)]
        for line in lines
        if not line.current
    ]
    own = (
        [
            button(render, account, "account_rename", Op.ACCOUNT_RENAME, current.id, named=current.name),
            button(render, account, "account_remove", Op.ACCOUNT_REMOVE, current.id, named=current.name),
        ]
        if current is not None
        else []
    )
    markup = keyboard(*switches, own, [button(render, account, "account_add", Op.ACCOUNT_ADD)])
    return View(text(render, "accounts/list", account, lines=lines), markup)


def remove_question(render: Renderer, account: Account, summary: RemovalSummary) -> View:
    """ "Remove <name> and all its data?" naming what goes, with [Yes, remove <name>] [Keep it]."""
    body = text(render, "accounts/remove_confirm", account, summary=summary)
    name = summary.name
    yes = button(render, account, "account_remove_yes", Op.ACCOUNT_REMOVE_YES, account.id, named=name)
    markup = keyboard([yes, button(render, account, "account_keep", Op.ACCOUNT_KEEP, account.id)])
    return View(body, markup)


def named(render: Renderer, account: Account, view: View) -> View:
    """`view` under a line naming its account (for an owner of several accounts)."""
    header = text(render, "accounts/header", account, name=account.name)
    return View(f"{header}\n{view.text}", view.markup)
