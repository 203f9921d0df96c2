"""The action worker: outcomes, cap, backoff, friction.

LinkedIn is the worker's counterpart here, not its subject: the in-memory one (tests/fakes/linkedin.py)
over the sandbox's world. Friction met in the middle of an operation is a page's doing and runs in
real Chromium (`chromium_provider`).
"""

import asyncio
import logging
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from automation.client import LinkedInClient
from bot.db.models import (
    Account,
    Action,
    ActionState,
    Event,
    Invitation,
    InvitationState,
    Person,
    Reminder,
    ReminderState,
    SessionStatus,
)
from bot.db.session import SessionFactory
from bot.services.actions import (
    ActionOutcome,
    Result,
    WorkerPolicy,
    request_bulk_withdrawal,
    request_invite,
    request_withdrawal,
    retry,
    run_due_actions,
)
from bot.services.clock import FrozenClock
from bot.services.linkedin import ClientProvider
from bot.services.people import set_keep
from bot.services.secrets import SessionVault
from bot.services.session_health import PauseCause, PauseNotice, adopt_session
from bot.services.sync import sync_account
from sandbox import SandboxServer

UNDO = timedelta(seconds=11)


@pytest.fixture
def linkedin(fake_linkedin: LinkedInClient) -> LinkedInClient:
    return fake_linkedin


@pytest.fixture
def provider(fake_provider: ClientProvider) -> ClientProvider:
    return fake_provider


@pytest.fixture
def clock(sandbox: SandboxServer) -> FrozenClock:
    """The worker's clock, frozen at the sandbox's now so ages and due times share one frame."""
    return FrozenClock(sandbox.state.now())


@pytest.fixture
async def synced(
    db: SessionFactory,
    signed_in_account: Account,
    linkedin: LinkedInClient,
    sandbox: SandboxServer,
    clock: FrozenClock,
) -> dict[str, int]:
    """The sandbox's pending invitations stored by a sync: slug → invitation id, oldest last."""
    sandbox.reset(pending=10)  # a small world keeps each test's sync short
    await sync_account(db, linkedin, signed_in_account.id, clock)
    async with db() as session:
        rows = await session.execute(
            select(Person.slug, Invitation.id)
            .join(Invitation.person)
            .order_by(Invitation.sent_at_latest.desc())
        )
        return dict(rows.all())


async def _invitation(db: SessionFactory, invitation_id: int) -> Invitation:
    async with db() as session:
        return await session.get_one(Invitation, invitation_id)


async def _action(db: SessionFactory, action_id: int) -> Action:
    async with db() as session:
        return await session.get_one(Action, action_id)


async def _set(db: SessionFactory, account_id: int, **values: object) -> None:
    async with db.begin() as session:
        account = await session.get_one(Account, account_id)
        for name, value in values.items():
            setattr(account, name, value)


async def test_withdrawal_runs_after_the_undo_window_and_is_recorded(
    db: SessionFactory,
    signed_in_account: Account,
    synced: dict[str, int],
    provider: ClientProvider,
    sandbox: SandboxServer,
    clock: FrozenClock,
    vault: SessionVault,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    slug = list(synced)[-1]
    action = await request_withdrawal(
        db, signed_in_account.id, synced[slug], now=clock(), requested_by=1001, chat_id=5, message_id=77
    )
    assert await run_due_actions(db, provider, clock) == []  # still inside the undo window
    assert sandbox.state.is_pending(slug)

    clock.advance(UNDO)
    seen: list[ActionOutcome] = []

    async def on_progress(outcome: ActionOutcome) -> None:
        seen.append(outcome)

    outcomes = await run_due_actions(db, provider, clock, on_progress=on_progress)

    assert seen == outcomes
    (outcome,) = outcomes
    assert (outcome.action_id, outcome.result, outcome.state) == (
        action.id,
        Result.WITHDRAWN,
        ActionState.DONE,
    )
    assert (outcome.chat_id, outcome.message_id) == (5, 77)
    assert outcome.person_name == sandbox.state.person(slug).name  # type: ignore[union-attr]
    assert sandbox.state.withdrawn_slugs() == [slug]
    invitation = await _invitation(db, synced[slug])
    assert invitation.state is InvitationState.WITHDRAWN
    assert invitation.withdrawn_at == clock()
    assert invitation.cooldown_ends_at == clock() + timedelta(days=21)
    async with db() as session:
        reminder = (await session.execute(select(Reminder))).scalar_one()
        withdrawn_events = (
            await session.execute(select(Event).where(Event.kind == "invitation_withdrawn"))
        ).scalars()
        assert [e.invitation_id for e in withdrawn_events] == [invitation.id]
    assert (reminder.invitation_id, reminder.due_at, reminder.state) == (
        invitation.id,
        invitation.cooldown_ends_at,
        ReminderState.DUE,
    )
    assert (await _action(db, action.id)).active_key is None
    assert await run_due_actions(db, provider, clock) == []
    async with db() as session:
        state = vault.load_session(await session.get_one(Account, signed_in_account.id))
    assert state is not None
    for cookie in state["cookies"]:  # the whole flow logged no secret
        assert cookie["value"] not in caplog.text


async def test_daily_cap_holds_at_claim_time_and_work_resumes_after_local_midnight(
    db: SessionFactory,
    signed_in_account: Account,
    synced: dict[str, int],
    provider: ClientProvider,
    sandbox: SandboxServer,
    clock: FrozenClock,
) -> None:
    await _set(db, signed_in_account.id, daily_withdraw_cap=4, timezone="America/New_York")
    slugs = list(synced)
    batch_id, plan = await request_bulk_withdrawal(db, signed_in_account.id, 0, 2, 1001, now=clock())
    assert [count for _, count in plan] == [2]
    # Two more asked for singly fit today's cap of 4 when asked for...
    extra = [
        await request_withdrawal(db, signed_in_account.id, synced[slug], now=clock()) for slug in slugs[:2]
    ]
    assert all(a.not_before == clock() + timedelta(seconds=10) for a in extra)
    # ...but the owner lowers the cap before they run: the claim counts again.
    await _set(db, signed_in_account.id, daily_withdraw_cap=2)
    clock.advance(UNDO)

    outcomes = await run_due_actions(db, provider, clock)

    assert [o.result for o in outcomes] == [Result.WITHDRAWN, Result.WITHDRAWN]
    assert outcomes[-1].batch_id == batch_id and (outcomes[-1].batch_done, outcomes[-1].batch_total) == (2, 2)
    assert len(sandbox.state.withdrawn_slugs()) == 2
    waiting = [await _action(db, a.id) for a in extra]
    assert {a.state for a in waiting} == {ActionState.QUEUED}
    midnight = waiting[0].not_before
    assert midnight > clock()
    assert midnight.astimezone(ZoneInfo("America/New_York")).time() == time(0)  # local midnight
    assert midnight == waiting[1].not_before
    async with db() as session:
        deferred = (
            await session.execute(select(Event).where(Event.kind == "withdrawals_deferred"))
        ).scalar_one()
    assert deferred.detail == {"count": 2, "until": midnight.isoformat()}

    clock.now = midnight
    assert [o.result for o in await run_due_actions(db, provider, clock)] == [Result.WITHDRAWN] * 2
    assert len(sandbox.state.withdrawn_slugs()) == 4


async def test_a_request_over_todays_cap_is_planned_for_tomorrow_when_asked(
    db: SessionFactory,
    signed_in_account: Account,
    synced: dict[str, int],
    provider: ClientProvider,
    sandbox: SandboxServer,
    clock: FrozenClock,
) -> None:
    """The plan counts what today already carries, so the confirmation's ETA is the real one."""
    await _set(db, signed_in_account.id, daily_withdraw_cap=2, timezone="America/New_York")
    slugs = list(synced)
    await request_bulk_withdrawal(db, signed_in_account.id, 0, 2, 1001, now=clock())
    extra = await request_withdrawal(db, signed_in_account.id, synced[slugs[0]], now=clock())
    midnight = extra.not_before
    assert midnight > clock()
    assert midnight.astimezone(ZoneInfo("America/New_York")).time() == time(0)
    clock.advance(UNDO)

    assert [o.result for o in await run_due_actions(db, provider, clock)] == [Result.WITHDRAWN] * 2
    assert (await _action(db, extra.id)).not_before == midnight  # not moved: it was planned right
    clock.now = midnight
    assert [o.result for o in await run_due_actions(db, provider, clock)] == [Result.WITHDRAWN]


async def test_transient_failure_backs_off_then_fails_and_retry_succeeds(
    db: SessionFactory,
    signed_in_account: Account,
    synced: dict[str, int],
    provider: ClientProvider,
    sandbox: SandboxServer,
    clock: FrozenClock,
) -> None:
    slug = list(synced)[-1]
    policy = WorkerPolicy(max_attempts=2, backoff_base=timedelta(minutes=1))
    action = await request_withdrawal(db, signed_in_account.id, synced[slug], now=clock())
    sandbox.set_faults(withdraw_holds=False)  # the page says it worked; a reload shows it did not
    clock.advance(UNDO)

    (first,) = await run_due_actions(db, provider, clock, policy=policy)
    assert (first.result, first.error_kind) == (Result.RETRYING, "WithdrawNotVerified")
    assert first.not_before == clock() + timedelta(minutes=1)
    assert (await _invitation(db, synced[slug])).state is InvitationState.PENDING
    clock.advance(timedelta(seconds=30))
    assert await run_due_actions(db, provider, clock, policy=policy) == []  # backing off

    clock.advance(timedelta(seconds=30))
    (second,) = await run_due_actions(db, provider, clock, policy=policy)
    assert (second.result, second.state) == (Result.FAILED, ActionState.FAILED)
    assert sandbox.state.is_pending(slug)
    assert (await _invitation(db, synced[slug])).state is InvitationState.PENDING  # never marked withdrawn

    sandbox.set_faults(withdraw_holds=True)
    await retry(db, action.id, by_user=None, now=clock())
    (third,) = await run_due_actions(db, provider, clock, policy=policy)
    assert third.result is Result.WITHDRAWN
    assert sandbox.state.withdrawn_slugs() == [slug]


async def test_expired_session_pauses_the_account_and_keeps_the_work(
    db: SessionFactory,
    signed_in_account: Account,
    synced: dict[str, int],
    provider: ClientProvider,
    sandbox: SandboxServer,
    clock: FrozenClock,
) -> None:
    slugs = list(synced)[-2:]
    actions = [await request_withdrawal(db, signed_in_account.id, synced[s], now=clock()) for s in slugs]
    sandbox.set_faults(expire_sessions=True)
    clock.advance(UNDO)

    (outcome,) = await run_due_actions(db, provider, clock)

    assert (outcome.result, outcome.error_kind, outcome.state) == (
        Result.PAUSED,
        "SessionExpired",
        ActionState.QUEUED,
    )
    async with db() as session:
        account = await session.get_one(Account, signed_in_account.id)
    assert (account.paused, account.paused_reason, account.session_status) == (
        True,
        "session_expired",
        SessionStatus.EXPIRED,
    )
    for action in actions:
        stored = await _action(db, action.id)
        assert (stored.state, stored.attempts) == (ActionState.QUEUED, 0)
    assert await run_due_actions(db, provider, clock) == []  # paused: nothing is tried
    assert sandbox.state.withdrawn_slugs() == []


async def test_weekly_limit_pauses_the_account(
    db: SessionFactory,
    signed_in_account: Account,
    synced: dict[str, int],
    provider: ClientProvider,
    sandbox: SandboxServer,
    clock: FrozenClock,
) -> None:
    stranger = sandbox.state.strangers(1)[0]
    async with db.begin() as session:
        person = Person(
            account_id=signed_in_account.id,
            slug=stranger.slug,
            name=stranger.name,
            profile_url=f"/in/{stranger.slug}/",
        )
        session.add(person)
    action = await request_invite(db, signed_in_account.id, person.id, None, now=clock())
    sandbox.set_faults(weekly_limit=True)
    clock.advance(UNDO)

    (outcome,) = await run_due_actions(db, provider, clock)

    assert (outcome.result, outcome.error_kind) == (Result.PAUSED, "WeeklyLimit")
    assert (await _action(db, action.id)).state is ActionState.QUEUED
    async with db() as session:
        account = await session.get_one(Account, signed_in_account.id)
    assert (account.paused, account.paused_reason) == (True, PauseCause.WEEKLY_LIMIT)
    assert account.session_status is SessionStatus.VALID


async def test_accepted_before_withdrawal_is_not_a_failure(
    db: SessionFactory,
    signed_in_account: Account,
    synced: dict[str, int],
    provider: ClientProvider,
    sandbox: SandboxServer,
    clock: FrozenClock,
) -> None:
    accepted, withdrawn_elsewhere = list(synced)[-2:]
    for slug in (accepted, withdrawn_elsewhere):
        await request_withdrawal(db, signed_in_account.id, synced[slug], now=clock())
    sandbox.state.accept(accepted)
    sandbox.state.withdraw(withdrawn_elsewhere)
    clock.advance(UNDO)

    outcomes = {o.person_name: o for o in await run_due_actions(db, provider, clock)}

    got_accepted = outcomes[sandbox.state.person(accepted).name]  # type: ignore[union-attr]
    got_elsewhere = outcomes[sandbox.state.person(withdrawn_elsewhere).name]  # type: ignore[union-attr]
    assert (got_accepted.result, got_accepted.state) == (Result.ACCEPTED, ActionState.CANCELLED)
    assert (got_elsewhere.result, got_elsewhere.state) == (Result.ALREADY_WITHDRAWN, ActionState.DONE)
    assert (await _invitation(db, synced[accepted])).state is InvitationState.ACCEPTED
    assert (await _invitation(db, synced[withdrawn_elsewhere])).state is InvitationState.WITHDRAWN
    assert sandbox.state.withdrawn_slugs() == [withdrawn_elsewhere]  # we clicked nothing


async def test_reinvite_after_the_cooldown_records_an_exact_invitation(
    db: SessionFactory,
    signed_in_account: Account,
    synced: dict[str, int],
    provider: ClientProvider,
    sandbox: SandboxServer,
    clock: FrozenClock,
) -> None:
    slug = list(synced)[-1]
    await request_withdrawal(db, signed_in_account.id, synced[slug], now=clock())
    clock.advance(UNDO)
    await run_due_actions(db, provider, clock)

    sandbox.advance_clock(timedelta(days=22))
    clock.advance(timedelta(days=22))
    async with db() as session:
        person_id = (await session.execute(select(Person.id).where(Person.slug == slug))).scalar_one()
    invite = await request_invite(db, signed_in_account.id, person_id, "Hi, trying again", now=clock())
    clock.advance(UNDO)

    (outcome,) = await run_due_actions(db, provider, clock)

    assert (outcome.action_id, outcome.result) == (invite.id, Result.INVITED)
    assert sandbox.state.is_pending(slug)
    async with db() as session:
        fresh = (
            await session.execute(
                select(Invitation).where(
                    Invitation.person_id == person_id, Invitation.state == InvitationState.PENDING
                )
            )
        ).scalar_one()
        reminder = (await session.execute(select(Reminder))).scalar_one()
    assert fresh.sent_by_us and fresh.had_note and fresh.note_text == "Hi, trying again"
    assert fresh.sent_at_earliest == fresh.sent_at_latest == clock()
    assert reminder.state is ReminderState.DONE


async def test_overlapping_worker_runs_do_each_withdrawal_once(
    db: SessionFactory,
    signed_in_account: Account,
    synced: dict[str, int],
    provider: ClientProvider,
    sandbox: SandboxServer,
    clock: FrozenClock,
) -> None:
    slugs = list(synced)[-3:]
    for slug in slugs:
        await request_withdrawal(db, signed_in_account.id, synced[slug], now=clock())
    clock.advance(UNDO)

    first, second = await asyncio.gather(
        run_due_actions(db, provider, clock), run_due_actions(db, provider, clock)
    )

    ids = [o.action_id for o in first + second]
    assert len(ids) == len(set(ids)) == 3
    assert {o.result for o in first + second} == {Result.WITHDRAWN}
    assert sorted(sandbox.state.withdrawn_slugs()) == sorted(slugs)
    async with db() as session:
        events = (
            await session.execute(select(Event.invitation_id).where(Event.kind == "invitation_withdrawn"))
        ).all()
    assert len(events) == 3


async def test_session_stored_under_another_key_pauses_instead_of_stranding_the_action(
    db: SessionFactory,
    signed_in_account: Account,
    synced: dict[str, int],
    provider: ClientProvider,
    sandbox: SandboxServer,
    clock: FrozenClock,
) -> None:
    action = await request_withdrawal(db, signed_in_account.id, synced[list(synced)[-1]], now=clock())
    async with db.begin() as session:
        row = await session.get_one(Account, signed_in_account.id)
        another_key = SessionVault(Fernet.generate_key())
        await adopt_session(session, row, another_key, sandbox.storage_state(), clock())
    clock.advance(UNDO)

    (outcome,) = await run_due_actions(db, provider, clock)

    assert (outcome.result, outcome.error_kind) == (Result.PAUSED, "SessionKeyError")
    assert outcome.pause == PauseNotice(PauseCause.SESSION_UNREADABLE)
    stored = await _action(db, action.id)
    assert (stored.state, stored.attempts) == (ActionState.QUEUED, 0)
    assert sandbox.state.withdrawn_slugs() == []
    async with db() as session:
        account = await session.get_one(Account, signed_in_account.id)
    assert (account.paused, account.paused_reason) == (True, PauseCause.SESSION_UNREADABLE)


async def test_invitation_gone_long_ago_is_vanished_and_limit_bounds_a_run(
    db: SessionFactory,
    signed_in_account: Account,
    synced: dict[str, int],
    provider: ClientProvider,
    sandbox: SandboxServer,
    clock: FrozenClock,
) -> None:
    gone, *others = list(synced)[-3:]
    for slug in (gone, *others):
        await request_withdrawal(db, signed_in_account.id, synced[slug], now=clock())
    sandbox.state.withdraw(gone)
    sandbox.advance_clock(timedelta(days=22))  # past LinkedIn's block: the profile is connectable again
    clock.advance(UNDO)

    first = await run_due_actions(db, provider, clock, limit=2)
    rest = await run_due_actions(db, provider, clock)

    assert len(first) == 2 and len(rest) == 1
    results = {o.person_name: o.result for o in first + rest}
    assert results.pop(sandbox.state.person(gone).name) is Result.VANISHED  # type: ignore[union-attr]
    assert set(results.values()) == {Result.WITHDRAWN}
    assert (await _invitation(db, synced[gone])).state is InvitationState.VANISHED


async def test_withdrawal_that_landed_before_a_pause_is_recorded_as_ours(
    db: SessionFactory,
    signed_in_account: Account,
    synced: dict[str, int],
    provider: ClientProvider,
    sandbox: SandboxServer,
    clock: FrozenClock,
) -> None:
    slug = list(synced)[-1]
    action = await request_withdrawal(db, signed_in_account.id, synced[slug], now=clock())
    async with db.begin() as session:
        # As the pause left it: the session expired on the readback after our confirm had landed.
        stored = await session.get_one(Action, action.id)
        stored.error_kind, stored.error = "SessionExpired", "redirected to /login"
    sandbox.state.withdraw(slug)
    clock.advance(UNDO)

    (outcome,) = await run_due_actions(db, provider, clock)

    assert (outcome.result, outcome.state) == (Result.WITHDRAWN, ActionState.DONE)
    async with db() as session:
        event = (
            await session.execute(select(Event).where(Event.kind == "invitation_withdrawn"))
        ).scalar_one()
    assert event.detail["how"] == "recovered"


async def test_a_failing_progress_callback_does_not_stop_the_queue(
    db: SessionFactory,
    signed_in_account: Account,
    synced: dict[str, int],
    provider: ClientProvider,
    sandbox: SandboxServer,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    slugs = list(synced)[-2:]
    for slug in slugs:
        await request_withdrawal(db, signed_in_account.id, synced[slug], now=clock())
    clock.advance(UNDO)

    async def broken_chat(outcome: ActionOutcome) -> None:
        raise RuntimeError("Telegram is down")

    outcomes = await run_due_actions(db, provider, clock, on_progress=broken_chat)

    assert [o.result for o in outcomes] == [Result.WITHDRAWN, Result.WITHDRAWN]
    assert sorted(sandbox.state.withdrawn_slugs()) == sorted(slugs)
    assert "progress callback failed" in caplog.text


async def test_keep_listing_someone_whose_withdrawal_is_queued_cancels_it_when_its_turn_comes(
    db: SessionFactory,
    signed_in_account: Account,
    synced: dict[str, int],
    provider: ClientProvider,
    sandbox: SandboxServer,
    clock: FrozenClock,
) -> None:
    batch_id, plan = await request_bulk_withdrawal(db, signed_in_account.id, 0, 3, 1001, now=clock())
    assert [count for _, count in plan] == [3]
    async with db() as session:
        queued = (
            await session.execute(
                select(Action.id, Person.slug, Person.name)
                .join(Person, Person.id == Action.person_id)
                .where(Action.batch_id == batch_id)
                .order_by(Action.not_before, Action.id)
            )
        ).all()
    kept_id, kept_slug, kept_name = queued[1]
    async with db.begin() as session:
        account = await session.get_one(Account, signed_in_account.id)
        person = (await session.execute(select(Person).where(Person.slug == kept_slug))).scalar_one()
        assert await set_keep(session, account, person, True, clock())
    clock.advance(UNDO)
    seen: list[ActionOutcome] = []

    async def progress(outcome: ActionOutcome) -> None:
        seen.append(outcome)

    outcomes = await run_due_actions(db, provider, clock, on_progress=progress)

    assert [(o.action_id, o.result) for o in outcomes] == [
        (queued[0][0], Result.WITHDRAWN),
        (kept_id, Result.KEPT),
        (queued[2][0], Result.WITHDRAWN),
    ]
    assert seen == outcomes  # the batch's message hears of the skip like of any other outcome
    assert (outcomes[1].person_name, outcomes[1].state, outcomes[1].error_kind) == (
        kept_name,
        ActionState.CANCELLED,
        "Kept",
    )
    assert (outcomes[-1].batch_done, outcomes[-1].batch_total, outcomes[-1].batch_kept) == (3, 3, 1)
    assert sorted(sandbox.state.withdrawn_slugs()) == sorted([queued[0][1], queued[2][1]])
    assert kept_slug in sandbox.state.pending_slugs()
    assert (await _invitation(db, synced[kept_slug])).state is InvitationState.PENDING
    async with db() as session:
        cancelled = (
            await session.execute(
                select(Event).where(Event.kind == "action_cancelled", Event.action_id == kept_id)
            )
        ).scalar_one()
        stored = await session.get_one(Action, kept_id)
    assert cancelled.detail["reason"] == "kept"
    assert stored.active_key is None  # a new request for the person is possible once they leave the list


# What LinkedIn puts in front of a page, met mid-work: the account pauses with the cause, the
# queue stays exactly as it was, and nothing more is tried until the owner acts.
FRICTION_CAUSES = {
    "checkpoint": ("SecurityCheckpoint", PauseCause.CHECKPOINT),
    "captcha": ("CaptchaRequired", PauseCause.CAPTCHA),
    "restricted": ("AccountRestricted", PauseCause.RESTRICTED),
    "unusual_activity": ("UnusualActivity", PauseCause.UNUSUAL_ACTIVITY),
    "weekly_limit": ("WeeklyLimit", PauseCause.WEEKLY_LIMIT),
}


@pytest.mark.browser
@pytest.mark.parametrize("friction", FRICTION_CAUSES)
async def test_friction_pauses_the_account_with_its_cause_and_keeps_the_queue(
    db: SessionFactory,
    signed_in_account: Account,
    synced: dict[str, int],
    chromium_provider: ClientProvider,
    sandbox: SandboxServer,
    clock: FrozenClock,
    friction: str,
) -> None:
    error_kind, cause = FRICTION_CAUSES[friction]
    batch_id, _ = await request_bulk_withdrawal(db, signed_in_account.id, 0, 10, None, now=clock())
    sandbox.set_faults(friction=friction, friction_after=1)  # the Sent page loads; the dialog is stopped
    clock.advance(UNDO)

    outcomes = await run_due_actions(db, chromium_provider, clock)

    assert [(o.result, o.error_kind, o.state) for o in outcomes] == [
        (Result.PAUSED, error_kind, ActionState.QUEUED)
    ]
    assert outcomes[0].pause == PauseNotice(cause)
    async with db() as session:
        account = await session.get_one(Account, signed_in_account.id)
        actions = (await session.scalars(select(Action).where(Action.batch_id == batch_id))).all()
    assert (account.paused, account.paused_reason) == (True, cause)
    assert account.session_status is SessionStatus.VALID  # the session itself is not what failed
    assert [(a.state, a.attempts) for a in actions] == [(ActionState.QUEUED, 0)] * 10
    assert all(a.error_kind in (None, error_kind) for a in actions)
    assert sandbox.state.withdrawn_slugs() == []

    sandbox.set_faults(friction="none")  # even with the page back, a paused account is not tried
    clock.advance(timedelta(hours=1))
    assert await run_due_actions(db, chromium_provider, clock) == []
    assert sandbox.state.withdrawn_slugs() == []


async def test_a_linkedin_in_another_language_pauses_and_names_it(
    db: SessionFactory,
    signed_in_account: Account,
    synced: dict[str, int],
    provider: ClientProvider,
    sandbox: SandboxServer,
    clock: FrozenClock,
) -> None:
    action = await request_withdrawal(db, signed_in_account.id, synced[list(synced)[-1]], now=clock())
    sandbox.state.locale = "it"  # the owner switched LinkedIn to Italian since the last sync
    clock.advance(UNDO)

    (outcome,) = await run_due_actions(db, provider, clock)

    assert (outcome.result, outcome.error_kind) == (Result.PAUSED, "UnsupportedLanguage")
    assert outcome.pause == PauseNotice(PauseCause.UNSUPPORTED_LANGUAGE, language="it")
    stored = await _action(db, action.id)
    assert (stored.state, stored.attempts) == (ActionState.QUEUED, 0)
    async with db() as session:
        account = await session.get_one(Account, signed_in_account.id)
    assert (account.paused, account.paused_reason) == (True, PauseCause.UNSUPPORTED_LANGUAGE)
    assert sandbox.state.withdrawn_slugs() == []
