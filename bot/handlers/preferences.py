"""/settings: the account's preferences through inline keyboards (or `/settings <name> <value>`).

The main screen lists every preference with its value; each button opens that preference's
choices (the screens and the choices are `bot.views.settings`); a choice is saved through
`bot.services.accounts.update_preferences`, which validates the whole change (thresholds must
stay increasing, the cap needs an override above 40).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.callback_data import Op
from bot.context import BotContext
from bot.db.models import Account
from bot.handlers.common import Tap, on_button, reply, reply_view, show, text, with_account, with_tap
from bot.services.accounts import InvalidSetting, update_preferences
from bot.views.settings import PREFERENCES, choice_screen, main_screen


@with_account
async def show_settings(update: Update, context: BotContext, account: Account) -> None:
    """Show the settings screen, or apply `/settings <name> <value>` typed out."""
    if context.args and len(context.args) >= 2:
        await _typed_setting(update, context, account, context.args[0], " ".join(context.args[1:]))
        return
    await reply_view(update, context, account, main_screen(context.render, account))


async def _typed_setting(
    update: Update, context: BotContext, account: Account, name: str, value: str
) -> None:
    try:
        async with context.db.begin() as session:
            fresh = await session.get_one(Account, account.id)
            await update_preferences(session, fresh, {name: value}, context.clock())
    except InvalidSetting as problem:
        await reply(update, context, "settings/invalid", account, problem=problem)
        return
    await reply(update, context, "settings/saved", fresh)


@with_tap(owns=None, plain=lambda callback: callback.target <= len(PREFERENCES))
async def open_screen(tap: Tap, context: BotContext) -> None:
    """Switch the settings message to the main screen or to one preference's choices."""
    if tap.target > len(PREFERENCES):
        await tap.answer(text(context, "errors/invalid_button", tap.account), show_alert=True)
        return
    await tap.answer()
    if tap.target == 0:
        await show(context, tap, main_screen(context.render, tap.account))
    else:
        await show(context, tap, choice_screen(context.render, tap.account, tap.target - 1))


@with_tap(owns=None)
async def choose(tap: Tap, context: BotContext) -> None:
    """Save the chosen value and go back to the main screen."""
    index, number = tap.callback.args
    if index >= len(PREFERENCES) or number >= len(PREFERENCES[index].choices):
        await tap.answer(text(context, "errors/invalid_button", tap.account), show_alert=True)
        return
    try:
        async with context.db.begin() as session:
            fresh = await session.get_one(Account, tap.account.id)
            await update_preferences(session, fresh, PREFERENCES[index].choices[number], context.clock())
    except InvalidSetting as problem:
        await tap.answer(text(context, "settings/invalid", tap.account, problem=problem), show_alert=True)
        return
    await tap.answer(text(context, "settings/saved", fresh))
    await show(context, tap, main_screen(context.render, fresh))


HANDLERS = [
    CommandHandler("settings", show_settings),
    on_button(open_screen, Op.SETTINGS),
    on_button(choose, Op.SET),
]
