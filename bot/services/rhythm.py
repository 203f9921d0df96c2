"""The human rhythm of browser work: when, inside the account's active hours, each action runs.

A person withdraws invitations during their working day, a few at a time with pauses, and not
the same number every day. So browser work that changes something on LinkedIn (withdrawals and
invitations; "paced" work) runs only inside the account's active hours (local weekdays and
hours, default Monday–Friday 09:00–18:00), spread over that window with jitter, and each day
withdraws an amount that varies below the daily cap (cap 30 → 24 to 30).

`schedule` is the one function that says when: the digest's "30 today, 30 tomorrow, 12
Thursday", the `not_before` of every request, each ETA and the worker's claim gate ("may this
run now?") all call it, so a plan and its execution cannot disagree. It is pure: the account's
`Rhythm`, the clock and the queue's `Load` in, instants out; everything random is seeded by the
account and the local day, so the same day looks the same to every caller.

How a day works: the window is cut into as many equal segments as the day's amount, and each
segment holds one slot at a jittered point (never at its edges, so slots are never back to
back). A request also may take the moment it is made, if that is inside the window and clear of
other work: a tap in working hours runs after its undo window, not at the next slot. A slot (or
that moment) is free when no other paced work started or is queued within `min_gap` of it; a
day takes withdrawals until its amount, counting what is done, running and queued for it.

With `spread` off the window still holds but nothing is spread: the day's amount is the cap and
everything due runs back to back from the window's start (the behaviour before rhythms; the
demo and tests use it with an always-open window).
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left, insort
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.services.policy import DayPlan, effective_daily_cap, local_date

if TYPE_CHECKING:
    from bot.db.models import Account

WEEKDAYS = 0b0011111
"""Monday to Friday (bit 0 is Monday)."""
EVERY_DAY = 0b1111111
MIN_SHARE = 0.8
"""A spread day withdraws between this share of the cap (rounded up) and the cap."""
JITTER = (0.2, 0.8)
"""Where in its segment a slot may fall: never at the edges, so neighbours are ≥ 0.4 segment apart."""
GAP_SHARE = 0.25
"""Paced work closer than this share of a segment to other paced work waits for a free slot."""
MAX_DAYS = 3660
"""How far ahead a schedule looks before giving up (ten years: only a broken rhythm gets there)."""


@dataclass(frozen=True)
class Rhythm:
    """An account's settings that shape its browser work."""

    timezone: str
    weekdays: int  # bit i set: local weekday i (Monday = 0) is active
    from_hour: int  # local, 0–23
    until_hour: int  # local, from_hour < until_hour ≤ 24 (windows never cross midnight)
    daily_cap: int  # the effective cap (see `policy.effective_daily_cap`)
    spread: bool = True
    seed: int = 0  # the account's id: each account has its own days

    def __post_init__(self) -> None:
        if not 0 < self.weekdays <= EVERY_DAY:
            raise ValueError("at least one active weekday")
        if not 0 <= self.from_hour < self.until_hour <= 24:
            raise ValueError("active hours must satisfy 0 ≤ from < until ≤ 24")
        if self.daily_cap < 1:
            raise ValueError("daily cap must be at least 1")
        ZoneInfo(self.timezone)

    def active_on(self, day: date) -> bool:
        return bool(self.weekdays >> day.weekday() & 1)


ALWAYS = {"active_weekdays": EVERY_DAY, "active_from_hour": 0, "active_until_hour": 24, "spread_work": False}
"""Account settings for work around the clock, as soon as due (the demo, tests)."""


def account_rhythm(account: Account) -> Rhythm:
    """The rhythm an account's settings describe."""
    return Rhythm(
        timezone=account.timezone,
        weekdays=account.active_weekdays,
        from_hour=account.active_from_hour,
        until_hour=account.active_until_hour,
        daily_cap=effective_daily_cap(account.daily_withdraw_cap, account.cap_override),
        spread=account.spread_work,
        seed=account.id or 0,
    )


@dataclass(frozen=True)
class Load:
    """What the queue already holds, as far as the schedule cares.

    `used` counts the withdrawals each local day already carries (done, running, and queued for
    that day); `started` holds when recent paced work started; `queued` when queued paced work
    is due (instants before `now` are overdue and hold no slot).
    """

    used: Mapping[date, int] = field(default_factory=dict)
    started: Sequence[datetime] = ()
    queued: Sequence[datetime] = ()


def window(rhythm: Rhythm, day: date) -> tuple[datetime, datetime] | None:
    """The UTC instants the active window of local `day` opens and closes; None on a day off.

    Wall-clock hours: across a DST change the window is an hour shorter or longer.
    """
    if not rhythm.active_on(day):
        return None
    zone = ZoneInfo(rhythm.timezone)
    start = datetime.combine(day, time(rhythm.from_hour), tzinfo=zone)
    end_day = day + timedelta(days=rhythm.until_hour // 24)
    end = datetime.combine(end_day, time(rhythm.until_hour % 24), tzinfo=zone)
    opens, closes = start.astimezone(UTC), end.astimezone(UTC)
    if closes <= opens:
        return None  # an hour-long window inside the hour that a DST change skips
    return opens, closes


def daily_amount(rhythm: Rhythm, day: date) -> int:
    """How many withdrawals local `day` may carry: the cap, or with spread a seeded share of it."""
    if not rhythm.spread:
        return rhythm.daily_cap
    low = max(1, math.ceil(rhythm.daily_cap * MIN_SHARE))
    return _random(rhythm, day, "amount").randint(low, rhythm.daily_cap)


def _segment(rhythm: Rhythm, day: date, bounds: tuple[datetime, datetime]) -> timedelta:
    start, end = bounds
    return (end - start) / daily_amount(rhythm, day)


def min_gap(rhythm: Rhythm, day: date) -> timedelta:
    """How far apart paced work keeps on local `day` (zero without spread)."""
    bounds = window(rhythm, day)
    if bounds is None or not rhythm.spread:
        return timedelta(0)
    return _segment(rhythm, day, bounds) * GAP_SHARE


def day_slots(rhythm: Rhythm, day: date) -> list[datetime]:
    """The spread slots of local `day`, in order: one jittered point per segment of the window."""
    bounds = window(rhythm, day)
    if bounds is None:
        return []
    segment = _segment(rhythm, day, bounds)
    jitter = _random(rhythm, day, "slots")
    slots = []
    for index in range(daily_amount(rhythm, day)):
        offset = segment * (index + jitter.uniform(*JITTER))
        slots.append(bounds[0] + timedelta(seconds=math.floor(offset.total_seconds())))
    return slots


def schedule(
    rhythm: Rhythm,
    now: datetime,
    count: int,
    load: Load = Load(),
    *,
    earliest: datetime | None = None,
    counted: bool = True,
) -> list[datetime]:
    """Return when `count` new paced actions run, in order, none before `earliest` (default `now`).

    `counted` actions are withdrawals: each day takes them up to its amount, less what `load`
    already carries for that day. Invitations (`counted=False`) only need a free moment.
    `schedule(rhythm, now, 1, load)[0] <= now` is the claim gate's "may run now".
    """
    if count < 0:
        raise ValueError("count must not be negative")
    earliest = max(now, earliest or now)
    taken = sorted([*load.started, *(instant for instant in load.queued if instant >= now)])
    chosen: list[datetime] = []
    day = local_date(earliest, rhythm.timezone)
    for _ in range(MAX_DAYS):
        if len(chosen) == count:
            return chosen
        bounds = window(rhythm, day)
        if bounds is not None:
            room = daily_amount(rhythm, day) - load.used.get(day, 0) if counted else count
            gap = min_gap(rhythm, day)
            for candidate in _candidates(rhythm, day, bounds, earliest):
                if room <= 0 or len(chosen) == count:
                    break
                if gap and _near(taken, candidate, gap):
                    continue
                chosen.append(candidate)
                insort(taken, candidate)
                room -= 1
        day += timedelta(days=1)
    raise ValueError("no active day ahead: the rhythm cannot place the work")


def _candidates(
    rhythm: Rhythm, day: date, bounds: tuple[datetime, datetime], earliest: datetime
) -> Iterator[datetime]:
    """The moments of local `day` work may take, in order, none before `earliest`."""
    start, end = bounds
    if earliest >= end:
        return
    if not rhythm.spread:
        first = max(earliest, start)
        while True:  # back to back from the first moment; the day's room stops it
            yield first
    if start <= earliest:
        yield earliest  # the moment itself: a tap in working hours runs at once
    yield from (slot for slot in day_slots(rhythm, day) if slot > earliest)


def _near(taken: Sequence[datetime], candidate: datetime, gap: timedelta) -> bool:
    """Whether any instant in sorted `taken` is closer than `gap` to `candidate`."""
    index = bisect_left(taken, candidate)
    neighbours = taken[max(0, index - 1) : index + 1]
    return any(abs(candidate - other) < gap for other in neighbours)


def plan_by_day(instants: Sequence[datetime], timezone: str) -> DayPlan:
    """Group scheduled instants (in order) into [(local date, count)], as the digest shows them."""
    return [(day, len(list(group))) for day, group in groupby(local_date(t, timezone) for t in instants)]


def _random(rhythm: Rhythm, day: date, purpose: str) -> random.Random:
    """A generator seeded by the account, the day and the purpose: the same day always looks the same."""
    return random.Random(f"{rhythm.seed}:{day.isoformat()}:{purpose}")
