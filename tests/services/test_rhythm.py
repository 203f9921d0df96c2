"""The human rhythm, property-tested: active hours, daily amounts, spacing, DST, plan = execution."""

import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.policy import DayPlan, local_date
from bot.services.rhythm import (
    EVERY_DAY,
    MIN_SHARE,
    WEEKDAYS,
    Load,
    Rhythm,
    daily_amount,
    day_slots,
    min_gap,
    plan_by_day,
    schedule,
    window,
)

relaxed = settings(deadline=None, max_examples=150)  # a loaded CI machine must not fail on slowness
# East and west of UTC, both hemispheres' DST, half-hour offsets and the date line's two sides.
ZONES = st.sampled_from(
    [
        "UTC",
        "Europe/Amsterdam",
        "America/New_York",
        "America/Los_Angeles",
        "Asia/Kolkata",
        "Australia/Sydney",
        "Pacific/Auckland",
        "Pacific/Kiritimati",
        "Pacific/Pago_Pago",
        "America/St_Johns",
    ]
)
# Spans every DST change of 2026–2027 in the zones above.
moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@st.composite
def rhythms(draw: st.DrawFn, spread: bool | None = None) -> Rhythm:
    start = draw(st.integers(0, 23))
    return Rhythm(
        timezone=draw(ZONES),
        weekdays=draw(st.integers(1, EVERY_DAY)),
        from_hour=start,
        until_hour=draw(st.integers(start + 1, 24)),
        daily_cap=draw(st.integers(1, 60)),
        spread=draw(st.booleans()) if spread is None else spread,
        seed=draw(st.integers(0, 10_000)),
    )


@st.composite
def loads(draw: st.DrawFn, rhythm: Rhythm, now: datetime) -> Load:
    """Some withdrawals already carried by the next days, recent starts, queued work ahead."""
    today = local_date(now, rhythm.timezone)
    used = draw(st.dictionaries(st.integers(0, 9), st.integers(0, rhythm.daily_cap + 3), max_size=4))
    minutes = st.integers(-24 * 60, 10 * 24 * 60)
    started = draw(st.lists(st.integers(-24 * 60, 0), max_size=5))
    queued = draw(st.lists(minutes, max_size=20))
    return Load(
        used={today + timedelta(days=offset): n for offset, n in used.items()},
        started=[now + timedelta(minutes=m) for m in started],
        queued=[now + timedelta(minutes=m) for m in queued],
    )


def inside_active_hours(rhythm: Rhythm, instant: datetime) -> bool:
    """What a person would check: the local wall clock shows an active day and hour."""
    local = instant.astimezone(ZoneInfo(rhythm.timezone))
    return rhythm.active_on(local.date()) and rhythm.from_hour <= local.hour < rhythm.until_hour


@relaxed
@given(st.data(), rhythms(), moments, st.integers(0, 120), st.booleans())
def test_work_runs_only_inside_active_hours_within_each_days_amount(
    data: st.DataObject, rhythm: Rhythm, now: datetime, count: int, counted: bool
) -> None:
    load = data.draw(loads(rhythm, now))
    undo = timedelta(seconds=data.draw(st.integers(0, 30)))

    instants = schedule(rhythm, now, count, load, earliest=now + undo, counted=counted)

    assert len(instants) == count
    assert instants == sorted(instants)
    for instant in instants:
        assert instant >= now + undo
        assert inside_active_hours(rhythm, instant), instant.astimezone(ZoneInfo(rhythm.timezone))
    if counted:
        for day, n in plan_by_day(instants, rhythm.timezone):
            assert n + load.used.get(day, 0) <= daily_amount(rhythm, day)


@relaxed
@given(st.data(), rhythms(spread=True), moments, st.integers(1, 80))
def test_spread_work_keeps_its_distance_from_other_work(
    data: st.DataObject, rhythm: Rhythm, now: datetime, count: int
) -> None:
    load = data.draw(loads(rhythm, now))
    instants = schedule(rhythm, now, count, load)
    others = [*load.started, *(q for q in load.queued if q >= now)]
    for index, instant in enumerate(instants):
        gap = min_gap(rhythm, local_date(instant, rhythm.timezone))
        assert gap > timedelta(0)
        for other in [*others, *instants[:index], *instants[index + 1 :]]:
            assert abs(instant - other) >= gap


@relaxed
@given(rhythms(), moments, st.integers(1, 60))
def test_the_worker_runs_the_plan_at_the_planned_moments(rhythm: Rhythm, now: datetime, count: int) -> None:
    """Plans and execution agree: at each planned instant the claim gate lets exactly that work run."""
    plan = schedule(rhythm, now, count, Load(), earliest=now + timedelta(seconds=10))
    for index, instant in enumerate(plan):
        day = local_date(instant, rhythm.timezone)
        done_today = sum(1 for earlier in plan[:index] if local_date(earlier, rhythm.timezone) == day)
        # What the gate sees: what already ran (not what is still queued), the rest queued ahead.
        gate = Load(used={day: done_today}, started=plan[:index], queued=plan[index + 1 :])
        assert schedule(rhythm, instant, 1, gate)[0] == instant
        if rhythm.spread:
            # A moment before the slot is not "now" for the gate: the work waits for its slot.
            just_after_previous = plan[index - 1] + timedelta(seconds=1) if index else None
            if just_after_previous is not None and just_after_previous < instant:
                early = schedule(rhythm, just_after_previous, 1, gate)[0]
                assert early > just_after_previous


@relaxed
@given(rhythms(spread=True), st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)))
def test_the_days_amount_varies_below_the_cap_and_is_the_same_for_every_caller(
    rhythm: Rhythm, day: date
) -> None:
    amount = daily_amount(rhythm, day)
    assert math.ceil(rhythm.daily_cap * MIN_SHARE) <= amount <= rhythm.daily_cap
    assert amount == daily_amount(rhythm, day)  # deterministic per account and day
    assert day_slots(rhythm, day) == day_slots(rhythm, day)
    slots = day_slots(rhythm, day)
    bounds = window(rhythm, day)
    if bounds is None:
        assert slots == []
    else:
        assert len(slots) == amount
        assert all(bounds[0] <= slot < bounds[1] for slot in slots)
        assert slots == sorted(slots)


def test_cap_thirty_withdraws_24_to_30_a_day_and_not_the_same_every_day() -> None:
    rhythm = Rhythm("Europe/Amsterdam", WEEKDAYS, 9, 18, daily_cap=30, seed=7)
    days = [date(2026, 11, 23) + timedelta(days=n) for n in range(28)]
    amounts = {daily_amount(rhythm, day) for day in days}
    assert amounts <= set(range(24, 31))
    assert len(amounts) > 1
    # Another account has other days.
    other = Rhythm("Europe/Amsterdam", WEEKDAYS, 9, 18, daily_cap=30, seed=8)
    assert [day_slots(rhythm, d) for d in days[:5]] != [day_slots(other, d) for d in days[:5]]


def test_75_for_an_amsterdam_account_run_in_working_hours_not_at_midnight() -> None:
    """The case that started it: 30 a day used to fall due at local midnight, 23:00 UTC."""
    rhythm = Rhythm("Europe/Amsterdam", WEEKDAYS, 9, 18, daily_cap=30, seed=1)
    tuesday_ten = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))

    instants = schedule(rhythm, tuesday_ten.astimezone(UTC), 75)

    plan = plan_by_day(instants, rhythm.timezone)
    assert [day for day, _ in plan] == [date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 26)]
    assert all(inside_active_hours(rhythm, t) for t in instants)
    assert not any(t.astimezone(UTC).hour == 23 for t in instants)
    first_day = [t for t in instants if local_date(t, rhythm.timezone) == date(2026, 11, 24)]
    assert first_day[0] == tuesday_ten  # a confirmed request starts at once inside the window
    # The rest of Tuesday is spread: no two withdrawals back to back.
    gaps = [b - a for a, b in zip(first_day, first_day[1:], strict=False)]
    assert min(gaps) >= min_gap(rhythm, date(2026, 11, 24)) > timedelta(minutes=3)
    # Tuesday got only the slots left after 10:00; Wednesday its whole amount.
    assert dict(plan)[date(2026, 11, 25)] == daily_amount(rhythm, date(2026, 11, 25))


def test_a_friday_evening_request_waits_for_monday_morning() -> None:
    rhythm = Rhythm("America/New_York", WEEKDAYS, 9, 18, daily_cap=30, seed=3)
    friday_evening = datetime(2026, 11, 27, 20, 0, tzinfo=ZoneInfo("America/New_York"))
    (first,) = schedule(rhythm, friday_evening.astimezone(UTC), 1)
    local = first.astimezone(ZoneInfo("America/New_York"))
    assert local.date() == date(2026, 11, 30) and 9 <= local.hour < 18  # Monday


def test_an_account_created_mid_window_gets_the_rest_of_todays_slots() -> None:
    rhythm = Rhythm("Asia/Kolkata", WEEKDAYS, 9, 18, daily_cap=30, seed=11)
    day = date(2026, 11, 24)
    now = datetime(2026, 11, 24, 15, 0, tzinfo=ZoneInfo("Asia/Kolkata")).astimezone(UTC)
    today = [t for t in schedule(rhythm, now, 60) if local_date(t, rhythm.timezone) == day]
    later_slots = [slot for slot in day_slots(rhythm, day) if slot > now]
    assert today[0] == now
    assert len(today) <= len(later_slots) + 1
    assert len(today) >= len(later_slots)  # at most the one slot too close to "now" is given up
    assert len(today) < daily_amount(rhythm, day)


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        ("Europe/Amsterdam", date(2026, 3, 29)),  # spring forward: 02:00 → 03:00
        ("Europe/Amsterdam", date(2026, 10, 25)),  # fall back: 03:00 → 02:00
        ("America/New_York", date(2026, 3, 8)),
        ("America/New_York", date(2026, 11, 1)),
        ("Australia/Sydney", date(2026, 4, 5)),
        ("Australia/Sydney", date(2026, 10, 4)),
    ],
)
@pytest.mark.parametrize(("start", "end"), [(0, 24), (1, 4), (2, 3), (9, 18)])
def test_dst_days_keep_work_inside_the_wall_clock_window(zone: str, day: date, start: int, end: int) -> None:
    rhythm = Rhythm(zone, EVERY_DAY, start, end, daily_cap=40, seed=5)
    midnight_before = datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo(zone)).astimezone(UTC)
    instants = schedule(rhythm, midnight_before - timedelta(hours=1), 40)
    assert all(inside_active_hours(rhythm, t) for t in instants)
    bounds = window(rhythm, day)
    if bounds is not None:
        hours = (bounds[1] - bounds[0]) / timedelta(hours=1)
        assert hours in (end - start - 1, end - start, end - start + 1)  # an hour shorter or longer


def greedy_plan(count: int, cap: int, today: date, used: dict[date, int]) -> DayPlan:
    """The plain daily cap, as a model: fill each day from `today` up to `cap`, then the next."""
    plan: DayPlan = []
    day = today
    remaining = count
    while remaining > 0:
        take = min(max(0, cap - used.get(day, 0)), remaining)
        if take:
            plan.append((day, take))
            remaining -= take
        day += timedelta(days=1)
    return plan


def unspread_plan(count: int, cap: int, today: date, used: dict[date, int] | None = None) -> DayPlan:
    """What the product plans for `count` withdrawals around the clock in UTC, unspread, from `today`."""
    rhythm = Rhythm("UTC", EVERY_DAY, 0, 24, daily_cap=cap, spread=False)
    now = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9, minutes=30)
    return plan_by_day(schedule(rhythm, now, count, Load(used=used or {})), "UTC")


@relaxed
@given(
    st.integers(0, 300),
    st.integers(1, 50),
    st.dictionaries(st.integers(0, 10), st.integers(0, 60), max_size=5),
    ZONES,
)
def test_unspread_work_around_the_clock_plans_like_the_plain_daily_cap(
    count: int, cap: int, load: dict[int, int], zone: str
) -> None:
    rhythm = Rhythm(zone, EVERY_DAY, 0, 24, daily_cap=cap, spread=False)
    now = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    today = local_date(now, zone)
    used = {today + timedelta(days=offset): n for offset, n in load.items()}
    instants = schedule(rhythm, now, count, Load(used=used))
    assert plan_by_day(instants, zone) == greedy_plan(count, cap, today, used)
    # Nothing is spread: today's share is due at once, a later day's at its local midnight.
    for instant in instants:
        day = local_date(instant, zone)
        assert instant == now if day == today else instant == window(rhythm, day)[0]  # type: ignore[index]


@pytest.mark.parametrize(
    "broken",
    [
        {"weekdays": 0},
        {"weekdays": 128},
        {"from_hour": 18, "until_hour": 9},
        {"from_hour": 9, "until_hour": 9},
        {"until_hour": 25},
        {"daily_cap": 0},
    ],
)
def test_a_rhythm_that_cannot_hold_work_is_refused(broken: dict[str, int]) -> None:
    values: dict[str, object] = {
        "timezone": "UTC",
        "weekdays": WEEKDAYS,
        "from_hour": 9,
        "until_hour": 18,
        "daily_cap": 30,
        **broken,
    }
    with pytest.raises(ValueError):
        Rhythm(**values)  # type: ignore[arg-type]


def test_a_negative_count_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        schedule(Rhythm("UTC", WEEKDAYS, 9, 18, 30), datetime(2026, 11, 24, tzinfo=UTC), -1)


@relaxed
@given(
    st.integers(0, 300),
    st.integers(1, 50),
    st.dictionaries(st.integers(0, 10), st.integers(0, 60), max_size=5),
)
def test_unspread_plan_takes_all_within_the_cap(count: int, cap: int, load: dict[int, int]) -> None:
    today = date(2026, 11, 24)
    used = {today + timedelta(days=offset): n for offset, n in load.items()}
    plan = unspread_plan(count, cap, today, used)
    assert sum(n for _, n in plan) == count
    days = [day for day, _ in plan]
    assert days == sorted(set(days))
    assert all(day >= today for day in days)
    for day, n in plan:
        assert 0 < n <= cap - used.get(day, 0)
    # Greedy: every day before the last planned one that had room is filled up to the cap.
    if plan:
        day = today
        while day < plan[-1][0]:
            assert dict(plan).get(day, 0) + used.get(day, 0) >= cap
            day += timedelta(days=1)


def test_plan_reads_like_thirty_today_thirty_tomorrow_twelve_thursday() -> None:
    tuesday = date(2026, 11, 24)
    assert unspread_plan(72, 30, tuesday) == [
        (date(2026, 11, 24), 30),
        (date(2026, 11, 25), 30),
        (date(2026, 11, 26), 12),
    ]
    # Ten already done today leave twenty for today.
    assert unspread_plan(25, 30, tuesday, {tuesday: 10}) == [(tuesday, 20), (date(2026, 11, 25), 5)]
