"""The queue keeps the account's rhythm: requests, plans, the digest and the claim gate agree."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from bot.db.models import Account, Action, ActionState, Event
from bot.db.session import SessionFactory
from bot.services.actions import claim_next_action, request_bulk_withdrawal, request_withdrawal
from bot.services.actions.transitions import Result, finish
from bot.services.digest import build_digest
from bot.services.rhythm import WEEKDAYS, Load, account_rhythm, min_gap, plan_by_day, schedule
from tests.services.store_seed import add_pending

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TUESDAY_TEN = datetime(2026, 11, 24, 10, 0, tzinfo=AMSTERDAM).astimezone(UTC)
PRODUCT_DEFAULTS = {
    "active_weekdays": WEEKDAYS,
    "active_from_hour": 9,
    "active_until_hour": 18,
    "spread_work": True,
}


async def _defaults(db: SessionFactory, account_id: int, timezone: str = "Europe/Amsterdam") -> Account:
    async with db.begin() as session:
        account = await session.get_one(Account, account_id)
        for name, value in {**PRODUCT_DEFAULTS, "timezone": timezone}.items():
            setattr(account, name, value)
    return account


async def _queued(db: SessionFactory) -> list[Action]:
    async with db() as session:
        query = (
            select(Action).where(Action.state == ActionState.QUEUED).order_by(Action.not_before, Action.id)
        )
        return list((await session.execute(query)).scalars())


def _local(instant: datetime, zone: ZoneInfo = AMSTERDAM) -> datetime:
    return instant.astimezone(zone)


def _in_hours(instant: datetime, zone: ZoneInfo = AMSTERDAM) -> bool:
    local = _local(instant, zone)
    return local.weekday() < 5 and 9 <= local.hour < 18


async def test_75_withdrawals_follow_the_digests_plan_inside_working_hours(
    db: SessionFactory, account: Account
) -> None:
    stored = await _defaults(db, account.id)
    for n in range(75):
        await add_pending(db, account.id, f"old-{n}", now=TUESDAY_TEN, age_days=100 + n)
    async with db() as session:
        digest = await build_digest(session, stored, now=TUESDAY_TEN)
    assert digest.bulk is not None

    _, plan = await request_bulk_withdrawal(db, account.id, 90, 200, 1001, now=TUESDAY_TEN)

    assert list(digest.bulk.plan) == plan  # what the digest offered is what was queued
    expected = schedule(
        account_rhythm(stored), TUESDAY_TEN, 75, Load(), earliest=TUESDAY_TEN + timedelta(seconds=10)
    )
    queued = await _queued(db)
    assert [a.not_before for a in queued] == expected  # the one schedule, not a copy of it
    assert plan == plan_by_day(expected, "Europe/Amsterdam")
    assert [day for day, _ in plan] == [date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 26)]
    assert all(_in_hours(a.not_before) for a in queued)
    assert not any(a.not_before.hour == 23 for a in queued)  # no more local-midnight batches
    assert queued[0].not_before == TUESDAY_TEN + timedelta(seconds=10)  # the first runs after Undo
    gaps = [b.not_before - a.not_before for a, b in zip(queued, queued[1:], strict=False)]
    assert min(gaps) >= min_gap(account_rhythm(stored), date(2026, 11, 24))


async def test_a_tap_on_friday_evening_is_queued_for_monday_morning(
    db: SessionFactory, account: Account
) -> None:
    new_york = ZoneInfo("America/New_York")
    await _defaults(db, account.id, timezone="America/New_York")
    friday_evening = datetime(2026, 11, 27, 20, 0, tzinfo=new_york).astimezone(UTC)
    invitation = await add_pending(db, account.id, "jane-doe", now=friday_evening, age_days=95)

    action = await request_withdrawal(db, account.id, invitation, now=friday_evening)

    assert _local(action.not_before, new_york).date() == date(2026, 11, 30)
    assert _in_hours(action.not_before, new_york)
    assert await claim_next_action(db, friday_evening + timedelta(hours=1)) is None


async def test_the_claim_gate_holds_work_outside_active_hours_and_moves_it_to_its_moment(
    db: SessionFactory, account: Account
) -> None:
    stored = await _defaults(db, account.id)
    invitation = await add_pending(db, account.id, "jane-doe", now=TUESDAY_TEN, age_days=95)
    action = await request_withdrawal(db, account.id, invitation, now=TUESDAY_TEN)
    saturday = datetime(2026, 11, 28, 11, 0, tzinfo=AMSTERDAM).astimezone(UTC)
    async with db.begin() as session:  # it was due before the weekend (the bot was down)
        await session.execute(
            update(Action).where(Action.id == action.id).values(not_before=saturday - timedelta(days=1))
        )

    assert await claim_next_action(db, saturday) is None

    (moved,) = await _queued(db)
    assert moved.not_before == schedule(account_rhythm(stored), saturday, 1)[0]
    assert _local(moved.not_before).date() == date(2026, 11, 30) and _in_hours(moved.not_before)
    async with db() as session:
        event = (
            await session.execute(select(Event).where(Event.kind == "withdrawals_deferred"))
        ).scalar_one()
    assert event.detail == {"count": 1, "until": moved.not_before.isoformat()}
    claimed = await claim_next_action(db, moved.not_before)
    assert claimed is not None and claimed.action_id == action.id


async def test_overdue_work_after_downtime_runs_one_at_a_time_spread_again(
    db: SessionFactory, account: Account
) -> None:
    stored = await _defaults(db, account.id)
    ids = [await add_pending(db, account.id, f"old-{n}", now=TUESDAY_TEN, age_days=100 + n) for n in range(3)]
    for invitation in ids:
        await request_withdrawal(db, account.id, invitation, now=TUESDAY_TEN)
    noon = TUESDAY_TEN + timedelta(hours=2)
    async with db.begin() as session:  # all three fell due while the bot was down
        await session.execute(update(Action).values(not_before=TUESDAY_TEN))

    first = await claim_next_action(db, noon)
    assert first is not None
    async with db.begin() as session:
        await finish(session, await session.get_one(Action, first.action_id), Result.WITHDRAWN, noon)

    assert await claim_next_action(db, noon + timedelta(seconds=30)) is None  # not back to back

    later = await _queued(db)
    assert len(later) == 2
    gap = min_gap(account_rhythm(stored), date(2026, 11, 24))
    assert later[0].not_before - noon >= gap
    assert later[1].not_before - later[0].not_before >= gap
    assert all(_in_hours(a.not_before) for a in later)
    second = await claim_next_action(db, later[0].not_before)
    assert second is not None and second.action_id == later[0].id
