"""The building blocks of every view: texts and button labels from templates, keyboards."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callback_data import Op, build
from bot.db.models import Account
from bot.rendering import DEFAULT_LANGUAGE, Renderer


class View(NamedTuple):
    """One message: its Telegram-HTML text and its buttons (None for none)."""

    text: str
    markup: InlineKeyboardMarkup | None = None


def language_of(account: Account | None) -> str:
    """The account's language, or the default one before there is an account."""
    return account.language if account is not None else DEFAULT_LANGUAGE


def text(render: Renderer, name: str, account: Account | None, /, **kwargs: Any) -> str:
    """Render `templates/telegram/<language>/<name>.html.j2` for this account's language."""
    return render.telegram(name, language_of(account), **kwargs)


def label(render: Renderer, account: Account | None, name: str, /, **kwargs: Any) -> str:
    """A button label from `templates/telegram/<language>/buttons.txt.j2` (plain text, not HTML)."""
    language = language_of(account)
    template = render.env.select_template(
        [f"telegram/{language}/buttons.txt.j2", f"telegram/{DEFAULT_LANGUAGE}/buttons.txt.j2"]
    )
    return template.render(name=name, **kwargs).strip()


def button(
    render: Renderer, account: Account | None, name: str, op: Op, *args: int, **kwargs: Any
) -> InlineKeyboardButton:
    """An inline button whose label is the template `name` and whose data is `op` with `args`."""
    return InlineKeyboardButton(label(render, account, name, **kwargs), callback_data=build(op, *args))


def scoped_button(
    render: Renderer, account: Account, name: str, op: Op, *args: int, **kwargs: Any
) -> InlineKeyboardButton:
    """`button`, its data naming `account` too: the tap acts on that account, not on the current one."""
    data = build(op, *args, account=account.id)
    return InlineKeyboardButton(label(render, account, name, **kwargs), callback_data=data)


def keyboard(*rows: Sequence[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    """A keyboard of the non-empty `rows`."""
    return InlineKeyboardMarkup([list(row) for row in rows if row])
