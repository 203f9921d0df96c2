"""The product's rules as pure functions: age buckets, the ceiling, the daily cap, cooldowns, plans.

Nothing here touches the database or the browser, so every rule is property-tested. Times are
timezone-aware UTC; "today" always means the account's local calendar day.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_REVIEW_DAYS = 30
DEFAULT_SUGGEST_DAYS = 60
DEFAULT_WITHDRAW_DAYS = 90
DEFAULT_CEILING = 500
DEFAULT_WARN_RATIO = 0.9
DEFAULT_DAILY_CAP = 30
MAX_CAP_WITHOUT_OVERRIDE = 40
"""Withdrawals per day above which the owner must explicitly set `cap_override`."""
DEFAULT_COOLDOWN_DAYS = 21


class AgeBucket(enum.StrEnum):
    """Where an invitation stands on the 30-60-90 rule."""

    FRESH = "fresh"  # younger than review_days
    REVIEW = "review"  # review_days ≤ age < suggest_days
    SUGGEST = "suggest"  # suggest_days ≤ age < withdraw_days: consider withdrawing
    WITHDRAW = "withdraw"  # age ≥ withdraw_days


@dataclass(frozen=True)
class Thresholds:
    """The account's review/suggest/withdraw ages in days (strictly increasing)."""

    review_days: int = DEFAULT_REVIEW_DAYS
    suggest_days: int = DEFAULT_SUGGEST_DAYS
    withdraw_days: int = DEFAULT_WITHDRAW_DAYS

    def __post_init__(self) -> None:
        if not 0 < self.review_days < self.suggest_days < self.withdraw_days:
            raise ValueError("thresholds must satisfy 0 < review < suggest < withdraw")


@dataclass(frozen=True)
class SentAtRange:
    """When an invitation was sent, as narrowly as the observations allow: earliest ≤ sent ≤ latest."""

    earliest: datetime
    latest: datetime

    def age_at(self, now: datetime) -> tuple[timedelta, timedelta]:
        """Return the (minimum, maximum) age at `now`; never negative."""
        zero = timedelta(0)
        return max(zero, now - self.latest), max(zero, now - self.earliest)


def observed_range(observed_at: datetime, min_age: timedelta, max_age: timedelta) -> SentAtRange:
    """Return the send times one observation allows: an age in [min_age, max_age) at `observed_at`."""
    return SentAtRange(earliest=observed_at - max_age, latest=observed_at - min_age)


def narrow(current: SentAtRange, observation: SentAtRange) -> SentAtRange:
    """Intersect what we knew with a new observation.

    Observations of the same invitation always overlap unless a clock or the page's rounding
    misbehaved; then the newer observation wins, because it was made with today's page and
    today's clock, and an empty range would be meaningless.
    """
    earliest = max(current.earliest, observation.earliest)
    latest = min(current.latest, observation.latest)
    if earliest > latest:
        return observation
    return SentAtRange(earliest, latest)


def old_enough(min_age: timedelta, days: int) -> bool:
    """Whether an invitation at least `min_age` old is certainly `days` old: the one age rule.

    The minimum age is used on purpose: "Sent 3 months ago" proves ≥ 90 days, so nothing is
    ever suggested or withdrawn before it is certainly old enough.
    """
    return min_age >= timedelta(days=days)


def old_enough_cutoff(now: datetime, days: int) -> datetime:
    """`old_enough` for a stored range: certainly `days` old at `now` iff its latest send time ≤ this.

    The minimum age is `now - latest` (`SentAtRange.age_at`), so `now - latest ≥ days` is
    `latest ≤ now - days`; queries compare `Invitation.sent_at_latest` with this (see
    `bot.services.actions.queries`) and a test holds the two forms together at the boundary.
    """
    return now - timedelta(days=days)


def age_bucket(min_age: timedelta, thresholds: Thresholds) -> AgeBucket:
    """Return the bucket of an invitation that is at least `min_age` old (see `old_enough`)."""
    if old_enough(min_age, thresholds.withdraw_days):
        return AgeBucket.WITHDRAW
    if old_enough(min_age, thresholds.suggest_days):
        return AgeBucket.SUGGEST
    if old_enough(min_age, thresholds.review_days):
        return AgeBucket.REVIEW
    return AgeBucket.FRESH


@dataclass(frozen=True)
class CeilingStatus:
    """Pending invitations against the (unpublished, user-set) ceiling."""

    pending: int
    ceiling: int
    warn_at: int

    @property
    def warning(self) -> bool:
        """At or above the warning band (by default 90% of the ceiling)."""
        return self.pending >= self.warn_at

    @property
    def over(self) -> bool:
        return self.pending >= self.ceiling

    @property
    def percent(self) -> int:
        """Share of the ceiling in whole percent, rounded down."""
        return self.pending * 100 // self.ceiling


def ceiling_status(
    pending: int, ceiling: int = DEFAULT_CEILING, warn_ratio: float = DEFAULT_WARN_RATIO
) -> CeilingStatus:
    """Measure `pending` against `ceiling`; the warning starts at `warn_ratio` of it."""
    if ceiling <= 0:
        raise ValueError("ceiling must be positive")
    if not 0 < warn_ratio <= 1:
        raise ValueError("warn_ratio must be in (0, 1]")
    # Integer arithmetic on the threshold so 450/500 is exactly "90%", whatever the float says.
    warn_at = -(-ceiling * round(warn_ratio * 1000) // 1000)
    return CeilingStatus(pending=pending, ceiling=ceiling, warn_at=warn_at)


def effective_daily_cap(cap: int, cap_override: bool) -> int:
    """Return the withdrawals allowed per local day: at least 1, above 40 only with the override."""
    cap = max(1, cap)
    return cap if cap_override else min(cap, MAX_CAP_WITHOUT_OVERRIDE)


def cooldown_ends_at(withdrawn_at: datetime, cooldown_days: int = DEFAULT_COOLDOWN_DAYS) -> datetime:
    """Return when LinkedIn lets the same person be invited again."""
    return withdrawn_at + timedelta(days=cooldown_days)


def withdrawable(
    *,
    pending: bool,
    keep: bool,
    account_paused: bool,
    min_age: timedelta,
    older_than_days: int,
    withdrawing: bool = False,
) -> bool:
    """Decide whether an invitation may be offered for withdrawal or put on a bulk withdrawal.

    Keep-listed people, paused accounts, invitations already being withdrawn and any invitation
    that is not certainly older than `older_than_days` are excluded. The store asks the same in
    SQL with `bot.services.actions.queries.withdrawable` (the account's pause is checked by the
    request itself).
    """
    return (
        pending
        and not keep
        and not account_paused
        and not withdrawing
        and old_enough(min_age, older_than_days)
    )


def local_date(moment: datetime, timezone: str) -> date:
    """Return the calendar date at `moment` in `timezone`."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def local_day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    """Return the UTC instants where local `day` and the next day start (DST-aware)."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def next_local_midnight(now: datetime, timezone: str) -> datetime:
    """Return the UTC instant the account's next local day begins."""
    return local_day_bounds(local_date(now, timezone), timezone)[1]


DayPlan = list[tuple[date, int]]
"""A withdrawal plan as data: [(local date, count), ...], days in order, counts > 0."""
