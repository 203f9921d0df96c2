"""Relative age of an invitation, the way LinkedIn words it: rounded down, one unit.

The unit and count are computed here; the words live in the locale templates
(`templates/sandbox/strings/<locale>.html.j2`, macro `sent_age`).

How long a month and a year are is the page's choice, and LinkedIn does not document it
(`MONTH_CONVENTIONS`): 30 / 365 days ("fixed", the default), 30.44 / 365.25 days ("average"),
or calendar months and years counted from the send date ("calendar"). The drift mode picks one
per world; automation.timeparse must hold the truth under all three.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta

MONTH_CONVENTIONS = ("fixed", "average", "calendar")

_LENGTHS = {
    "fixed": (timedelta(days=30), timedelta(days=365)),
    "average": (timedelta(days=30.44), timedelta(days=365.25)),
}


@dataclass(frozen=True)
class Age:
    """`count` whole `unit`s; unit is now, minute, hour, today, yesterday, day, week, month or year."""

    unit: str
    count: int


def relative_age(
    sent_at: datetime, now: datetime, *, today_for_hours: bool = False, convention: str = "fixed"
) -> Age:
    """Floor the age of something sent at `sent_at`, seen at `now`, to LinkedIn's coarsest fitting unit.

    Args:
        sent_at, now: when it was sent and when the page is rendered (negative ages count as now).
        today_for_hours: the Ember rendering (E2) says "Sent today" instead of minutes and hours.
        convention: how months and years are counted, one of `MONTH_CONVENTIONS`.
    """
    age = now - sent_at
    seconds = max(0, int(age.total_seconds()))
    days = seconds // 86_400
    if seconds < 60:
        return Age("today", 0) if today_for_hours else Age("now", 0)
    if seconds < 3_600:
        return Age("today", 0) if today_for_hours else Age("minute", seconds // 60)
    if days < 1:
        return Age("today", 0) if today_for_hours else Age("hour", seconds // 3_600)
    if days == 1:
        return Age("yesterday", 1)
    if days < 7:
        return Age("day", days)
    months, years = _months_and_years(sent_at, now, convention)
    if months < 1:
        return Age("week", days // 7)
    if years < 1:
        return Age("month", months)
    return Age("year", years)


def _months_and_years(sent_at: datetime, now: datetime, convention: str) -> tuple[int, int]:
    if convention == "calendar":
        months = (now.year - sent_at.year) * 12 + now.month - sent_at.month
        if months > 0 and add_months(sent_at, months) > now:
            months -= 1
        return max(0, months), max(0, months) // 12
    month, year = _LENGTHS[convention]
    age = max(now - sent_at, timedelta(0))
    return age // month, age // year


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later; a day the target month lacks becomes its last day."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last_day = calendar.monthrange(year, month)[1]
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))
