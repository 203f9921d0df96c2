"""Relative age text → age range: the observed forms per language, and properties over all units."""

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from automation.timeparse import DAY, HOUR, MINUTE, MONTH, UNITS, WEEK, YEAR, parse_age, unit_range
from automation.types import AgeRange

D = timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # English, as observed on the live page
        ("Sent today", AgeRange(timedelta(0), D)),
        ("Sent yesterday", AgeRange(D, 2 * D)),
        ("Sent 11 hours ago", AgeRange(11 * HOUR, 12 * HOUR)),
        ("Sent 5 minutes ago", AgeRange(5 * MINUTE, 6 * MINUTE)),
        ("Sent 1 minute ago", AgeRange(MINUTE, 2 * MINUTE)),
        ("Sent 4 days ago", AgeRange(4 * D, 5 * D)),
        ("Sent 1 week ago", AgeRange(7 * D, 14 * D)),
        ("Sent 3 weeks ago", AgeRange(21 * D, 28 * D)),
        ("Sent 3 months ago", AgeRange(90 * D, 120 * D)),
        ("Sent 1 month ago", AgeRange(30 * D, 60 * D)),
        ("Sent 2 years ago", AgeRange(730 * D, 1095 * D)),
        ("Sent now", AgeRange(timedelta(0), MINUTE)),
        ("Sent just now", AgeRange(timedelta(0), MINUTE)),
        # tolerated variants: articles, no "Sent", case, no-break spaces, stray punctuation
        ("Sent a month ago", AgeRange(30 * D, 60 * D)),
        ("Sent an hour ago", AgeRange(HOUR, 2 * HOUR)),
        ("2 weeks ago", AgeRange(14 * D, 21 * D)),
        ("SENT 2 WEEKS AGO", AgeRange(14 * D, 21 * D)),
        ("Sent\u00a03\u00a0months\u00a0ago", AgeRange(90 * D, 120 * D)),
        ("  Sent 3 months ago. ", AgeRange(90 * D, 120 * D)),
        ("Sent\u202f6 months ago", AgeRange(180 * D, 210 * D)),
        # German (measured in a de-locale fork)
        ("Vor 53 Minuten gesendet", AgeRange(53 * MINUTE, 54 * MINUTE)),
        ("Vor 21 Stunden gesendet", AgeRange(21 * HOUR, 22 * HOUR)),
        ("Gestern gesendet", AgeRange(D, 2 * D)),
        ("Heute gesendet", AgeRange(timedelta(0), D)),
        ("Vor 4 Tagen gesendet", AgeRange(4 * D, 5 * D)),
        ("Vor 3 Wochen gesendet", AgeRange(21 * D, 28 * D)),
        ("Vor 2 Monaten gesendet", AgeRange(60 * D, 90 * D)),
        ("Vor einem Monat gesendet", AgeRange(30 * D, 60 * D)),
        ("Vor einer Woche gesendet", AgeRange(7 * D, 14 * D)),
        ("Vor 1 Jahr gesendet", AgeRange(365 * D, 730 * D)),
        ("Gesendet vor 2 Jahren", AgeRange(730 * D, 1095 * D)),
        ("Gerade eben gesendet", AgeRange(timedelta(0), MINUTE)),
        # Dutch
        ("3 weken geleden verzonden", AgeRange(21 * D, 28 * D)),
        ("Verzonden 3 weken geleden", AgeRange(21 * D, 28 * D)),
        ("Verzonden: 2 maanden geleden", AgeRange(60 * D, 90 * D)),
        ("een maand geleden verzonden", AgeRange(30 * D, 60 * D)),
        ("5 uur geleden verzonden", AgeRange(5 * HOUR, 6 * HOUR)),
        ("1 dag geleden verzonden", AgeRange(D, 2 * D)),
        ("Vandaag verzonden", AgeRange(timedelta(0), D)),
        ("Gisteren verzonden", AgeRange(D, 2 * D)),
        ("1 jaar geleden verzonden", AgeRange(365 * D, 730 * D)),
        # French
        ("Envoyée il y a 3 semaines", AgeRange(21 * D, 28 * D)),
        ("Envoyée il y a un mois", AgeRange(30 * D, 60 * D)),
        ("Envoyée il y a 2 mois", AgeRange(60 * D, 90 * D)),
        ("Envoyé il y a un an", AgeRange(365 * D, 730 * D)),
        ("Envoyée aujourd\u2019hui", AgeRange(timedelta(0), D)),
        ("Envoyée hier", AgeRange(D, 2 * D)),
        ("il y a 7 heures", AgeRange(7 * HOUR, 8 * HOUR)),
        # Spanish
        ("Enviada hace 3 semanas", AgeRange(21 * D, 28 * D)),
        ("Enviada hace un mes", AgeRange(30 * D, 60 * D)),
        ("Enviada hace 2 meses", AgeRange(60 * D, 90 * D)),
        ("Enviada hace una hora", AgeRange(HOUR, 2 * HOUR)),
        ("Enviada hoy", AgeRange(timedelta(0), D)),
        ("Enviada ayer", AgeRange(D, 2 * D)),
        ("hace 3 días", AgeRange(3 * D, 4 * D)),
    ],
)
def test_observed_forms_parse_to_floor_ranges(text: str, expected: AgeRange) -> None:
    assert parse_age(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "Sent", "Withdraw", "Sent some time ago", "Sent 3 fortnights ago", "Pending", "3", "vor Wochen"],
)
def test_unknown_text_is_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="not a relative age"):
        parse_age(text)


# One way each language writes "n units ago", per unit, for the property tests.
_FORMS = {
    "en": (
        "Sent {n} {unit}s ago",
        {u: u for u in UNITS},
    ),
    "de": (
        "Vor {n} {unit} gesendet",
        {
            "second": "Sekunden",
            "minute": "Minuten",
            "hour": "Stunden",
            "day": "Tagen",
            "week": "Wochen",
            "month": "Monaten",
            "year": "Jahren",
        },
    ),
    "nl": (
        "{n} {unit} geleden verzonden",
        {
            "second": "seconden",
            "minute": "minuten",
            "hour": "uur",
            "day": "dagen",
            "week": "weken",
            "month": "maanden",
            "year": "jaar",
        },
    ),
    "fr": (
        "Envoyée il y a {n} {unit}",
        {
            "second": "secondes",
            "minute": "minutes",
            "hour": "heures",
            "day": "jours",
            "week": "semaines",
            "month": "mois",
            "year": "ans",
        },
    ),
    "es": (
        "Enviada hace {n} {unit}",
        {
            "second": "segundos",
            "minute": "minutos",
            "hour": "horas",
            "day": "días",
            "week": "semanas",
            "month": "meses",
            "year": "años",
        },
    ),
}

languages = st.sampled_from(sorted(_FORMS))
units = st.sampled_from(sorted(UNITS))
counts = st.integers(min_value=2, max_value=500)


def _text(language: str, n: int, unit: str) -> str:
    template, words = _FORMS[language]
    if language == "en":
        return template.format(n=n, unit=unit)
    return template.format(n=n, unit=words[unit])


@settings(deadline=None)  # a loaded shared CI machine must not fail a pure function on time
@given(languages, units, counts)
def test_every_range_is_non_empty_and_a_floor(language: str, unit: str, n: int) -> None:
    age = parse_age(_text(language, n, unit))
    assert age.min_age < age.max_age
    assert age.min_age == n * UNITS[unit]
    assert age.max_age - age.min_age == UNITS[unit]


@settings(deadline=None)  # a loaded shared CI machine must not fail a pure function on time
@given(languages, units, counts)
def test_ranges_grow_with_n(language: str, unit: str, n: int) -> None:
    shorter = parse_age(_text(language, n, unit))
    longer = parse_age(_text(language, n + 1, unit))
    assert shorter.max_age <= longer.min_age


def _render_like_linkedin(age: timedelta) -> str:
    """The largest unit that fits, rounded down, as the Sent page writes it."""
    if age < MINUTE:
        return "Sent now"
    if DAY <= age < 2 * DAY:
        return "Sent yesterday"
    for unit, length in sorted(UNITS.items(), key=lambda item: item[1], reverse=True):
        if age >= length:
            n = age // length
            return f"Sent {n} {unit}{'s' if n != 1 else ''} ago"
    raise AssertionError("unreachable: age >= 1 minute")


@settings(deadline=None)  # a loaded shared CI machine must not fail a pure function on time
@given(st.timedeltas(min_value=timedelta(0), max_value=12 * YEAR))
def test_round_trip_from_an_age(age: timedelta) -> None:
    parsed = parse_age(_render_like_linkedin(age))
    assert parsed.min_age <= age < parsed.max_age


@settings(deadline=None)  # a loaded shared CI machine must not fail a pure function on time
@given(st.timedeltas(min_value=timedelta(0), max_value=5 * YEAR))
def test_monotone_between_units(age: timedelta) -> None:
    """An older invitation never parses to a range that ends before a younger one's starts."""
    younger = parse_age(_render_like_linkedin(age))
    older = parse_age(_render_like_linkedin(age + WEEK))
    assert older.max_age > younger.min_age


def test_unit_range_rejects_negative_counts() -> None:
    with pytest.raises(ValueError, match="negative"):
        unit_range(-1, "day")


def test_month_is_thirty_days() -> None:
    assert parse_age("Sent 3 months ago") == AgeRange(3 * MONTH, 4 * MONTH)
