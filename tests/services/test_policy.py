"""Policy rules, property-tested: buckets, narrowing, ceiling, cap, cooldown, plans."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.policy import (
    AgeBucket,
    SentAtRange,
    Thresholds,
    age_bucket,
    ceiling_status,
    cooldown_ends_at,
    effective_daily_cap,
    local_date,
    local_day_bounds,
    narrow,
    next_local_midnight,
    observed_range,
    withdrawable,
)

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
relaxed = settings(deadline=None)  # a loaded CI machine must not turn slowness into failures
ZONES = st.sampled_from(["UTC", "Europe/Amsterdam", "America/New_York", "Asia/Kolkata", "Pacific/Auckland"])
moments = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC))


@st.composite
def thresholds(draw: st.DrawFn) -> Thresholds:
    review = draw(st.integers(1, 200))
    suggest = draw(st.integers(review + 1, 300))
    withdraw = draw(st.integers(suggest + 1, 400))
    return Thresholds(review, suggest, withdraw)


def test_default_thresholds_follow_the_30_60_90_rule() -> None:
    rule = Thresholds()
    assert age_bucket(timedelta(days=29, hours=23), rule) is AgeBucket.FRESH
    assert age_bucket(timedelta(days=30), rule) is AgeBucket.REVIEW
    assert age_bucket(timedelta(days=60), rule) is AgeBucket.SUGGEST
    assert age_bucket(timedelta(days=89), rule) is AgeBucket.SUGGEST
    assert age_bucket(timedelta(days=90), rule) is AgeBucket.WITHDRAW


@pytest.mark.parametrize(("review", "suggest", "withdraw"), [(30, 30, 90), (0, 60, 90), (30, 90, 60)])
def test_thresholds_must_increase(review: int, suggest: int, withdraw: int) -> None:
    with pytest.raises(ValueError, match="review < suggest < withdraw"):
        Thresholds(review, suggest, withdraw)


@relaxed
@given(thresholds(), st.integers(0, 500 * 24), st.integers(0, 500 * 24))
def test_buckets_are_monotone_in_age(rule: Thresholds, hours_a: int, hours_b: int) -> None:
    order = list(AgeBucket)
    younger, older = sorted((timedelta(hours=hours_a), timedelta(hours=hours_b)))
    assert order.index(age_bucket(younger, rule)) <= order.index(age_bucket(older, rule))


@relaxed
@given(thresholds(), st.integers(0, 500 * 24))
def test_withdraw_bucket_means_certainly_old_enough(rule: Thresholds, hours: int) -> None:
    age = timedelta(hours=hours)
    assert (age_bucket(age, rule) is AgeBucket.WITHDRAW) == (age >= timedelta(days=rule.withdraw_days))


@st.composite
def send_and_observations(draw: st.DrawFn) -> tuple[datetime, list[SentAtRange]]:
    """A true send time and several floor-rounded observations of it, as the page would show."""
    sent = draw(moments)
    ranges = []
    for _ in range(draw(st.integers(1, 5))):
        elapsed = timedelta(minutes=draw(st.integers(0, 400 * 24 * 60)))
        unit = draw(st.sampled_from([timedelta(hours=1), timedelta(days=1), timedelta(days=7)]))
        floor = (elapsed // unit) * unit
        ranges.append(observed_range(sent + elapsed, floor, floor + unit))
    return sent, ranges


@relaxed
@given(send_and_observations())
def test_narrowing_always_keeps_the_true_send_time(case: tuple[datetime, list[SentAtRange]]) -> None:
    sent, observations = case
    known = observations[0]
    for observation in observations[1:]:
        narrowed = narrow(known, observation)
        assert narrowed.latest - narrowed.earliest <= known.latest - known.earliest
        known = narrowed
    assert known.earliest <= sent <= known.latest


@relaxed
@given(send_and_observations())
def test_narrowing_is_idempotent(case: tuple[datetime, list[SentAtRange]]) -> None:
    _, observations = case
    known = observations[0]
    for observation in observations[1:]:
        known = narrow(known, observation)
    again = known
    for observation in observations:
        again = narrow(again, observation)
    assert again == known


def test_disjoint_observation_replaces_the_old_range() -> None:
    old = SentAtRange(NOW - timedelta(days=10), NOW - timedelta(days=9))
    new = SentAtRange(NOW - timedelta(days=3), NOW - timedelta(days=2))
    assert narrow(old, new) == new


def test_age_at_is_never_negative() -> None:
    future = SentAtRange(NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    assert future.age_at(NOW) == (timedelta(0), timedelta(0))


@relaxed
@given(st.integers(0, 2000), st.integers(1, 2000))
def test_ceiling_warning_starts_at_ninety_percent(pending: int, ceiling: int) -> None:
    status = ceiling_status(pending, ceiling)
    assert status.warning == (pending * 10 >= ceiling * 9)
    assert status.over == (pending >= ceiling)


def test_ceiling_defaults() -> None:
    assert ceiling_status(449).warning is False
    assert ceiling_status(450).warning is True
    assert ceiling_status(450).percent == 90
    assert ceiling_status(500).over is True


@relaxed
@given(st.integers(-5, 200), st.booleans())
def test_cap_is_at_most_forty_without_override(cap: int, override: bool) -> None:
    effective = effective_daily_cap(cap, override)
    assert effective >= 1
    if not override:
        assert effective <= 40
    if 1 <= cap <= 40 or override:
        assert effective == max(1, cap)


@relaxed
@given(moments, st.integers(1, 60))
def test_cooldown_ends_cooldown_days_after_withdrawal(withdrawn_at: datetime, days: int) -> None:
    assert cooldown_ends_at(withdrawn_at, days) - withdrawn_at == timedelta(days=days)


def test_default_cooldown_is_three_weeks() -> None:
    assert cooldown_ends_at(NOW) == NOW + timedelta(days=21)


@relaxed
@given(st.booleans(), st.booleans(), st.booleans(), st.booleans(), st.integers(0, 200), st.integers(1, 200))
def test_withdrawable_excludes_keep_paused_young_and_in_flight(
    pending: bool, keep: bool, paused: bool, withdrawing: bool, age_days: int, older_than: int
) -> None:
    allowed = withdrawable(
        pending=pending,
        keep=keep,
        account_paused=paused,
        withdrawing=withdrawing,
        min_age=timedelta(days=age_days),
        older_than_days=older_than,
    )
    if keep or paused or withdrawing or not pending or age_days < older_than:
        assert not allowed
    else:
        assert allowed


@relaxed
@given(moments, ZONES)
def test_next_local_midnight_is_the_start_of_the_next_local_day(now: datetime, zone: str) -> None:
    midnight = next_local_midnight(now, zone)
    assert midnight > now
    assert local_date(midnight, zone) == local_date(now, zone) + timedelta(days=1)
    start, end = local_day_bounds(local_date(now, zone), zone)
    assert start <= now < end == midnight


def test_local_day_follows_the_account_timezone() -> None:
    late_evening_utc = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
    assert local_date(late_evening_utc, "UTC") == date(2026, 11, 24)
    assert local_date(late_evening_utc, "Europe/Amsterdam") == date(2026, 11, 25)
    assert next_local_midnight(late_evening_utc, "Europe/Amsterdam") == datetime(2026, 11, 25, 23, tzinfo=UTC)
