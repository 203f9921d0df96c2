"""Pauses between actions come from the configured range, through the injected sleep."""

import random

import pytest

from automation.config import Pacing
from automation.pacing import Pacer


async def test_pauses_are_drawn_from_the_range_and_slept() -> None:
    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(seconds)

    pacer = Pacer(Pacing(2.0, 5.0), sleep=record, rng=random.Random(1))
    for _ in range(50):
        await pacer.pause()
    assert len(slept) == 50
    assert all(2.0 <= s <= 5.0 for s in slept)
    assert len(set(slept)) > 40, "pauses must vary, not repeat one value"


async def test_pacing_off_never_sleeps() -> None:
    async def refuse(seconds: float) -> None:
        pytest.fail(f"slept {seconds}s with pacing off")

    pacer = Pacer(Pacing.off(), sleep=refuse)
    for _ in range(5):
        await pacer.pause()
    assert pacer.next_delay() == 0.0


def test_same_seed_same_pauses() -> None:
    first = Pacer(Pacing(1.0, 3.0), rng=random.Random(42))
    second = Pacer(Pacing(1.0, 3.0), rng=random.Random(42))
    assert [first.next_delay() for _ in range(5)] == [second.next_delay() for _ in range(5)]


def test_fixed_pause_when_min_equals_max() -> None:
    assert Pacer(Pacing(4.0, 4.0)).next_delay() == 4.0
