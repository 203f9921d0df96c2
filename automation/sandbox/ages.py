"""Relative age of an invitation, the way LinkedIn words it: rounded down, one unit.

The unit and count are computed here; the words live in the locale templates
(`templates/sandbox/strings/<locale>.html.j2`, macro `sent_age`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

# The month automation.timeparse documents (floor of days / 30): both sides must agree, or a parsed
# "2 months" ([60, 90) days) would not contain the 90.2-day-old invitation it was rendered from.
DAYS_PER_MONTH = 30


@dataclass(frozen=True)
class Age:
    """`count` whole `unit`s; unit is now, minute, hour, today, yesterday, day, week, month or year."""

    unit: str
    count: int


def relative_age(age: timedelta, *, today_for_hours: bool = False) -> Age:
    """Floor `age` to LinkedIn's coarsest fitting unit.

    Args:
        age: how long ago the invitation was sent (negative ages count as now).
        today_for_hours: the Ember rendering (E2) says "Sent today" instead of minutes and hours.
    """
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
    if days < 30:
        return Age("week", days // 7)
    if days < 365:
        return Age("month", max(1, days // DAYS_PER_MONTH))
    return Age("year", days // 365)
