"""LinkedIn's relative age text ("Sent 3 months ago") → the range of ages it can mean.

LinkedIn rounds down: "3 months ago" proves at least three months and less than four. So each
text maps to a half-open `AgeRange` `[n units, (n + 1) units)`. Units of a fixed length:

    second = 1 s, minute = 60 s, hour = 60 min, day = 24 h, week = 7 days.

Months and years have no length LinkedIn documents: a page may count a month as 30 days, as
30.44 days (a twelfth of 365.25) or as a calendar month (28 to 31 days, counted from the send
date), and a year as 365 days, 365.25 days or a calendar year. The range of "n months" is the
union over those conventions, so it contains the true age whichever one the page uses: its
`min_age` is the shortest any of them allows (a guaranteed lower bound), its `max_age` the
longest. `MONTH` (30 days) and `YEAR` (365 days) are the nominal lengths.

"today" is `[0, 1 day)`, "yesterday" `[1 day, 2 days)`, "now"/"just now" `[0, 1 minute)`.

Supported languages: English, German, Dutch, French and Spanish, with or without the "Sent"
word (the 2021 rendering had none), any case, non-breaking spaces, and articles for one
("a month", "vor einem Monat", "een maand", "il y a un mois", "hace una semana").
"""

from __future__ import annotations

import calendar
import math
import re
import unicodedata
from datetime import timedelta
from functools import cache

from automation.types import AgeRange

SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WEEK = timedelta(days=7)
MONTH = timedelta(days=30)
YEAR = timedelta(days=365)

UNITS: dict[str, timedelta] = {
    "second": SECOND,
    "minute": MINUTE,
    "hour": HOUR,
    "day": DAY,
    "week": WEEK,
    "month": MONTH,
    "year": YEAR,
}
"""Unit names (English) to their (nominal) length; the keys are what `_UNIT_WORDS` maps words to."""

_AVERAGE_MONTH = timedelta(days=30.44)
_AVERAGE_YEAR = timedelta(days=365.25)

# Every word a language uses for a unit, singular and plural (German also the dative plural).
_UNIT_WORDS: dict[str, str] = {
    # English
    **dict.fromkeys(("second", "seconds", "sec", "secs"), "second"),
    **dict.fromkeys(("minute", "minutes", "min", "mins"), "minute"),
    **dict.fromkeys(("hour", "hours", "hr", "hrs"), "hour"),
    **dict.fromkeys(("day", "days"), "day"),
    **dict.fromkeys(("week", "weeks"), "week"),
    **dict.fromkeys(("month", "months"), "month"),
    **dict.fromkeys(("year", "years"), "year"),
    # German
    **dict.fromkeys(("sekunde", "sekunden"), "second"),
    **dict.fromkeys(("minuten",), "minute"),
    **dict.fromkeys(("stunde", "stunden"), "hour"),
    **dict.fromkeys(("tag", "tage", "tagen"), "day"),
    **dict.fromkeys(("woche", "wochen"), "week"),
    **dict.fromkeys(("monat", "monate", "monaten"), "month"),
    **dict.fromkeys(("jahr", "jahre", "jahren"), "year"),
    # Dutch
    **dict.fromkeys(("seconde", "seconden"), "second"),
    **dict.fromkeys(("minuut",), "minute"),
    **dict.fromkeys(("uur", "uren"), "hour"),
    **dict.fromkeys(("dag", "dagen"), "day"),
    **dict.fromkeys(("weken",), "week"),
    **dict.fromkeys(("maand", "maanden"), "month"),
    **dict.fromkeys(("jaar", "jaren"), "year"),
    # French
    **dict.fromkeys(("secondes",), "second"),
    **dict.fromkeys(("heure", "heures"), "hour"),
    **dict.fromkeys(("jour", "jours"), "day"),
    **dict.fromkeys(("semaine", "semaines"), "week"),
    **dict.fromkeys(("mois",), "month"),
    **dict.fromkeys(("an", "ans", "année", "années"), "year"),
    # Spanish
    **dict.fromkeys(("segundo", "segundos"), "second"),
    **dict.fromkeys(("minuto", "minutos"), "minute"),
    **dict.fromkeys(("hora", "horas"), "hour"),
    **dict.fromkeys(("día", "días", "dia", "dias"), "day"),
    **dict.fromkeys(("semana", "semanas"), "week"),
    **dict.fromkeys(("mes", "meses"), "month"),
    **dict.fromkeys(("año", "años", "ano", "anos"), "year"),
}

# Words that stand for the number one, per language ("an hour ago", "vor einer Stunde").
_ONE_WORDS = frozenset(
    {"a", "an", "one", "ein", "eine", "einem", "einer", "een", "één", "un", "une", "una", "uno"}
)

# The "Sent" word, in any position; it carries no information about the age.
_SENT_WORDS = frozenset(
    {
        "sent",
        "gesendet",
        "verschickt",
        "verzonden",
        "verstuurd",
        "envoyé",
        "envoyée",
        "envoyés",
        "envoyées",
        "enviada",
        "enviado",
        "enviadas",
        "enviados",
    }
)

_NOW = AgeRange(timedelta(0), MINUTE)
_TODAY = AgeRange(timedelta(0), DAY)
_YESTERDAY = AgeRange(DAY, 2 * DAY)

_PHRASES: dict[str, AgeRange] = {
    **dict.fromkeys(("now", "just now", "right now"), _NOW),
    **dict.fromkeys(("jetzt", "gerade", "gerade eben", "soeben"), _NOW),
    **dict.fromkeys(("nu", "zojuist", "net", "net nu"), _NOW),
    **dict.fromkeys(("maintenant", "à l'instant", "a l'instant"), _NOW),
    **dict.fromkeys(("ahora", "ahora mismo", "justo ahora", "hace un momento"), _NOW),
    **dict.fromkeys(("today", "heute", "vandaag", "aujourd'hui", "hoy"), _TODAY),
    **dict.fromkeys(("yesterday", "gestern", "gisteren", "hier", "ayer"), _YESTERDAY),
}

_N = r"(?P<n>\d+|\S+)"
_UNIT = r"(?P<unit>\S+)"
# One pattern per language for "<n> <unit> ago"; the sent word is already gone.
_AGO_PATTERNS = (
    re.compile(rf"^{_N} {_UNIT} ago$"),  # en
    re.compile(rf"^{_N} {_UNIT}$"),  # en without "ago" (badges like "3 weeks")
    re.compile(rf"^vor {_N} {_UNIT}$"),  # de
    re.compile(rf"^{_N} {_UNIT} geleden$"),  # nl
    re.compile(rf"^il y a {_N} {_UNIT}$"),  # fr
    re.compile(rf"^hace {_N} {_UNIT}$"),  # es
)


def parse_age(text: str) -> AgeRange:
    """Parse LinkedIn's relative age text into the range of ages it allows.

    Raises:
        ValueError: the text is not a relative age in a supported language.
    """
    normal = _normalize(text)
    if normal in _PHRASES:
        return _PHRASES[normal]
    for pattern in _AGO_PATTERNS:
        match = pattern.match(normal)
        if match is None:
            continue
        count = _count(match["n"])
        unit = _UNIT_WORDS.get(match["unit"])
        if count is None or unit is None:
            continue
        return unit_range(count, unit)
    raise ValueError(f"not a relative age: {text!r}")


def unit_range(count: int, unit: str) -> AgeRange:
    """What a floor-rounded "count units ago" allows: `[count, count + 1)` of `unit` (a key of `UNITS`).

    For months and years, the union of that interval under every convention a page may count by
    (see the module docstring).
    """
    if count < 0:
        raise ValueError(f"negative count: {count}")
    if unit == "month":
        return AgeRange(
            min(count * MONTH, count * _AVERAGE_MONTH, _calendar_months(count)[0]),
            max((count + 1) * MONTH, (count + 1) * _AVERAGE_MONTH, _calendar_months(count + 1)[1]),
        )
    if unit == "year":
        return AgeRange(
            min(count * YEAR, count * _AVERAGE_YEAR, _calendar_years(count)[0]),
            max((count + 1) * YEAR, (count + 1) * _AVERAGE_YEAR, _calendar_years(count + 1)[1]),
        )
    length = UNITS[unit]
    return AgeRange(count * length, (count + 1) * length)


# The Gregorian calendar repeats every 400 years: its month lengths, once round and a bit more.
_MONTH_LENGTHS = [calendar.monthrange(2000 + m // 12, m % 12 + 1)[1] for m in range(400 * 12)]


@cache
def _calendar_months(count: int) -> tuple[timedelta, timedelta]:
    """The shortest and longest span of `count` calendar months (from a day to the same day later).

    A span that starts on the 29th–31st and ends in a shorter month ends on that month's last
    day, which makes it the span of the `count` months that follow the start month: still
    between the two.
    """
    if count == 0:
        return timedelta(0), timedelta(0)
    cycle = _MONTH_LENGTHS + _MONTH_LENGTHS[: count % len(_MONTH_LENGTHS)]
    whole_cycles = count // len(_MONTH_LENGTHS) * sum(_MONTH_LENGTHS)
    window = sum(cycle[: count % len(_MONTH_LENGTHS)])
    spans = [window]
    for start in range(1, len(_MONTH_LENGTHS)):
        window += cycle[start + count % len(_MONTH_LENGTHS) - 1] - cycle[start - 1]
        spans.append(window)
    return timedelta(days=whole_cycles + min(spans)), timedelta(days=whole_cycles + max(spans))


def _calendar_years(count: int) -> tuple[timedelta, timedelta]:
    """The shortest and longest span of `count` calendar years: 365 days each, plus the 29 Februaries
    the span can hold (at most one in any four consecutive years)."""
    return count * YEAR, count * YEAR + math.ceil(count / 4) * DAY


def _count(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    return 1 if word in _ONE_WORDS else None


def _normalize(text: str) -> str:
    # NFKC turns no-break and other compatibility spaces into plain ones; NFC keeps "é" one code point.
    text = unicodedata.normalize("NFC", unicodedata.normalize("NFKC", text)).casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    words = [w for w in re.split(r"[\s:·•]+", text.strip(" .…\t\n")) if w and w not in _SENT_WORDS]
    return " ".join(words).strip(" .")
