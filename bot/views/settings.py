"""/settings: every preference with its value, and each preference's choices as a keyboard."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.callback_data import Op
from bot.db.models import Account
from bot.rendering import Renderer
from bot.services.rhythm import EVERY_DAY, WEEKDAYS
from bot.views.base import View, keyboard, scoped_button, text


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


def _value(render: Renderer, account: Account, name: str, change: dict[str, Any]) -> str:
    values = {field: getattr(v, "value", v) for field, v in change.items()}
    return text(render, "settings/value", account, name=name, **values)


def main_screen(render: Renderer, account: Account, notice: str | None = None) -> View:
    """Every preference with its current value, and a button per preference."""
    rows = [(p.name, _value(render, account, p.name, p.current(account))) for p in PREFERENCES]
    body = text(render, "settings/main", account, rows=rows, notice=notice)
    buttons = [
        scoped_button(
            render,
            account,
            "settings_screen",
            Op.SETTINGS,
            index + 1,
            title=text(render, "settings/title", account, name=p.name),
        )
        for index, p in enumerate(PREFERENCES)
    ]
    return View(body, keyboard(*(buttons[i : i + 2] for i in range(0, len(buttons), 2))))


def choice_screen(render: Renderer, account: Account, index: int) -> View:
    """The choices for one preference, the current one ticked."""
    preference = PREFERENCES[index]
    current = preference.current(account)
    options = [
        scoped_button(
            render,
            account,
            "option",
            Op.SET,
            index,
            number,
            value=_value(render, account, preference.name, choice),
            chosen=all(getattr(current[f], "value", current[f]) == v for f, v in choice.items()),
        )
        for number, choice in enumerate(preference.choices)
    ]
    rows = [options[i : i + COLUMNS] for i in range(0, len(options), COLUMNS)]
    rows.append([scoped_button(render, account, "back", Op.SETTINGS, 0)])
    return View(text(render, "settings/choose", account, name=preference.name), keyboard(*rows))
