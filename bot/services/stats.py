"""How the owner's invitations fare: acceptance rates, how long acceptances take, pending over time.

An invitation counts as *decided* once it was accepted, withdrawn, vanished, or has stayed
pending past the account's review age (99% of acceptances happen within 30 days, so one still
pending then is, in practice, a "no"). Younger pending invitations are left out of every rate:
counting them would make a busy week look like a bad one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, Event, Invitation, InvitationState
from bot.services.policy import AgeBucket, Thresholds, age_bucket, local_date

PENDING_SNAPSHOT_KINDS = ("sync_changed", "sync_done", "synced")
"""Events whose detail carries the pending count the page showed at that moment."""


@dataclass(frozen=True)
class Rate:
    accepted: int
    decided: int

    @property
    def percent(self) -> int | None:
        """Whole percent, rounded to nearest; None when nothing is decided yet."""
        return round(100 * self.accepted / self.decided) if self.decided else None


@dataclass(frozen=True)
class Stats:
    overall: Rate
    with_note: Rate
    without_note: Rate
    accepted_by_age: tuple[tuple[AgeBucket, int], ...]  # how old invitations were when accepted
    pending_over_time: tuple[tuple[date, int], ...]  # one point per local day, last value that day
    pending: int
    withdrawn: int


async def _rates(session: AsyncSession, account: Account, now: datetime) -> tuple[Rate, Rate, Rate, int, int]:
    undecided_cut = now - timedelta(days=account.review_days)
    state = Invitation.state
    decided = or_(
        state != InvitationState.PENDING,
        and_(state == InvitationState.PENDING, Invitation.sent_at_latest <= undecided_cut),
    )
    accepted = state == InvitationState.ACCEPTED
    rows = (
        await session.execute(
            select(
                Invitation.had_note,
                func.sum(case((and_(decided, accepted), 1), else_=0)),
                func.sum(case((decided, 1), else_=0)),
                func.sum(case((state == InvitationState.PENDING, 1), else_=0)),
                func.sum(case((state == InvitationState.WITHDRAWN, 1), else_=0)),
            )
            .where(Invitation.account_id == account.id)
            .group_by(Invitation.had_note)
        )
    ).all()
    by_note = {bool(had_note): Rate(int(acc or 0), int(dec or 0)) for had_note, acc, dec, _, _ in rows}
    with_note = by_note.get(True, Rate(0, 0))
    without_note = by_note.get(False, Rate(0, 0))
    overall = Rate(with_note.accepted + without_note.accepted, with_note.decided + without_note.decided)
    pending = sum(int(p or 0) for *_, p, _ in rows)
    withdrawn = sum(int(w or 0) for *_, w in rows)
    return overall, with_note, without_note, pending, withdrawn


async def _accepted_by_age(session: AsyncSession, account: Account) -> tuple[tuple[AgeBucket, int], ...]:
    """Acceptances per bucket of the invitation's age when the sync noticed it (at least that old)."""
    thresholds = Thresholds(account.review_days, account.suggest_days, account.withdraw_days)
    counts = dict.fromkeys(AgeBucket, 0)
    rows = await session.execute(
        select(Invitation.sent_at_latest, Invitation.closed_at).where(
            Invitation.account_id == account.id,
            Invitation.state == InvitationState.ACCEPTED,
            Invitation.closed_at.is_not(None),
        )
    )
    for sent_latest, closed_at in rows:
        if closed_at is None:
            continue
        counts[age_bucket(max(timedelta(0), closed_at - sent_latest), thresholds)] += 1
    return tuple(counts.items())


async def pending_over_time(
    session: AsyncSession, account: Account, *, since: datetime
) -> tuple[tuple[date, int], ...]:
    """The pending count as syncs recorded it, one point per local day (the day's last value)."""
    rows = await session.execute(
        select(Event.created_at, Event.detail)
        .where(
            Event.account_id == account.id,
            Event.kind.in_(PENDING_SNAPSHOT_KINDS),
            Event.created_at >= since,
        )
        .order_by(Event.created_at, Event.id)
    )
    by_day: dict[date, int] = {}
    for created_at, detail in rows:
        pending = detail.get("pending") if isinstance(detail, dict) else None
        if isinstance(pending, int):
            by_day[local_date(created_at, account.timezone)] = pending
    return tuple(sorted(by_day.items()))


async def account_stats(
    session: AsyncSession, account: Account, *, now: datetime, history_days: int = 90
) -> Stats:
    """Everything /stats shows, for `account` at `now`."""
    overall, with_note, without_note, pending, withdrawn = await _rates(session, account, now)
    return Stats(
        overall=overall,
        with_note=with_note,
        without_note=without_note,
        accepted_by_age=await _accepted_by_age(session, account),
        pending_over_time=await pending_over_time(session, account, since=now - timedelta(days=history_days)),
        pending=pending,
        withdrawn=withdrawn,
    )
