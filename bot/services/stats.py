"""How the owner's invitations fare: acceptance rates, how long acceptances take, pending over time.

An invitation counts as *decided* once it was accepted, withdrawn, vanished, or has stayed
pending past the account's review age (99% of acceptances happen within 30 days, so one still
pending then is, in practice, a "no"). Younger pending invitations are left out of every rate:
counting them would make a busy week look like a bad one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, Event, Invitation, InvitationState
from bot.services.note_variants import TemplateRecord
from bot.services.policy import AgeBucket, Thresholds, age_bucket, local_date

PENDING_DELTAS = {
    "invitation_new": +1,  # a sync saw it for the first time
    "invitation_sent": +1,  # we sent it
    "invitation_reopened": +1,  # a withdrawal that did not hold
    "invitation_withdrawn": -1,
    "invitation_accepted": -1,
    "invitation_vanished": -1,
}
"""How each event kind changes the number of pending invitations."""


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
    pending_over_time: tuple[tuple[date, int], ...]  # pending at the end of each local day, oldest first
    pending: int
    withdrawn: int
    by_template: tuple[tuple[str, TemplateRecord], ...] = ()  # best rate first


def _decided(account: Account, now: datetime) -> ColumnElement[bool]:
    undecided_cut = now - timedelta(days=account.review_days)
    state = Invitation.state
    return or_(
        state != InvitationState.PENDING,
        and_(state == InvitationState.PENDING, Invitation.sent_at_latest <= undecided_cut),
    )


async def template_records(
    session: AsyncSession, account: Account, *, now: datetime
) -> dict[str, TemplateRecord]:
    """Per note template: decided invitations sent with it and how many were accepted.

    `sent` counts decided invitations only, like every rate here, so Thompson sampling and the
    stats never mistake a young pending invitation for a refusal.
    """
    decided = _decided(account, now)
    rows = await session.execute(
        select(
            Invitation.note_template,
            func.sum(case((decided, 1), else_=0)),
            func.sum(case((and_(decided, Invitation.state == InvitationState.ACCEPTED), 1), else_=0)),
        )
        .where(Invitation.account_id == account.id, Invitation.note_template.is_not(None))
        .group_by(Invitation.note_template)
    )
    return {str(key): TemplateRecord(int(sent or 0), int(accepted or 0)) for key, sent, accepted in rows}


def _best_first(records: dict[str, TemplateRecord]) -> tuple[tuple[str, TemplateRecord], ...]:
    return tuple(sorted(records.items(), key=lambda item: (-(item[1].rate or 0.0), -item[1].sent, item[0])))


async def _rates(session: AsyncSession, account: Account, now: datetime) -> tuple[Rate, Rate, Rate, int, int]:
    state = Invitation.state
    decided = _decided(account, now)
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
    session: AsyncSession, account: Account, *, now: datetime, since: datetime
) -> tuple[tuple[date, int], ...]:
    """Pending invitations at the end of each local day since `since` (today: now), from the events.

    The audit log records every change to the pending set (`PENDING_DELTAS`), so the series is
    rebuilt backwards from today's count: exact, with no need for periodic snapshots. The series
    starts at the first recorded change (before it the store knew of nothing); no changes at all
    give an empty series.
    """
    kinds = list(PENDING_DELTAS)
    mine = and_(Event.account_id == account.id, Event.kind.in_(kinds))
    first_change = await session.scalar(select(func.min(Event.created_at)).where(mine))
    if first_change is None:
        return ()
    current = await session.scalar(
        select(func.count()).where(
            Invitation.account_id == account.id, Invitation.state == InvitationState.PENDING
        )
    )
    changes = await session.execute(
        select(Event.created_at, Event.kind)
        .where(mine, Event.created_at > since)
        .order_by(Event.created_at.desc(), Event.id.desc())
    )
    per_day: dict[date, int] = {}
    for created_at, kind in changes:
        day = local_date(created_at, account.timezone)
        per_day[day] = per_day.get(day, 0) + PENDING_DELTAS[kind]
    first = local_date(max(since, first_change), account.timezone)
    today = local_date(now, account.timezone)
    series: list[tuple[date, int]] = []
    value = int(current or 0)
    day = today
    while day >= first:
        series.append((day, value))
        value -= per_day.get(day, 0)  # undo that day's changes: the end of the day before
        day -= timedelta(days=1)
    return tuple(reversed(series))


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
        pending_over_time=await pending_over_time(
            session, account, now=now, since=now - timedelta(days=history_days)
        ),
        pending=pending,
        withdrawn=withdrawn,
        by_template=_best_first(await template_records(session, account, now=now)),
    )
