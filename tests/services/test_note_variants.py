"""Thompson sampling prefers the better-accepted template, measured over many seeded draws."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from bot.services.note_variants import TemplateRecord, rng_for, thompson_pick


def test_the_better_accepted_template_wins_most_draws() -> None:
    records = {"good": TemplateRecord(sent=40, accepted=20), "poor": TemplateRecord(sent=40, accepted=6)}
    rng = random.Random(7)
    wins = Counter(thompson_pick(["poor", "good"], records, rng) for _ in range(2000))
    assert wins["good"] > 0.95 * 2000
    assert wins["poor"] > 0  # never banned outright


def test_an_untried_template_still_gets_tried() -> None:
    records = {"known": TemplateRecord(sent=30, accepted=9)}
    rng = random.Random(11)
    wins = Counter(thompson_pick(["known", "new"], records, rng) for _ in range(2000))
    # P(U > X) for U ~ Beta(1, 1), X ~ Beta(10, 22) is 1 - E[X] = 22/32: a new template is tried
    # more often than a weak known one, which is how it gets a record of its own.
    assert wins["new"] / 2000 == pytest.approx(22 / 32, abs=0.04)


def test_equal_records_split_the_draws() -> None:
    rng = random.Random(3)
    wins = Counter(thompson_pick(["a", "b", "c"], {}, rng) for _ in range(3000))
    assert all(800 < wins[key] < 1200 for key in "abc")


def test_the_default_source_is_stable_per_person() -> None:
    keys = ["a", "b", "c", "d"]
    first = [thompson_pick(keys, {}, rng_for(f"person-{i}")) for i in range(30)]
    again = [thompson_pick(keys, {}, rng_for(f"person-{i}")) for i in range(30)]
    assert first == again and len(set(first)) > 1


@pytest.mark.parametrize(
    ("sent", "accepted", "low", "high"),
    [(10, 5, 0.2366, 0.7634), (100, 30, 0.2189, 0.3958), (5, 0, 0.0, 0.4345), (20, 20, 0.8389, 1.0)],
)
def test_wilson_interval_matches_the_formula(sent: int, accepted: int, low: float, high: float) -> None:
    interval = TemplateRecord(sent, accepted).wilson()
    assert interval is not None
    assert interval[0] == pytest.approx(low, abs=1e-4) and interval[1] == pytest.approx(high, abs=1e-4)
    assert TemplateRecord().wilson() is None


def test_no_keys_is_an_error() -> None:
    with pytest.raises(ValueError):
        thompson_pick([], {}, random.Random(1))
