"""Session health's rules on a real store: pause, resume, adopt a sign-in, forget, tell once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from automation.errors import (
    AccountRestricted,
    AutomationError,
    CaptchaRequired,
    LayoutChanged,
    SecurityCheckpoint,
    SessionExpired,
    UnsupportedLanguage,
    UnusualActivity,
    WeeklyLimit,
)
from bot.db.models import Account, Event, SessionStatus
from bot.db.session import SessionFactory
from bot.services.clock import FrozenClock
from bot.services.secrets import SessionKeyError, SessionVault
from bot.services.session_health import (
    SIGNING_IN_ENDS,
    OwnerPause,
    PauseCause,
    adopt_session,
    claim_pause_notice,
    forget,
    pause,
    pause_by_owner,
    pause_for,
    pauses,
    refresh_session,
    resume,
)

STATE = {"cookies": [{"name": "li_at", "value": "fresh-cookie", "domain": ".linkedin.com", "path": "/"}]}


@pytest.fixture
def vault() -> SessionVault:
    return SessionVault(Fernet.generate_key())


async def _kinds(db: SessionFactory) -> list[str]:
    async with db() as session:
        return list(await session.scalars(select(Event.kind).order_by(Event.id)))


async def test_pause_and_resume_with_reason(db: SessionFactory, account: Account, clock: FrozenClock) -> None:
    async with db.begin() as session:
        stored = await session.get(Account, account.id)
        assert stored is not None
        assert await pause(session, stored, PauseCause.OWNER, clock()) is True
        assert await pause(session, stored, PauseCause.WEEKLY_LIMIT, clock()) is False
    assert (stored.paused, stored.paused_reason, stored.paused_at) == (True, "owner", clock())
    async with db.begin() as session:
        stored = await session.get(Account, account.id)
        assert stored is not None
        assert await resume(session, stored, clock()) is True
        assert await resume(session, stored, clock()) is False
        kinds = (await session.execute(select(Event.kind).order_by(Event.id))).scalars().all()
    assert (stored.paused, stored.paused_reason) == (False, None)
    assert kinds == ["account_paused", "account_resumed"]


@pytest.mark.parametrize("cause", sorted(SIGNING_IN_ENDS))
async def test_a_sign_in_ends_the_pauses_it_cures(
    db: SessionFactory, account: Account, clock: FrozenClock, vault: SessionVault, cause: PauseCause
) -> None:
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        await pause(session, stored, cause, clock())
        stored.session_status = SessionStatus.EXPIRED
        stored.session_notified_at = clock()
    clock.advance(timedelta(hours=1))
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        assert await adopt_session(session, stored, vault, STATE, clock()) is True
    async with db() as session:
        stored = await session.get_one(Account, account.id)
    assert (stored.paused, stored.paused_reason, stored.paused_at) == (False, None, None)
    assert (stored.session_status, stored.session_notified_at) == (SessionStatus.VALID, None)
    assert stored.session_state is not None and b"fresh-cookie" not in stored.session_state
    assert vault.load_session(stored) == STATE
    assert await _kinds(db) == ["account_paused", "session_adopted", "account_resumed"]


@pytest.mark.parametrize("cause", sorted(set(PauseCause) - SIGNING_IN_ENDS))
async def test_a_sign_in_keeps_the_owners_pause_and_those_only_the_owner_can_end(
    db: SessionFactory, account: Account, clock: FrozenClock, vault: SessionVault, cause: PauseCause
) -> None:
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        await pause(session, stored, cause, clock())
        stored.session_notified_at = clock()
    paused_at = clock()
    clock.advance(timedelta(hours=1))
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        assert await adopt_session(session, stored, vault, STATE, clock()) is False
    async with db() as session:
        stored = await session.get_one(Account, account.id)
    assert (stored.paused, stored.paused_reason, stored.paused_at) == (True, cause, paused_at)
    assert (stored.session_status, stored.session_notified_at) == (SessionStatus.VALID, None)
    assert vault.load_session(stored) == STATE
    assert await _kinds(db) == ["account_paused", "session_adopted"]


def test_the_owners_pause_is_never_one_a_sign_in_ends() -> None:
    assert PauseCause.OWNER not in SIGNING_IN_ENDS
    assert {PauseCause.SESSION_EXPIRED, PauseCause.CHECKPOINT, PauseCause.CAPTCHA} <= SIGNING_IN_ENDS


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (SessionExpired("gone"), PauseCause.SESSION_EXPIRED),
        (SessionKeyError("another key"), PauseCause.SESSION_UNREADABLE),
        (SecurityCheckpoint("verify"), PauseCause.CHECKPOINT),
        (CaptchaRequired("captcha"), PauseCause.CAPTCHA),
        (AccountRestricted("restricted"), PauseCause.RESTRICTED),
        (UnusualActivity("unusual"), PauseCause.UNUSUAL_ACTIVITY),
        (WeeklyLimit("limit"), PauseCause.WEEKLY_LIMIT),
        (UnsupportedLanguage("ja_JP", ("en", "nl")), PauseCause.UNSUPPORTED_LANGUAGE),
    ],
)
async def test_an_error_becomes_its_pause_and_an_expired_session_is_marked(
    db: SessionFactory,
    account: Account,
    clock: FrozenClock,
    error: AutomationError | SessionKeyError,
    cause: PauseCause,
) -> None:
    assert pauses(error)
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        stored.session_status = SessionStatus.VALID
        notice = await pause_for(session, stored, error, clock())
    async with db() as session:
        stored = await session.get_one(Account, account.id)
    assert notice.cause is cause
    assert (stored.paused, stored.paused_reason) == (True, cause)
    expected = SessionStatus.EXPIRED if cause is PauseCause.SESSION_EXPIRED else SessionStatus.VALID
    assert stored.session_status is expected
    assert stored.session_notified_at is None  # telling is the caller's
    assert await _kinds(db) == ["account_paused"]


def test_only_errors_that_need_the_owner_pause() -> None:
    assert not pauses(LayoutChanged("new layout"))
    assert not pauses(ValueError("a bug"))


async def test_a_second_error_keeps_the_first_cause_the_owner_was_told(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        await pause_for(session, stored, WeeklyLimit("limit"), clock())
        await pause_for(session, stored, UnusualActivity("unusual"), clock())
    assert stored.paused_reason == PauseCause.WEEKLY_LIMIT
    assert await _kinds(db) == ["account_paused"]


async def test_the_owner_is_told_once_per_pause_and_again_after_resume_or_sign_in(
    db: SessionFactory, account: Account, clock: FrozenClock, vault: SessionVault
) -> None:
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        await pause_for(session, stored, WeeklyLimit("limit"), clock())
        assert claim_pause_notice(stored, clock()) is True
        assert claim_pause_notice(stored, clock()) is False
        await resume(session, stored, clock())
        await pause_for(session, stored, SessionExpired("gone"), clock())
        assert claim_pause_notice(stored, clock()) is True
        await adopt_session(session, stored, vault, STATE, clock())
        await pause_for(session, stored, SessionExpired("gone again"), clock())
        assert claim_pause_notice(stored, clock()) is True


async def test_resume_ends_any_pause_and_re_arms_the_notice(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        await pause_for(session, stored, AccountRestricted("restricted"), clock())
        claim_pause_notice(stored, clock())
        assert await resume(session, stored, clock()) is True
    assert (stored.paused, stored.paused_reason, stored.session_notified_at) == (False, None, None)


async def test_forget_drops_the_session_and_leaves_pauses_alone(
    db: SessionFactory, account: Account, clock: FrozenClock, vault: SessionVault
) -> None:
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        await adopt_session(session, stored, vault, STATE, clock())
        await pause(session, stored, PauseCause.OWNER, clock())
        forget(stored)
    async with db() as session:
        stored = await session.get_one(Account, account.id)
    assert (stored.session_state, stored.session_status) == (None, SessionStatus.NONE)
    assert (stored.paused, stored.paused_reason) == (True, PauseCause.OWNER)


async def test_rotated_cookies_are_kept_only_for_a_valid_session(
    db: SessionFactory, account: Account, clock: FrozenClock, vault: SessionVault
) -> None:
    rotated = {"cookies": [{**STATE["cookies"][0], "value": "rotated"}]}
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        await adopt_session(session, stored, vault, STATE, clock())
        await pause(session, stored, PauseCause.WEEKLY_LIMIT, clock())
        claim_pause_notice(stored, clock())
        refresh_session(stored, vault, rotated)
    # Nothing but the cookies: the pause and its notice stay as they were.
    assert vault.load_session(stored) == rotated
    assert (stored.paused, stored.session_notified_at) == (True, clock())
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        await pause_for(session, stored, SessionExpired("gone"), clock())
        refresh_session(stored, vault, STATE)
    assert vault.load_session(stored) == rotated
    assert stored.session_status is SessionStatus.EXPIRED


@pytest.mark.parametrize("cause", sorted(SIGNING_IN_ENDS))
async def test_the_owners_pause_takes_over_one_a_sign_in_ends_and_outlasts_the_sign_in(
    db: SessionFactory, account: Account, clock: FrozenClock, vault: SessionVault, cause: PauseCause
) -> None:
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        await pause(session, stored, cause, clock())
    paused_at = clock()
    clock.advance(timedelta(minutes=5))
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        assert await pause_by_owner(session, stored, clock()) == OwnerPause(True, sign_in_cause=cause)
        assert await pause_by_owner(session, stored, clock()) == OwnerPause(False)  # already the owner's
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        assert await adopt_session(session, stored, vault, STATE, clock()) is False
    async with db() as session:
        stored = await session.get_one(Account, account.id)
    assert (stored.paused, stored.paused_reason, stored.paused_at) == (True, PauseCause.OWNER, paused_at)
    assert await _kinds(db) == ["account_paused", "account_paused", "session_adopted"]
    async with db.begin() as session:
        assert await resume(session, await session.get_one(Account, account.id), clock()) is True


@pytest.mark.parametrize("cause", sorted(set(PauseCause) - SIGNING_IN_ENDS))
async def test_the_owners_pause_leaves_one_only_resume_ends_as_it_is(
    db: SessionFactory, account: Account, clock: FrozenClock, cause: PauseCause
) -> None:
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        await pause(session, stored, cause, clock())
        assert await pause_by_owner(session, stored, clock()) == OwnerPause(False)
    assert (stored.paused, stored.paused_reason) == (True, cause)
    assert await _kinds(db) == ["account_paused"]


async def test_the_owners_pause_of_a_running_account(
    db: SessionFactory, account: Account, clock: FrozenClock
) -> None:
    async with db.begin() as session:
        stored = await session.get_one(Account, account.id)
        assert await pause_by_owner(session, stored, clock()) == OwnerPause(True)
    assert (stored.paused, stored.paused_reason, stored.paused_at) == (True, PauseCause.OWNER, clock())
