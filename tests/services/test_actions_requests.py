"""Requesting queue work: idempotent per target, undo window, refusals, bulk plans, overview."""

import asyncio
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.db.models import Account, Action, ActionKind, ActionState, Event, Invitation, InvitationState, Person
from bot.db.session import SessionFactory
from bot.services.actions import (
    ActionRefused,
    cancel,
    cancel_batch,
    queue_overview,
    request_bulk_withdrawal,
    request_invite,
    request_withdrawal,
    retry,
)
from bot.services.clock import FrozenClock
from tests.services.store_seed import add_pending

OWNER = 1001


async def _actions(db: SessionFactory) -> list[Action]:
    async with db() as session:
        return list((await session.execute(select(Action).order_by(Action.id))).scalars())


async def _set(db: SessionFactory, account_id: int, **values: object) -> None:
    async with db.begin() as session:
        account = await session.get_one(Account, account_id)
        for name, value in values.items():
            setattr(account, name, value)


async def test_second_withdraw_request_returns_the_first_action(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    invitation = await add_pending(db, account.id, "jane-doe", now=clock(), age_days=95)
    first = await request_withdrawal(db, account.id, invitation, now=clock(), requested_by=OWNER)
    second = await request_withdrawal(db, account.id, invitation, now=clock(), requested_by=OWNER)
    assert second.id == first.id
    assert first.state is ActionState.QUEUED
    assert first.active_key == f"withdraw:{invitation}"
    assert first.not_before == clock() + timedelta(seconds=10)  # the undo window
    assert len(await _actions(db)) == 1


async def test_racing_taps_make_one_action(db: SessionFactory, account: Account, clock: FrozenClock) -> None:
    invitation = await add_pending(db, account.id, "jane-doe", now=clock(), age_days=95)
    actions = await asyncio.gather(
        *(request_withdrawal(db, account.id, invitation, now=clock(), requested_by=OWNER) for _ in range(6))
    )
    assert len({a.id for a in actions}) == 1
    assert len(await _actions(db)) == 1


async def test_undo_inside_the_window_then_a_new_request_is_possible(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    invitation = await add_pending(db, account.id, "jane-doe", now=clock(), age_days=95)
    action = await request_withdrawal(db, account.id, invitation, now=clock(), requested_by=OWNER)
    clock.advance(timedelta(seconds=4))

    with pytest.raises(ActionRefused) as stranger:
        await cancel(db, action.id, by_user=666, now=clock())
    assert stranger.value.reason == "not_allowed"
    cancelled = await cancel(db, action.id, by_user=OWNER, now=clock())
    assert (cancelled.state, cancelled.active_key) == (ActionState.CANCELLED, None)
    assert (await cancel(db, action.id, by_user=OWNER, now=clock())).state is ActionState.CANCELLED

    again = await request_withdrawal(db, account.id, invitation, now=clock(), requested_by=OWNER)
    assert again.id != action.id and again.state is ActionState.QUEUED


async def test_undo_is_too_late_once_the_action_runs(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    invitation = await add_pending(db, account.id, "jane-doe", now=clock(), age_days=95)
    action = await request_withdrawal(db, account.id, invitation, now=clock(), requested_by=OWNER)
    async with db.begin() as session:
        (await session.get_one(Action, action.id)).state = ActionState.RUNNING
    with pytest.raises(ActionRefused) as late:
        await cancel(db, action.id, by_user=OWNER, now=clock())
    assert late.value.reason == "too_late"


async def test_refusals(db: SessionFactory, account: Account, clock: FrozenClock) -> None:
    kept = await add_pending(db, account.id, "kept-one", now=clock(), age_days=95, keep=True)
    accepted = await add_pending(
        db, account.id, "accepted-one", now=clock(), age_days=95, state=InvitationState.ACCEPTED
    )
    plain = await add_pending(db, account.id, "plain-one", now=clock(), age_days=95)

    async def reason(invitation_id: int) -> str:
        with pytest.raises(ActionRefused) as refused:
            await request_withdrawal(db, account.id, invitation_id, now=clock())
        return refused.value.reason

    assert await reason(kept) == "kept"
    assert await reason(accepted) == "not_pending"
    assert await reason(9999) == "not_found"
    await _set(db, account.id, paused=True, paused_reason="owner")
    assert await reason(plain) == "account_paused"
    assert await _actions(db) == []


async def test_invite_request_is_idempotent_and_refused_while_pending(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    await add_pending(db, account.id, "gone-one", now=clock(), age_days=120, state=InvitationState.WITHDRAWN)
    await add_pending(db, account.id, "still-pending", now=clock(), age_days=3)
    async with db() as session:
        people = {p.slug: p.id for p in (await session.execute(select(Person))).scalars()}
    first = await request_invite(db, account.id, people["gone-one"], "Hi again", now=clock())
    second = await request_invite(db, account.id, people["gone-one"], "Hi again", now=clock())
    assert first.id == second.id and first.kind is ActionKind.INVITE and first.note == "Hi again"
    with pytest.raises(ActionRefused) as refused:
        await request_invite(db, account.id, people["still-pending"], None, now=clock())
    assert refused.value.reason == "already_pending"


async def test_invite_is_refused_until_the_cooldown_ends(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    invitation_id = await add_pending(
        db, account.id, "just-withdrawn", now=clock(), age_days=100, state=InvitationState.WITHDRAWN
    )
    async with db.begin() as session:
        invitation = await session.get_one(Invitation, invitation_id)
        invitation.cooldown_ends_at = clock() + timedelta(days=3)
        person_id = invitation.person_id
    with pytest.raises(ActionRefused) as refused:
        await request_invite(db, account.id, person_id, None, now=clock())
    assert refused.value.reason == "in_cooldown"
    clock.advance(timedelta(days=3, seconds=1))
    assert (await request_invite(db, account.id, person_id, None, now=clock())).kind is ActionKind.INVITE


async def test_bulk_plan_respects_cap_keep_list_and_work_in_flight(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    # Tuesday 24 Nov 2026, 10:30 in Amsterdam.
    await _set(db, account.id, timezone="Europe/Amsterdam")
    ids = [await add_pending(db, account.id, f"old-{n}", now=clock(), age_days=100 + n) for n in range(75)]
    await add_pending(db, account.id, "too-young", now=clock(), age_days=89.5)
    await add_pending(db, account.id, "kept-old", now=clock(), age_days=300, keep=True)
    single = await request_withdrawal(db, account.id, ids[0], now=clock(), requested_by=OWNER)

    batch_id, plan = await request_bulk_withdrawal(db, account.id, 90, 200, OWNER, now=clock())

    # 74 eligible; the single request already takes one of today's 30.
    assert plan == [(date(2026, 11, 24), 29), (date(2026, 11, 25), 30), (date(2026, 11, 26), 15)]
    batch = [a for a in await _actions(db) if a.batch_id == batch_id]
    assert len(batch) == 74 and single.id not in {a.id for a in batch}
    starts = sorted({a.not_before for a in batch})
    assert starts == [
        clock() + timedelta(seconds=10),
        datetime(2026, 11, 24, 23, 0, tzinfo=clock().tzinfo),  # Amsterdam midnight in UTC
        datetime(2026, 11, 25, 23, 0, tzinfo=clock().tzinfo),
    ]
    # The oldest go first.
    today = [a for a in batch if a.not_before == starts[0]]
    assert {a.invitation_id for a in today} == set(ids[-29:])

    again_id, again = await request_bulk_withdrawal(db, account.id, 90, 200, OWNER, now=clock())
    assert again == [] and again_id != batch_id

    assert await cancel_batch(db, batch_id, by_user=OWNER, now=clock()) == 74
    async with db() as session:
        active = await session.execute(
            select(func.count()).where(Action.state == ActionState.QUEUED, Action.batch_id == batch_id)
        )
        assert active.scalar_one() == 0


async def test_bulk_limits_to_max_n_oldest_first(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    ids = [await add_pending(db, account.id, f"old-{n}", now=clock(), age_days=91 + n) for n in range(5)]
    batch_id, plan = await request_bulk_withdrawal(db, account.id, 90, 2, None, now=clock())
    assert plan == [(date(2026, 11, 24), 2)]
    assert {a.invitation_id for a in await _actions(db)} == {ids[4], ids[3]}
    async with db() as session:
        events = (
            await session.execute(select(Event).where(Event.kind == "bulk_withdrawal_requested"))
        ).scalars()
        (event,) = list(events)
    assert event.detail["batch_id"] == batch_id and event.detail["count"] == 2


async def test_retry_requeues_a_failed_action_and_overview_lists_it(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    invitation = await add_pending(db, account.id, "jane-doe", now=clock(), age_days=95)
    action = await request_withdrawal(db, account.id, invitation, now=clock(), requested_by=OWNER)
    assert (await retry(db, action.id, by_user=OWNER, now=clock())).id == action.id  # still active
    async with db.begin() as session:
        failed = await session.get_one(Action, action.id)
        failed.state, failed.active_key, failed.attempts = ActionState.FAILED, None, 5
        failed.error_kind, failed.finished_at = "LayoutChanged", clock()

    overview = await queue_overview(db, account.id, now=clock())
    assert [i.action_id for i in overview.failed] == [action.id] and overview.active == []
    assert (overview.daily_cap, overview.withdrawals_today, overview.remaining_today) == (30, 0, 30)

    retried = await retry(db, action.id, by_user=OWNER, now=clock())
    assert (retried.state, retried.attempts, retried.error_kind) == (ActionState.QUEUED, 0, None)
    assert retried.active_key == f"withdraw:{invitation}"
    overview = await queue_overview(db, account.id, now=clock())
    assert [i.action_id for i in overview.active] == [action.id]

    await cancel(db, action.id, by_user=OWNER, now=clock())
    with pytest.raises(ActionRefused) as not_failed:
        await retry(db, action.id, by_user=OWNER, now=clock())
    assert not_failed.value.reason == "not_failed"


async def test_another_accounts_active_action_is_not_handed_out(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    invitation = await add_pending(db, account.id, "jane-doe", now=clock(), age_days=95)
    await request_withdrawal(db, account.id, invitation, now=clock())
    async with db.begin() as session:
        other = Account(name="other")
        session.add(other)
    with pytest.raises(ActionRefused) as refused:
        await request_withdrawal(db, other.id, invitation, now=clock())
    assert refused.value.reason == "not_found"
