"""Relative age text → age range: the observed forms per language, and properties over all units."""

from datetime import UTC, datetime, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from automation.timeparse import DAY, HOUR, MINUTE, MONTH, UNITS, WEEK, YEAR, parse_age, unit_range
from automation.types import AgeRange
from sandbox.ages import MONTH_CONVENTIONS, relative_age

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
        ("Sent 3 months ago", AgeRange(89 * D, 123 * D)),
        ("Sent 1 month ago", AgeRange(28 * D, 62 * D)),
        ("Sent 2 years ago", AgeRange(730 * D, 1096 * D)),
        ("Sent now", AgeRange(timedelta(0), MINUTE)),
        ("Sent just now", AgeRange(timedelta(0), MINUTE)),
        # tolerated variants: articles, no "Sent", case, no-break spaces, stray punctuation
        ("Sent a month ago", AgeRange(28 * D, 62 * D)),
        ("Sent an hour ago", AgeRange(HOUR, 2 * HOUR)),
        ("2 weeks ago", AgeRange(14 * D, 21 * D)),
        ("SENT 2 WEEKS AGO", AgeRange(14 * D, 21 * D)),
        ("Sent\u00a03\u00a0months\u00a0ago", AgeRange(89 * D, 123 * D)),
        ("  Sent 3 months ago. ", AgeRange(89 * D, 123 * D)),
        ("Sent\u202f6 months ago", AgeRange(180 * D, 215 * D)),
        # German (measured in a de-locale fork)
        ("Vor 53 Minuten gesendet", AgeRange(53 * MINUTE, 54 * MINUTE)),
        ("Vor 21 Stunden gesendet", AgeRange(21 * HOUR, 22 * HOUR)),
        ("Gestern gesendet", AgeRange(D, 2 * D)),
        ("Heute gesendet", AgeRange(timedelta(0), D)),
        ("Vor 4 Tagen gesendet", AgeRange(4 * D, 5 * D)),
        ("Vor 3 Wochen gesendet", AgeRange(21 * D, 28 * D)),
        ("Vor 2 Monaten gesendet", AgeRange(59 * D, 92 * D)),
        ("Vor einem Monat gesendet", AgeRange(28 * D, 62 * D)),
        ("Vor einer Woche gesendet", AgeRange(7 * D, 14 * D)),
        ("Vor 1 Jahr gesendet", AgeRange(365 * D, 731 * D)),
        ("Gesendet vor 2 Jahren", AgeRange(730 * D, 1096 * D)),
        ("Gerade eben gesendet", AgeRange(timedelta(0), MINUTE)),
        # Dutch
        ("3 weken geleden verzonden", AgeRange(21 * D, 28 * D)),
        ("Verzonden 3 weken geleden", AgeRange(21 * D, 28 * D)),
        ("Verzonden: 2 maanden geleden", AgeRange(59 * D, 92 * D)),
        ("een maand geleden verzonden", AgeRange(28 * D, 62 * D)),
        ("5 uur geleden verzonden", AgeRange(5 * HOUR, 6 * HOUR)),
        ("1 dag geleden verzonden", AgeRange(D, 2 * D)),
        ("Vandaag verzonden", AgeRange(timedelta(0), D)),
        ("Gisteren verzonden", AgeRange(D, 2 * D)),
        ("1 jaar geleden verzonden", AgeRange(365 * D, 731 * D)),
        # French
        ("Envoyée il y a 3 semaines", AgeRange(21 * D, 28 * D)),
        ("Envoyée il y a un mois", AgeRange(28 * D, 62 * D)),
        ("Envoyée il y a 2 mois", AgeRange(59 * D, 92 * D)),
        ("Envoyé il y a un an", AgeRange(365 * D, 731 * D)),
        ("Envoyée aujourd\u2019hui", AgeRange(timedelta(0), D)),
        ("Envoyée hier", AgeRange(D, 2 * D)),
        ("il y a 7 heures", AgeRange(7 * HOUR, 8 * HOUR)),
        # Spanish
        ("Enviada hace 3 semanas", AgeRange(21 * D, 28 * D)),
        ("Enviada hace un mes", AgeRange(28 * D, 62 * D)),
        ("Enviada hace 2 meses", AgeRange(59 * D, 92 * D)),
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


FIXED_UNITS = ("second", "minute", "hour", "day", "week")


@settings(deadline=None)  # a loaded shared CI machine must not fail a pure function on time
@given(languages, st.sampled_from(FIXED_UNITS), counts)
def test_every_fixed_unit_range_is_non_empty_and_a_floor(language: str, unit: str, n: int) -> None:
    age = parse_age(_text(language, n, unit))
    assert age.min_age < age.max_age
    assert age.min_age == n * UNITS[unit]
    assert age.max_age - age.min_age == UNITS[unit]


@settings(deadline=None)  # a loaded shared CI machine must not fail a pure function on time
@given(languages, st.sampled_from(["month", "year"]), counts)
def test_month_and_year_ranges_hold_every_fixed_length_convention(language: str, unit: str, n: int) -> None:
    """30 and 30.44-day months, 365 and 365.25-day years: each convention's floor interval fits inside."""
    age = parse_age(_text(language, n, unit))
    lengths = [MONTH, timedelta(days=30.44)] if unit == "month" else [YEAR, timedelta(days=365.25)]
    for length in lengths:
        assert age.min_age <= n * length and (n + 1) * length <= age.max_age


@settings(deadline=None)  # a loaded shared CI machine must not fail a pure function on time
@given(languages, st.sampled_from(FIXED_UNITS), counts)
def test_ranges_grow_with_n(language: str, unit: str, n: int) -> None:
    shorter = parse_age(_text(language, n, unit))
    longer = parse_age(_text(language, n + 1, unit))
    assert shorter.max_age <= longer.min_age


@settings(deadline=None)  # a loaded shared CI machine must not fail a pure function on time
@given(languages, st.sampled_from(["month", "year"]), counts)
def test_month_and_year_ranges_move_up_with_n(language: str, unit: str, n: int) -> None:
    """Under several conventions "n" and "n + 1" months may overlap; both ends still move up."""
    shorter = parse_age(_text(language, n, unit))
    longer = parse_age(_text(language, n + 1, unit))
    assert shorter.min_age < longer.min_age and shorter.max_age < longer.max_age


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


def test_the_months_that_once_fell_outside_the_range() -> None:
    """181.2 days shown as "5 months" by a page counting 30.44-day months: [150 d, 180 d) missed it."""
    parsed = parse_age("Sent 5 months ago")
    assert parsed.min_age <= timedelta(days=181.2) < parsed.max_age
    assert parsed.min_age == 150 * D  # still the 30-day floor: no convention allows less


# --- the three ways a page may count months and years -----------------------------------------------


def _calendar_count(sent: datetime, now: datetime, months_per_unit: int) -> int:
    """Whole calendar months (or years, 12 months) from `sent` to `now`, as a date library counts them."""
    delta = relativedelta(now, sent)
    return (delta.years * 12 + delta.months) // months_per_unit


def _count(convention: str, unit: str, sent: datetime, now: datetime) -> int:
    age = now - sent
    if convention == "calendar":
        return _calendar_count(sent, now, 1 if unit == "month" else 12)
    length = {
        ("fixed", "month"): MONTH,
        ("average", "month"): timedelta(days=30.44),
        ("fixed", "year"): YEAR,
        ("average", "year"): timedelta(days=365.25),
    }[convention, unit]
    return age // length


sent_times = st.datetimes(
    min_value=datetime(2001, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)


@settings(deadline=None, max_examples=500)  # a loaded shared CI machine must not fail a pure function on time
@given(
    sent_times,
    st.timedeltas(min_value=timedelta(0), max_value=6 * YEAR),
    st.sampled_from(MONTH_CONVENTIONS),
    st.sampled_from(["month", "year"]),
    languages,
)
def test_month_and_year_ranges_contain_the_truth_under_every_convention(
    sent: datetime, age: timedelta, convention: str, unit: str, language: str
) -> None:
    now = sent + age
    n = _count(convention, unit, sent, now)
    parsed = parse_age(_text(language, n, unit))
    assert parsed.min_age <= age < parsed.max_age, (convention, unit, n, age)


@settings(deadline=None)  # a loaded shared CI machine must not fail a pure function on time
@given(sent_times, st.integers(min_value=0, max_value=60), st.sampled_from(MONTH_CONVENTIONS))
def test_min_age_is_a_lower_bound_at_the_start_of_every_month(
    sent: datetime, n: int, convention: str
) -> None:
    """The first instant a page shows "n months" is never younger than the parsed `min_age`."""
    starts = {
        "fixed": n * MONTH,
        "average": n * timedelta(days=30.44),
        "calendar": (sent + relativedelta(months=n)) - sent,
    }
    assert parse_age(_text("en", n, "month")).min_age <= starts[convention]


@settings(deadline=None)  # a loaded shared CI machine must not fail a pure function on time
@given(
    sent_times, st.timedeltas(min_value=timedelta(0), max_value=6 * YEAR), st.sampled_from(MONTH_CONVENTIONS)
)
def test_the_sandbox_wording_parses_to_a_range_holding_the_truth(
    sent: datetime, age: timedelta, convention: str
) -> None:
    """The sandbox's page, under each convention it can render, against the parser."""
    shown = relative_age(sent, sent + age, convention=convention)
    if shown.unit in ("now", "today", "yesterday"):
        text = {"now": "Sent now", "today": "Sent today", "yesterday": "Sent yesterday"}[shown.unit]
    else:
        text = _text("en", shown.count, shown.unit)
    parsed = parse_age(text)
    assert parsed.min_age <= age < parsed.max_age, (convention, text, age)
