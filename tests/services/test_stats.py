"""Stats: acceptance rates over decided invitations, time to accept, pending over time from events."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.db.models import Account, Invitation, InvitationState, Person
from bot.db.session import SessionFactory
from bot.services.clock import FrozenClock
from bot.services.events import record_event
from bot.services.policy import AgeBucket
from bot.services.stats import account_stats


async def add(
    db: SessionFactory,
    account: Account,
    now: datetime,
    slug: str,
    *,
    state: InvitationState,
    days_ago: int,
    note: bool = False,
    closed_after_days: int | None = None,
) -> None:
    sent = now - timedelta(days=days_ago)
    async with db.begin() as session:
        person = Person(account_id=account.id, slug=slug, name=slug, profile_url=f"/in/{slug}/")
        session.add(person)
        await session.flush()
        session.add(
            Invitation(
                account_id=account.id,
                person_id=person.id,
                state=state,
                sent_at_earliest=sent,
                sent_at_latest=sent,
                first_seen_at=sent,
                last_seen_at=sent,
                had_note=note,
                closed_at=None if closed_after_days is None else sent + timedelta(days=closed_after_days),
            )
        )


async def test_rates_count_only_decided_invitations_and_split_by_note(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    now = clock()
    accepted, pending, withdrawn = (
        InvitationState.ACCEPTED,
        InvitationState.PENDING,
        InvitationState.WITHDRAWN,
    )
    await add(db, account, now, "a1", state=accepted, days_ago=50, note=True, closed_after_days=3)
    await add(db, account, now, "a2", state=accepted, days_ago=80, note=True, closed_after_days=40)
    await add(db, account, now, "a3", state=accepted, days_ago=10, closed_after_days=2)
    await add(db, account, now, "w1", state=withdrawn, days_ago=120, closed_after_days=100)
    await add(db, account, now, "p-old", state=pending, days_ago=45, note=True)
    await add(db, account, now, "p-young", state=pending, days_ago=5)  # not decided yet: left out

    async with db() as session:
        stats = await account_stats(session, account, now=now)

    assert (stats.overall.accepted, stats.overall.decided, stats.overall.percent) == (3, 5, 60)
    assert (stats.with_note.accepted, stats.with_note.decided, stats.with_note.percent) == (2, 3, 67)
    assert (stats.without_note.accepted, stats.without_note.decided) == (1, 2)
    assert dict(stats.accepted_by_age) == {
        AgeBucket.FRESH: 2,
        AgeBucket.REVIEW: 1,
        AgeBucket.SUGGEST: 0,
        AgeBucket.WITHDRAW: 0,
    }
    assert (stats.pending, stats.withdrawn) == (2, 1)


async def test_no_invitations_means_no_rate(db: SessionFactory, account: Account, clock: FrozenClock) -> None:
    async with db() as session:
        stats = await account_stats(session, account, now=clock())
    assert stats.overall.percent is None
    assert stats.pending_over_time == ()


async def test_pending_over_time_keeps_each_days_last_sync(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    now = clock()
    async with db.begin() as session:
        for at, pending in [
            (now - timedelta(days=120), 300),  # outside the 90-day window
            (now - timedelta(days=2, hours=3), 510),
            (now - timedelta(days=2, hours=1), 505),
            (now - timedelta(hours=1), 480),
        ]:
            record_event(session, account_id=account.id, kind="sync_changed", at=at, pending=pending)
        record_event(session, account_id=account.id, kind="account_paused", at=now, reason="x")

    async with db() as session:
        stats = await account_stats(session, account, now=now)

    assert stats.pending_over_time == (
        ((now - timedelta(days=2)).date(), 505),
        (now.date(), 480),
    )
