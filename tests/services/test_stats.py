"""Stats: acceptance rates over decided invitations, time to accept, pending over time from events."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.db.models import Account, Invitation, InvitationState, Person
from bot.db.session import SessionFactory
from bot.services.clock import FrozenClock
from bot.services.events import record_event
from bot.services.policy import AgeBucket
from bot.services.stats import account_stats, pending_over_time


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


async def test_pending_over_time_is_rebuilt_backwards_from_todays_count(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    now = clock()
    for slug in ("p1", "p2", "p3"):
        await add(db, account, now, slug, state=InvitationState.PENDING, days_ago=5)
    day = timedelta(days=1)
    changes = [
        (now - 3 * day, "invitation_new"),
        (now - 3 * day, "invitation_new"),
        (now - 3 * day, "invitation_new"),
        (now - 2 * day, "invitation_new"),
        (now - 2 * day, "invitation_withdrawn"),
        (now - 1 * day, "invitation_accepted"),
        (now - timedelta(hours=1), "invitation_sent"),
    ]
    async with db.begin() as session:
        for at, kind in changes:
            record_event(session, account_id=account.id, kind=kind, at=at)
        record_event(session, account_id=account.id, kind="account_paused", at=now, reason="x")

    async with db() as session:
        stats = await account_stats(session, account, now=now)
        recent = await pending_over_time(session, account, now=now, since=now - 2 * day)

    dates = [(now - n * day).date() for n in (3, 2, 1, 0)]
    assert stats.pending_over_time == tuple(zip(dates, [3, 3, 2, 3], strict=True))
    assert recent == tuple(zip(dates[1:], [3, 2, 3], strict=True))
