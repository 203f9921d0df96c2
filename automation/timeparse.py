"""LinkedIn's relative age text ("Sent 3 months ago") → the range of ages it can mean.

LinkedIn rounds down: "3 months ago" proves at least three months and less than four. So each
text maps to a half-open `AgeRange` `[n units, (n + 1) units)`. The units are calendar-ish
constants, chosen to match how LinkedIn switches units (and how the sandbox renders them):

    second = 1 s, minute = 60 s, hour = 60 min, day = 24 h,
    week = 7 days, month = 30 days, year = 365 days.

"today" is `[0, 1 day)`, "yesterday" `[1 day, 2 days)`, "now"/"just now" `[0, 1 minute)`.

Supported languages: English, German, Dutch, French and Spanish, with or without the "Sent"
word (the 2021 rendering had none), any case, non-breaking spaces, and articles for one
("a month", "vor einem Monat", "een maand", "il y a un mois", "hace una semana").
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

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
"""Unit names (English) to their length; the keys are what `_UNIT_WORDS` maps words to."""

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
    """`[count, count + 1)` of `unit` (a key of `UNITS`): what a floor-rounded "count units ago" means."""
    if count < 0:
        raise ValueError(f"negative count: {count}")
    length = UNITS[unit]
    return AgeRange(count * length, (count + 1) * length)


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
