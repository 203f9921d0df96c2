"""What every handler module shares: the owner's account resolved before the handler body, the
parse-and-authorize step every button tap goes through, and replies from templates and views.

A handler is parse → service → view: `@with_account` and `@with_tap` do the parsing and the
authorization once, so the handler body starts with an account the presser owns.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from telegram import CallbackQuery, MaybeInaccessibleMessage, Update
from telegram.ext import CallbackQueryHandler

from bot.callback_data import Callback, InvalidCallbackData, Op, parse, pattern
from bot.context import Awaiting, BotContext
from bot.db.models import Account, Action
from bot.delivery import Receipt
from bot.delivery.chat import edit, send
from bot.services.accounts import find_account_by_owner
from bot.services.owners import owned_account
from bot.views import View
from bot.views import text as render_text

Owned = Literal["invitation", "action", "reminder", "followup", "account"]
"""The kind of row a button's first id names; the presser must own it."""

Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]
"""What PTB calls: a coroutine function of the update and the context."""
AccountHandler = Callable[[Update, BotContext, Account], Awaitable[None]]


@dataclass(frozen=True)
class Tap:
    """A button tap whose data parsed and whose presser owns what it names."""

    query: CallbackQuery
    callback: Callback
    account: Account
    after_answer: asyncio.Semaphore
    answered: bool = False  # answered plainly before the handler ran (`with_tap(plain=...)`)
    _turn: list[None] = field(default_factory=list, repr=False, compare=False)  # holding a turn

    async def answer(self, text: str | None = None, show_alert: bool = False) -> None:
        """Answer the tap (a toast, or an alert), then wait for a turn to do the work after it.

        A burst of taps gets every answer out first: the edits, sends and writes that follow an
        answer run a few at a time (`BotData.after_answer`), so they cannot take the CPU and the
        database from the answers still to come. `with_tap` gives the turn back. A tap already
        answered plainly (and holding its turn) is not answered again.
        """
        if self.answered:
            if text is not None or show_alert:
                raise RuntimeError(f"{self.callback.op.name} was answered plainly: its `plain` is wrong")
            return
        await self.query.answer(text, show_alert=show_alert)
        await self.after_answer.acquire()
        self._turn.append(None)

    def end_turn(self) -> None:
        if self._turn:
            self._turn.pop()
            self.after_answer.release()

    @property
    def target(self) -> int:
        """The first id the button names."""
        return self.callback.target

    @property
    def user_id(self) -> int:
        return self.query.from_user.id

    @property
    def chat_id(self) -> int:
        return self._message().chat.id

    @property
    def message_id(self) -> int:
        return self._message().message_id

    def _message(self) -> MaybeInaccessibleMessage:
        message = self.query.message
        assert message is not None  # our buttons sit on messages the bot sent, never inline ones
        return message


TapHandler = Callable[[Tap, BotContext], Awaitable[None]]

Plain = Callable[[Callback], bool]
"""Whether a button's handler answers a tap with this data plainly (no toast, no alert), whatever
the store holds: a settings screen that exists, the next page.

Only for buttons that name no row (`with_tap(owns=None, plain=...)`). Such a tap from an owner
whose account this process has already read (`BotData.known_owners`) is answered before any read,
then waits for its turn, reads the account and runs the handler, whose own `tap.answer()` is then
a no-op. Any other tap is checked against the store first, so what is refused, and how, does not
change.
"""


def any_data(_callback: Callback) -> bool:
    """`plain` for a handler whose answer is always the plain acknowledgement."""
    return True


def text(context: BotContext, template: str, account: Account | None, /, **kwargs: Any) -> str:
    """Render `templates/telegram/<language>/<template>.html.j2` for this account's language."""
    return render_text(context.render, template, account, **kwargs)


async def current_account(context: BotContext, user_id: int) -> Account | None:
    """The account this owner works on (their current one, else the first they own), or None before /start."""
    async with context.db() as session:
        account = await find_account_by_owner(session, user_id)
    if account is not None:
        context.bot_data.known_owners.remember(user_id, account.id)
    return account


async def question_account(
    context: BotContext, user_id: int, awaiting: Awaiting, current: Account
) -> Account:
    """The account a question was asked for (still this user's), else `current`: an answer typed
    after switching accounts lands on the account that asked."""
    if awaiting.account_id is None or awaiting.account_id == current.id:
        return current
    async with context.db() as session:
        asked = await owned_account(session, user_id, kind="account", target_id=awaiting.account_id)
    return asked or current


def with_account(handler: AccountHandler) -> Handler:
    """Resolve the owner's account before `handler` runs; without one, say how to get one."""

    @functools.wraps(handler)
    async def resolved(update: Update, context: BotContext) -> None:
        assert update.effective_user is not None  # access control lets only updates with a user through
        account = await current_account(context, update.effective_user.id)
        if account is None:
            await reply(update, context, "errors/no_account", None)
            return
        await handler(update, context, account)

    return resolved


def with_tap(*, owns: Owned | None, plain: Plain | None = None) -> Callable[[TapHandler], Handler]:
    """Parse the tapped button and check the presser owns what it names, before `handler` runs.

    A tap whose data is not ours, or names something this user does not own, is refused with an
    explanation and changes nothing. The handler answers (`Tap.answer`) with the outcome as the
    toast before it edits or sends anything, which then waits its turn; slow work goes to the job
    queue. `owns` is the kind of row the first id names, or None for buttons that name no row
    (`_button_account` says which account those act on); `plain` (see `Plain`) is for some of those.
    """
    if plain is not None and owns is not None:
        raise ValueError("only a button that names no row can be answered before reading the store")

    def decorate(handler: TapHandler) -> Handler:
        @functools.wraps(handler)
        async def authorized(update: Update, context: BotContext) -> None:
            tap = await _tapped(update, context, owns, plain)
            if tap is not None:
                await _in_turn(handler, tap, context)

        return authorized

    return decorate


async def _in_turn(handler: TapHandler, tap: Tap, context: BotContext) -> None:
    """Run `handler`, then give back the turn its answer took, however it ended."""
    try:
        await handler(tap, context)
    finally:
        tap.end_turn()


async def _tapped(update: Update, context: BotContext, owns: Owned | None, plain: Plain | None) -> Tap | None:
    query = update.callback_query
    assert query is not None
    user_id = query.from_user.id
    try:
        callback = parse(query.data)
    except InvalidCallbackData:
        callback = None
    known = context.bot_data.known_owners
    answer_now = plain is not None and callback is not None and plain(callback)
    if answer_now and callback is not None and known.knows(user_id, callback.account):
        return await _answered_at_once(query, callback, context)
    account = None if callback is None else await _button_account(context, user_id, owns, callback)
    if account is not None:
        known.remember(user_id, account.id)
    if callback is None or account is None:
        fallback = await current_account(context, user_id)
        await query.answer(text(context, "errors/invalid_button", fallback), show_alert=True)
        return None
    return Tap(query, callback, account, context.bot_data.after_answer)


async def _button_account(
    context: BotContext, user_id: int, owns: Owned | None, callback: Callback
) -> Account | None:
    """The presser's account a button acts on: the owner of the row it names (`owns`), else the
    account it was drawn for (`SCOPED` ops), else the presser's current one; None if not theirs."""
    async with context.db() as session:
        if owns is not None:
            return await owned_account(session, user_id, kind=owns, target_id=callback.target)
        if callback.account is not None:
            return await owned_account(session, user_id, kind="account", target_id=callback.account)
        return await find_account_by_owner(session, user_id)


async def _answered_at_once(query: CallbackQuery, callback: Callback, context: BotContext) -> Tap | None:
    """Answer plainly now; then, in a turn, read the account fresh for the handler: the one the
    button names, else the presser's current one (which another process may have switched)."""
    await query.answer()
    turns = context.bot_data.after_answer
    await turns.acquire()
    user_id = query.from_user.id
    try:
        account = await _button_account(context, user_id, None, callback)
    except BaseException:
        turns.release()
        raise
    if account is None:  # removed since (here or by another process): the plain answer was all
        turns.release()
        return None
    return Tap(query, callback, account, turns, answered=True, _turn=[None])


def on_button(callback: Handler, op: Op) -> CallbackQueryHandler[BotContext, None]:
    """The handler for buttons with prefix `op`.

    Taps do not block the update loop (`block=False`): a tap's edit no longer holds up the next
    update, so every tap is answered promptly even while others are being edited. Taps are
    independent (each re-reads its row; the queue's unique key makes repeats harmless), so their
    order does not matter; typed text, whose order does, stays sequential.
    """
    return CallbackQueryHandler(callback, pattern=pattern(op), block=False)


async def reply(
    update: Update, context: BotContext, name: str, account: Account | None, /, **kwargs: Any
) -> Receipt:
    """Send the rendered template `name` to the chat the update came from."""
    return await reply_view(update, context, account, View(text(context, name, account, **kwargs)))


async def reply_view(update: Update, context: BotContext, account: Account | None, view: View) -> Receipt:
    """Send `view` to the chat the update came from."""
    chat = update.effective_chat
    assert chat is not None  # access control only lets private-chat updates with a user through
    return await send(context, account, chat.id, view)


async def show(context: BotContext, tap: Tap, view: View) -> Receipt:
    """Make the tapped message show `view` (an identical edit, a double tap, is not an error)."""
    return await edit(context, tap.account, tap.chat_id, tap.message_id, view)


async def show_text(context: BotContext, tap: Tap, name: str, /, **kwargs: Any) -> Receipt:
    """Make the tapped message show the template `name`, without buttons."""
    return await show(context, tap, View(text(context, name, tap.account, **kwargs)))


async def refuse(tap: Tap, context: BotContext, reason: str, *, alert: bool | None = None) -> None:
    """Answer the tap with why nothing happened; an alert unless it was simply done already."""
    body = text(context, "withdraw/refused", tap.account, reason=reason)
    await tap.answer(body, show_alert=reason != "done" if alert is None else alert)


RHYTHM_SLACK = timedelta(seconds=1)
"""A start this close to the end of the undo window is "right after it", not held by the rhythm."""


def waits_for_rhythm(action: Action, now: datetime, undo_window: timedelta) -> datetime | None:
    """When a queued action starts, if later than its undo window (the account's rhythm holds it)."""
    return action.not_before if action.not_before > now + undo_window + RHYTHM_SLACK else None


def undo_window(context: BotContext) -> timedelta:
    """How long queued work can be undone before the worker takes it."""
    return timedelta(seconds=context.settings.undo_window_seconds)
