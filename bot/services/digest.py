"""The weekly digest as plain data: where an account stands and which invitations to let go.

Everything is computed in SQL (counts, one page of rows) so the digest of an account with
thousands of pending invitations stays a few indexed queries, not thousands of ORM objects.

An invitation's age is only known as a range (LinkedIn shows "Sent 3 months ago"); the digest
always uses the conservative lower bound, `now - sent_at_latest`, so nobody is called older than
they can be, and says "~97 days" when the range is not exact.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    ACTIVE_ACTION_STATES,
    Account,
    Action,
    ActionKind,
    ActionState,
    Invitation,
    InvitationState,
    Person,
)

DEFAULT_PAGE_SIZE = 10
CEILING_WARNING_FRACTION = 0.9
"""From 90% of the ceiling on, the digest warns: the next week of invitations may hit it."""


class CeilingBand(enum.StrEnum):
    OK = "ok"
    WARNING = "warning"
    OVER = "over"


class AgeBucket(enum.StrEnum):
    """The 30-60-90 rule's bands, bounded by the account's review/suggest/withdraw days."""

    FRESH = "fresh"  # younger than review_days
    REVIEW = "review"  # review_days ≤ age < suggest_days
    SUGGEST = "suggest"  # suggest_days ≤ age < withdraw_days
    WITHDRAW = "withdraw"  # withdraw_days and older


@dataclass(frozen=True)
class BucketCount:
    bucket: AgeBucket
    min_days: int
    max_days: int | None  # exclusive; None for the oldest bucket
    count: int


@dataclass(frozen=True)
class StaleInvitation:
    """One row of the digest's list: who, and how old at least (and at most)."""

    invitation_id: int
    person_id: int
    slug: str
    name: str
    headline: str
    company: str | None
    profile_url: str
    age_days: int  # the conservative lower bound
    max_age_days: int
    had_note: bool

    @property
    def age_is_exact(self) -> bool:
        return self.age_days == self.max_age_days


@dataclass(frozen=True)
class BulkSuggestion:
    """ "Withdraw all ≥ 90 days (N)": how many, and how the daily cap spreads them over days."""

    min_age_days: int
    count: int
    plan: tuple[DayShare, ...]


@dataclass(frozen=True)
class Digest:
    account_id: int
    generated_at: datetime
    today: date  # in the account's timezone
    pending: int
    ceiling: int
    band: CeilingBand
    buckets: tuple[BucketCount, ...]
    stale_min_days: int  # the list holds pending invitations at least this old, not keep-listed
    stale_total: int
    kept_stale: int  # keep-listed invitations that are old enough but never suggested
    page: int  # 0-based
    page_size: int
    total_pages: int
    stale: tuple[StaleInvitation, ...]
    bulk: BulkSuggestion | None
    cooldown_ends: date  # if withdrawn today, re-inviting is possible from this day

    @property
    def has_next_page(self) -> bool:
        return self.page + 1 < self.total_pages

    @property
    def has_previous_page(self) -> bool:
        return self.page > 0


def ceiling_band(pending: int, ceiling: int) -> CeilingBand:
    if pending >= ceiling:
        return CeilingBand.OVER
    if pending >= math.ceil(ceiling * CEILING_WARNING_FRACTION):
        return CeilingBand.WARNING
    return CeilingBand.OK


def _days(delta: timedelta) -> int:
    return max(0, delta // timedelta(days=1))


def _cutoff(now: datetime, days: int) -> datetime:
    """Invitations whose latest possible send time is at or before this are at least `days` old."""
    return now - timedelta(days=days)


async def build_digest(
    session: AsyncSession,
    account: Account,
    *,
    now: datetime,
    page: int = 0,
    page_size: int = DEFAULT_PAGE_SIZE,
    stale_min_days: int | None = None,
) -> Digest:
    """The digest for `account` at `now`; `page` selects which slice of the stale list to show.

    The stale list holds pending, non-keep-listed invitations at least `stale_min_days` old
    (default: the account's `suggest_days`), oldest first. A page past the end shows the last page.
    """
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    min_days = account.suggest_days if stale_min_days is None else stale_min_days
    pending_here = and_(Invitation.account_id == account.id, Invitation.state == InvitationState.PENDING)
    review_cut = _cutoff(now, account.review_days)
    suggest_cut = _cutoff(now, account.suggest_days)
    withdraw_cut = _cutoff(now, account.withdraw_days)
    stale_cut = _cutoff(now, min_days)
    latest = Invitation.sent_at_latest

    counts = (
        await session.execute(
            select(
                func.count(),
                _count_if(latest > review_cut),
                _count_if(and_(latest <= review_cut, latest > suggest_cut)),
                _count_if(and_(latest <= suggest_cut, latest > withdraw_cut)),
                _count_if(latest <= withdraw_cut),
                _count_if(and_(latest <= stale_cut, Person.keep.is_(False))),
                _count_if(and_(latest <= stale_cut, Person.keep.is_(True))),
                _count_if(and_(latest <= withdraw_cut, Person.keep.is_(False))),
            )
            .select_from(Invitation)
            .join(Person, Person.id == Invitation.person_id)
            .where(pending_here)
        )
    ).one()
    pending, fresh, review, suggest, withdraw, stale_total, kept_stale, bulk_count = (int(c) for c in counts)

    total_pages = max(1, math.ceil(stale_total / page_size))
    page = min(max(0, page), total_pages - 1)
    rows = (
        await session.execute(
            select(Invitation, Person)
            .join(Person, Person.id == Invitation.person_id)
            .where(pending_here, latest <= stale_cut, Person.keep.is_(False))
            .order_by(latest, Invitation.id)
            .offset(page * page_size)
            .limit(page_size)
        )
    ).all()
    stale = tuple(
        StaleInvitation(
            invitation_id=invitation.id,
            person_id=person.id,
            slug=person.slug,
            name=person.name,
            headline=person.headline,
            company=person.company,
            profile_url=person.profile_url,
            age_days=_days(now - invitation.sent_at_latest),
            max_age_days=_days(now - invitation.sent_at_earliest),
            had_note=invitation.had_note,
        )
        for invitation, person in rows
    )

    today = local_today(account, now)
    bulk = None
    if bulk_count:
        used = await withdrawals_used_today(session, account, now=now)
        plan = plan_withdrawals(
            bulk_count, daily_cap=account.daily_withdraw_cap, used_today=used, today=today
        )
        bulk = BulkSuggestion(min_age_days=account.withdraw_days, count=bulk_count, plan=plan)

    return Digest(
        account_id=account.id,
        generated_at=now,
        today=today,
        pending=pending,
        ceiling=account.pending_ceiling,
        band=ceiling_band(pending, account.pending_ceiling),
        buckets=(
            BucketCount(AgeBucket.FRESH, 0, account.review_days, fresh),
            BucketCount(AgeBucket.REVIEW, account.review_days, account.suggest_days, review),
            BucketCount(AgeBucket.SUGGEST, account.suggest_days, account.withdraw_days, suggest),
            BucketCount(AgeBucket.WITHDRAW, account.withdraw_days, None, withdraw),
        ),
        stale_min_days=min_days,
        stale_total=stale_total,
        kept_stale=kept_stale,
        page=page,
        page_size=page_size,
        total_pages=total_pages,
        stale=stale,
        bulk=bulk,
        cooldown_ends=today + timedelta(days=account.cooldown_days),
    )


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def local_today(account: Account, now: datetime) -> date:
    return now.astimezone(ZoneInfo(account.timezone)).date()


@dataclass(frozen=True)
class DayShare:
    """How many withdrawals of a bulk request run on one (local) day."""

    day: date
    count: int


def plan_withdrawals(count: int, *, daily_cap: int, used_today: int, today: date) -> tuple[DayShare, ...]:
    """Spread `count` withdrawals over days without exceeding `daily_cap` on any of them.

    Today only gets what is left of its cap ("30 today, 30 tomorrow, 12 Thursday").
    """
    if daily_cap < 1:
        raise ValueError("daily_cap must be at least 1")
    shares: list[DayShare] = []
    day, room, left = today, max(0, daily_cap - used_today), count
    while left > 0:
        if room:
            shares.append(DayShare(day, min(room, left)))
            left -= shares[-1].count
        day, room = day + timedelta(days=1), daily_cap
    return tuple(shares)


async def withdrawals_used_today(session: AsyncSession, account: Account, *, now: datetime) -> int:
    """Withdrawals that count against today's cap: done today, or queued to run today."""
    zone = ZoneInfo(account.timezone)
    local_now = now.astimezone(zone)
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    start, end = midnight.astimezone(UTC), (midnight + timedelta(days=1)).astimezone(UTC)
    done_today = and_(Action.state == ActionState.DONE, Action.finished_at >= start)
    due_today = and_(Action.state.in_(ACTIVE_ACTION_STATES), Action.not_before < end)
    used = await session.scalar(
        select(func.count())
        .select_from(Action)
        .where(
            Action.account_id == account.id, Action.kind == ActionKind.WITHDRAW, or_(done_today, due_today)
        )
    )
    return int(used or 0)
