"""The weekly digest: counts, age buckets by the lower bound, the stale list, paging, the bulk plan."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from bot.db.models import Account, Action, ActionKind, ActionState, Invitation, InvitationState, Person
from bot.db.session import SessionFactory
from bot.services.clock import FrozenClock
from bot.services.digest import build_digest
from bot.services.policy import AgeBucket, Thresholds, age_bucket


async def add_invitation(
    db: SessionFactory,
    account: Account,
    now: datetime,
    slug: str,
    *,
    min_days: int,
    max_days: int | None = None,
    keep: bool = False,
    state: InvitationState = InvitationState.PENDING,
) -> Invitation:
    """A person with one invitation sent between `max_days` and `min_days` ago."""
    async with db.begin() as session:
        person = Person(
            account_id=account.id,
            slug=slug,
            name=slug.replace("-", " ").title(),
            headline="Engineer at Acme",
            profile_url=f"https://www.linkedin.com/in/{slug}/",
            keep=keep,
        )
        session.add(person)
        await session.flush()
        invitation = Invitation(
            account_id=account.id,
            person_id=person.id,
            state=state,
            sent_at_earliest=now - timedelta(days=max_days if max_days is not None else min_days),
            sent_at_latest=now - timedelta(days=min_days),
            first_seen_at=now,
            last_seen_at=now,
        )
        session.add(invitation)
    return invitation


async def test_buckets_use_the_lower_bound_of_the_age_range(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    now = clock()
    await add_invitation(db, account, now, "fresh-one", min_days=3)
    # "Sent 1 month ago" may mean 30 to 60 days: the conservative age is 29, still fresh.
    await add_invitation(db, account, now, "maybe-review", min_days=29, max_days=59)
    await add_invitation(db, account, now, "review-one", min_days=30)
    await add_invitation(db, account, now, "suggest-one", min_days=60, max_days=89)
    await add_invitation(db, account, now, "withdraw-one", min_days=97, max_days=127)
    await add_invitation(db, account, now, "accepted-one", min_days=200, state=InvitationState.ACCEPTED)

    async with db() as session:
        digest = await build_digest(session, account, now=now)

    counts = {bucket.bucket: bucket.count for bucket in digest.buckets}
    assert counts == {
        AgeBucket.FRESH: 2,
        AgeBucket.REVIEW: 1,
        AgeBucket.SUGGEST: 1,
        AgeBucket.WITHDRAW: 1,
    }
    assert digest.pending == 5
    assert [(b.min_days, b.max_days) for b in digest.buckets] == [(0, 30), (30, 60), (60, 90), (90, None)]


async def test_stale_list_is_oldest_first_without_keep_listed_but_counts_them(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    now = clock()
    await add_invitation(db, account, now, "sixty-five", min_days=65)
    await add_invitation(db, account, now, "ninety-seven", min_days=97, max_days=127)
    await add_invitation(db, account, now, "kept-old", min_days=300, keep=True)
    await add_invitation(db, account, now, "young", min_days=10)

    async with db() as session:
        digest = await build_digest(session, account, now=now)

    assert [row.slug for row in digest.stale] == ["ninety-seven", "sixty-five"]
    oldest = digest.stale[0]
    assert (oldest.age_days, oldest.max_age_days, oldest.age_is_exact) == (97, 127, False)
    assert digest.stale[1].age_is_exact
    assert digest.stale_total == 2
    assert digest.kept_stale == 1
    assert digest.bulk is not None
    assert digest.bulk.count == 1  # the kept 300-day-old one is never suggested
    assert digest.pending == 4
    assert (digest.ceiling.pending, digest.ceiling.ceiling) == (4, 500)


async def test_invitations_already_being_withdrawn_are_counted_not_offered(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    now = clock()
    queued = await add_invitation(db, account, now, "queued-old", min_days=120)
    await add_invitation(db, account, now, "free-old", min_days=100)
    async with db.begin() as session:
        session.add(
            Action(
                account_id=account.id,
                kind=ActionKind.WITHDRAW,
                invitation_id=queued.id,
                person_id=queued.person_id,
                state=ActionState.QUEUED,
                active_key=f"withdraw:{queued.id}",
                not_before=now + timedelta(days=1),
                created_at=now,
            )
        )

    async with db() as session:
        digest = await build_digest(session, account, now=now)

    assert [row.slug for row in digest.stale] == ["free-old"]
    assert (digest.pending, digest.withdrawing, digest.stale_total) == (2, 1, 1)
    assert digest.bulk is not None and digest.bulk.count == 1
    # The queued one still takes its place under tomorrow's cap; today's share is the free one.
    assert digest.bulk.plan == ((digest.today, 1),)


async def test_paging_walks_the_whole_stale_list_once(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    now = clock()
    for i in range(23):
        await add_invitation(db, account, now, f"person-{i:02d}", min_days=60 + i)

    seen: list[str] = []
    async with db() as session:
        first = await build_digest(session, account, now=now, page_size=10)
        assert (first.total_pages, first.has_previous_page, first.has_next_page) == (3, False, True)
        for page in range(first.total_pages):
            digest = await build_digest(session, account, now=now, page=page, page_size=10)
            seen.extend(row.slug for row in digest.stale)
        beyond = await build_digest(session, account, now=now, page=99, page_size=10)

    assert seen == [f"person-{i:02d}" for i in reversed(range(23))]
    assert (beyond.page, len(beyond.stale), beyond.has_next_page) == (2, 3, False)


async def test_empty_account_has_one_empty_page_and_no_bulk(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    async with db() as session:
        digest = await build_digest(session, account, now=clock())
    assert (digest.pending, digest.stale, digest.total_pages, digest.bulk) == (0, (), 1, None)
    assert not digest.ceiling.warning


async def test_bulk_plan_counts_what_today_already_used(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    now = clock()
    for i in range(40):
        await add_invitation(db, account, now, f"old-{i}", min_days=120 + i)
    async with db.begin() as session:
        for i in range(25):
            session.add(
                Action(
                    account_id=account.id,
                    kind=ActionKind.WITHDRAW,
                    state=ActionState.DONE,
                    not_before=now - timedelta(hours=1),
                    created_at=now - timedelta(hours=1),
                    finished_at=now - timedelta(minutes=30 + i),
                )
            )
        # One already queued for tomorrow takes a slot of tomorrow's cap.
        session.add(
            Action(
                account_id=account.id,
                kind=ActionKind.WITHDRAW,
                state=ActionState.QUEUED,
                not_before=now + timedelta(days=1),
                created_at=now,
            )
        )
        # Yesterday's withdrawals do not count against today's cap.
        session.add(
            Action(
                account_id=account.id,
                kind=ActionKind.WITHDRAW,
                state=ActionState.DONE,
                not_before=now - timedelta(days=1),
                created_at=now - timedelta(days=1),
                finished_at=now - timedelta(days=1),
            )
        )

    async with db() as session:
        digest = await build_digest(session, account, now=now)

    assert digest.bulk is not None
    assert digest.bulk.count == 40
    assert digest.bulk.plan == (
        (digest.today, 5),
        (digest.today + timedelta(days=1), 29),
        (digest.today + timedelta(days=2), 6),
    )
    assert digest.cooldown_ends == digest.today + timedelta(days=21)


async def test_sql_buckets_agree_with_the_policy_at_every_boundary(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    """The digest counts in SQL; the policy module is the rule. Ages right at each threshold agree."""
    now = clock()
    rng = random.Random(3)
    epsilon = timedelta(seconds=1)
    ages = [
        timedelta(days=d) + delta for d in (0, 30, 60, 90, 365) for delta in (-epsilon, timedelta(0), epsilon)
    ]
    ages += [timedelta(seconds=rng.uniform(0, 400 * 86_400)) for _ in range(60)]
    ages = [age for age in ages if age >= timedelta(0)]
    async with db.begin() as session:
        for i, age in enumerate(ages):
            person = Person(account_id=account.id, slug=f"p{i}", name=f"P {i}", profile_url=f"/in/p{i}/")
            session.add(person)
            await session.flush()
            session.add(
                Invitation(
                    account_id=account.id,
                    person_id=person.id,
                    sent_at_earliest=now - age - timedelta(days=7),
                    sent_at_latest=now - age,
                    first_seen_at=now,
                    last_seen_at=now,
                )
            )

    async with db() as session:
        digest = await build_digest(session, account, now=now, page_size=200)

    thresholds = Thresholds(account.review_days, account.suggest_days, account.withdraw_days)
    expected = {bucket: 0 for bucket in AgeBucket}
    for age in ages:
        expected[age_bucket(age, thresholds)] += 1
    assert {b.bucket: b.count for b in digest.buckets} == expected
    # And the stale list holds exactly the ages the policy calls at least "suggest".
    suggested = sum(
        1 for age in ages if age_bucket(age, thresholds) in (AgeBucket.SUGGEST, AgeBucket.WITHDRAW)
    )
    assert digest.stale_total == suggested == len(digest.stale)
