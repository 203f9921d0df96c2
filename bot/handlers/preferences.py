"""/settings: the account's preferences through inline keyboards (or `/settings <name> <value>`).

The main screen lists every preference with its value; each button opens that preference's
choices; a choice is saved through `bot.services.accounts.update_preferences`, which validates
the whole change (thresholds must stay increasing, the cap needs an override above 40).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CommandHandler

from bot.callback_data import Op
from bot.context import BotContext
from bot.db.models import Account
from bot.handlers.common import button, current_account, edit, keyboard, on_button, reply, send, tapped, text
from bot.services.accounts import InvalidSetting, find_account_by_owner, update_preferences
from bot.services.rhythm import EVERY_DAY, WEEKDAYS


@dataclass(frozen=True)
class Preference:
    """One row of the settings screen and the choices its keyboard offers."""

    name: str  # template key for its title and value display
    choices: tuple[dict[str, Any], ...]  # each choice is the change it applies

    def current(self, account: Account) -> dict[str, Any]:
        return {field: getattr(account, field) for field in self.choices[0]}


PREFERENCES: tuple[Preference, ...] = (
    Preference("digest_weekday", tuple({"digest_weekday": d} for d in range(7))),
    Preference("digest_hour", tuple({"digest_hour": h} for h in (6, 7, 8, 9, 10, 12, 14, 17, 19, 21))),
    Preference(
        "timezone",
        tuple(
            {"timezone": zone}
            for zone in (
                "UTC",
                "Europe/London",
                "Europe/Amsterdam",
                "Europe/Berlin",
                "America/New_York",
                "America/Chicago",
                "America/Denver",
                "America/Los_Angeles",
                "Asia/Kolkata",
                "Asia/Singapore",
                "Australia/Sydney",
            )
        ),
    ),
    Preference(
        "thresholds",
        tuple(
            {"review_days": r, "suggest_days": s, "withdraw_days": w}
            for r, s, w in ((30, 60, 90), (21, 45, 60), (14, 30, 45), (30, 90, 120))
        ),
    ),
    Preference(
        "active_hours",
        tuple(
            {
                "active_weekdays": days,
                "active_from_hour": start,
                "active_until_hour": end,
                "spread_work": spread,
            }
            for days, start, end, spread in (
                (WEEKDAYS, 9, 18, True),
                (WEEKDAYS, 8, 20, True),
                (WEEKDAYS, 10, 16, True),
                (EVERY_DAY, 9, 18, True),
                (EVERY_DAY, 8, 22, True),
                (EVERY_DAY, 0, 24, False),  # around the clock, as soon as due: no rhythm at all
            )
        ),
    ),
    Preference("daily_withdraw_cap", tuple({"daily_withdraw_cap": c} for c in (10, 20, 30, 40))),
    Preference("cooldown_days", tuple({"cooldown_days": c} for c in (21, 28))),
    Preference("pending_ceiling", tuple({"pending_ceiling": c} for c in (300, 400, 500, 700))),
    Preference("plan", tuple({"plan": p} for p in ("free", "premium"))),
    Preference("language", tuple({"language": code} for code in ("en", "nl"))),
)
COLUMNS = 3


def _value(context: BotContext, account: Account, name: str, change: dict[str, Any]) -> str:
    values = {field: getattr(v, "value", v) for field, v in change.items()}
    return text(context, "settings/value", account, name=name, **values)


def main_screen(
    context: BotContext, account: Account, notice: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """Every preference with its current value, and a button per preference."""
    rows = [(p.name, _value(context, account, p.name, p.current(account))) for p in PREFERENCES]
    body = text(context, "settings/main", account, rows=rows, notice=notice)
    buttons = [
        button(
            context,
            account,
            "settings_screen",
            Op.SETTINGS,
            index + 1,
            title=text(context, "settings/title", account, name=p.name),
        )
        for index, p in enumerate(PREFERENCES)
    ]
    return body, keyboard(*(buttons[i : i + 2] for i in range(0, len(buttons), 2)))


def choice_screen(context: BotContext, account: Account, index: int) -> tuple[str, InlineKeyboardMarkup]:
    """The choices for one preference, the current one ticked."""
    preference = PREFERENCES[index]
    current = preference.current(account)
    options = [
        button(
            context,
            account,
            "option",
            Op.SET,
            index,
            number,
            value=_value(context, account, preference.name, choice),
            chosen=all(getattr(current[f], "value", current[f]) == v for f, v in choice.items()),
        )
        for number, choice in enumerate(preference.choices)
    ]
    rows = [options[i : i + COLUMNS] for i in range(0, len(options), COLUMNS)]
    rows.append([button(context, account, "back", Op.SETTINGS, 0)])
    return text(context, "settings/choose", account, name=preference.name), keyboard(*rows)


async def show_settings(update: Update, context: BotContext) -> None:
    """Show the settings screen, or apply `/settings <name> <value>` typed out."""
    assert update.effective_user is not None
    if context.args and len(context.args) >= 2:
        await _typed_setting(update, context, context.args[0], " ".join(context.args[1:]))
        return
    account = await current_account(context, update.effective_user.id)
    if account is None:
        await reply(update, context, "errors/no_account", None)
        return
    body, markup = main_screen(context, account)
    assert update.effective_chat is not None
    await send(context, account, update.effective_chat.id, body, markup)


async def _typed_setting(update: Update, context: BotContext, name: str, value: str) -> None:
    assert update.effective_user is not None
    async with context.db.begin() as session:
        account = await find_account_by_owner(session, update.effective_user.id)
        if account is None:
            await reply(update, context, "errors/no_account", None)
            return
        try:
            await update_preferences(session, account, {name: value}, context.clock())
        except InvalidSetting as problem:
            await reply(update, context, "settings/invalid", account, problem=problem)
            return
    await reply(update, context, "settings/saved", account)


async def open_screen(update: Update, context: BotContext) -> None:
    """Switch the settings message to the main screen or to one preference's choices."""
    found = await tapped(update, context, owns=None)
    if found is None:
        return
    query, callback, account = found
    if callback.target > len(PREFERENCES):
        await query.answer(text(context, "errors/invalid_button", account), show_alert=True)
        return
    await query.answer()
    body, markup = (
        main_screen(context, account)
        if callback.target == 0
        else choice_screen(context, account, callback.target - 1)
    )
    await edit(context, account, query, body, markup)


async def choose(update: Update, context: BotContext) -> None:
    """Save the chosen value and go back to the main screen."""
    found = await tapped(update, context, owns=None)
    if found is None:
        return
    query, callback, account = found
    index, number = callback.args
    if index >= len(PREFERENCES) or number >= len(PREFERENCES[index].choices):
        await query.answer(text(context, "errors/invalid_button", account), show_alert=True)
        return
    async with context.db.begin() as session:
        fresh = await session.get_one(Account, account.id)
        try:
            await update_preferences(session, fresh, PREFERENCES[index].choices[number], context.clock())
        except InvalidSetting as problem:
            await query.answer(text(context, "settings/invalid", fresh, problem=problem), show_alert=True)
            return
    await query.answer(text(context, "settings/saved", fresh))
    body, markup = main_screen(context, fresh)
    await edit(context, account, query, body, markup)


HANDLERS = [
    CommandHandler("settings", show_settings),
    on_button(open_screen, Op.SETTINGS),
    on_button(choose, Op.SET),
]
