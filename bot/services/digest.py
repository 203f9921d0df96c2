"""The weekly digest as plain data: where an account stands and which invitations to let go.

Everything is computed in SQL (counts, one page of rows) so the digest of an account with
thousands of pending invitations stays a few indexed queries, not thousands of ORM objects.

An invitation's age is only known as a range (LinkedIn shows "Sent 3 months ago"); the digest
always uses the conservative lower bound, `now - sent_at_latest`, so nobody is called older than
they can be, and says "~97 days" when the range is not exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, Invitation, InvitationState, Person
from bot.services.actions.queries import in_flight, old_enough, queue_load, withdrawable
from bot.services.policy import AgeBucket, CeilingStatus, ceiling_status, local_date
from bot.services.rhythm import account_rhythm, plan_by_day, schedule

DEFAULT_PAGE_SIZE = 10


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
    """The bulk button, "Withdraw all ≥ 90 days (N)", and how the account's rhythm spreads it over days."""

    min_age_days: int
    count: int
    plan: tuple[tuple[date, int], ...]  # (local day, withdrawals that day), days in order


@dataclass(frozen=True)
class Digest:
    account_id: int
    generated_at: datetime
    today: date  # in the account's timezone
    pending: int
    ceiling: CeilingStatus
    buckets: tuple[BucketCount, ...]
    stale_min_days: int  # the list holds pending invitations at least this old, not keep-listed
    stale_total: int
    kept_stale: int  # keep-listed invitations that are old enough but never suggested
    withdrawing: int  # pending invitations whose withdrawal is queued or running (not offered again)
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


def _days(delta: timedelta) -> int:
    return max(0, delta // timedelta(days=1))


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

    The stale list holds pending invitations at least `stale_min_days` old (default: the account's
    `suggest_days`), oldest first, without keep-listed ones and ones already being withdrawn (both
    are counted). A page past the end shows the last page.
    """
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    min_days = account.suggest_days if stale_min_days is None else stale_min_days
    pending_here = and_(Invitation.account_id == account.id, Invitation.state == InvitationState.PENDING)
    review = old_enough(now, account.review_days)
    suggest = old_enough(now, account.suggest_days)
    withdraw = old_enough(now, account.withdraw_days)
    # The stale list offers what may be withdrawn at `min_days`; invitations a withdrawal is
    # already queued or running for are counted, never offered again.
    offered = withdrawable(account.id, now, min_days)

    counts = (
        await session.execute(
            select(
                func.count(),
                _count_if(~review),
                _count_if(and_(review, ~suggest)),
                _count_if(and_(suggest, ~withdraw)),
                _count_if(withdraw),
                _count_if(offered),
                _count_if(and_(old_enough(now, min_days), Person.keep.is_(True))),
                _count_if(withdrawable(account.id, now, account.withdraw_days)),
                _count_if(in_flight(account.id)),
            )
            .select_from(Invitation)
            .join(Person, Person.id == Invitation.person_id)
            .where(pending_here)
        )
    ).one()
    pending, fresh, reviewing, suggested, withdraw_age, stale_total, kept_stale, bulk_count, withdrawing = (
        int(c) for c in counts
    )

    total_pages = max(1, math.ceil(stale_total / page_size))
    page = min(max(0, page), total_pages - 1)
    rows = (
        await session.execute(
            select(Invitation, Person)
            .join(Person, Person.id == Invitation.person_id)
            .where(offered)
            .order_by(Invitation.sent_at_latest, Invitation.id)
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

    today = local_date(now, account.timezone)
    bulk = None
    if bulk_count:
        load = await queue_load(session, account, now=now, planning=True)
        plan = plan_by_day(schedule(account_rhythm(account), now, bulk_count, load), account.timezone)
        bulk = BulkSuggestion(min_age_days=account.withdraw_days, count=bulk_count, plan=tuple(plan))

    return Digest(
        account_id=account.id,
        generated_at=now,
        today=today,
        pending=pending,
        ceiling=ceiling_status(pending, account.pending_ceiling),
        buckets=(
            BucketCount(AgeBucket.FRESH, 0, account.review_days, fresh),
            BucketCount(AgeBucket.REVIEW, account.review_days, account.suggest_days, reviewing),
            BucketCount(AgeBucket.SUGGEST, account.suggest_days, account.withdraw_days, suggested),
            BucketCount(AgeBucket.WITHDRAW, account.withdraw_days, None, withdraw_age),
        ),
        stale_min_days=min_days,
        stale_total=stale_total,
        kept_stale=kept_stale,
        withdrawing=withdrawing,
        page=page,
        page_size=page_size,
        total_pages=total_pages,
        stale=stale,
        bulk=bulk,
        cooldown_ends=today + timedelta(days=account.cooldown_days),
    )


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
