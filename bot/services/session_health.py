"""Session health: the one owner of an account's LinkedIn session and of pausing its browser work.

Four acts change them, each with one rule:

- `pause(account, cause)`: browser work stops (the worker and the syncs skip the account; queued
  work waits unchanged) until the cause is dealt with. The owner's /pause (or `invitesweep pause`)
  is `pause_by_owner`: `PauseCause.OWNER`, which also takes over a pause a sign-in would end, so
  the owner's pause outlasts the sign-in. An automation error that `pauses_account` becomes a
  pause through `pause_for`, the one place that turns an error into its `PauseCause` (used by
  the worker, the client provider and `bot.delivery.chat.pause_for_error`, which the jobs' syncs
  go through).
- `adopt_session(account, storage_state)`: a new sign-in, whichever way it came (the bot's
  /login, `invitesweep login`, `run --sandbox`, the demo). The session is stored encrypted and
  marked valid, and the pauses a sign-in cures (`SIGNING_IN_ENDS`) end; every other pause, the
  owner's above all, stays until /resume.
- `forget(account)`: sign out (/logout); browser work then waits for a new sign-in.
- `resume(account)`: the owner's /resume (or `invitesweep resume`) ends any pause.

Ending a pause (resume, or a sign-in that cures it) announces the account's work
(`wakeups.notify_work`, sent when the caller commits), so waiting workers run its queue at once.

A pause's cause is a `PauseCause` and nothing else: it is stored as the account's `paused_reason`
and picks what the owner is told (templates `_pause` and `control/paused_by_error`). Values older
versions stored (error class names such as "SessionExpired") are rewritten by migration 0004.
The owner is told once per pause, not once per job: whoever tells first `claim_pause_notice`s;
a new sign-in and /resume re-arm the notice. Every function takes the caller's session and leaves
committing to it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import TypeGuard

from sqlalchemy.ext.asyncio import AsyncSession

from automation.errors import (
    AccountRestricted,
    AutomationError,
    HumanRequired,
    SecurityCheckpoint,
    SessionExpired,
    UnsupportedLanguage,
    UnusualActivity,
    WeeklyLimit,
)
from bot.db.models import Account, SessionStatus
from bot.services.events import record_event
from bot.services.profile_context import forget_owner_context
from bot.services.secrets import SessionKeyError, SessionVault, StorageState
from bot.services.wakeups import notify_work


class PauseCause(enum.StrEnum):
    """Why an account's browser work is paused (its `paused_reason`)."""

    OWNER = "owner"  # /pause
    SESSION_EXPIRED = "session_expired"  # sign in again
    SESSION_UNREADABLE = "session_unreadable"  # the stored session does not open with this key: sign in again
    CHECKPOINT = "checkpoint"  # LinkedIn wants to verify the member: sign in again
    CAPTCHA = "captcha"  # only a person at a visible browser gets past it
    RESTRICTED = "restricted"  # LinkedIn restricted the account
    UNUSUAL_ACTIVITY = "unusual_activity"  # LinkedIn warned of unusual activity
    WEEKLY_LIMIT = "weekly_limit"  # the weekly invitation limit is reached
    UNSUPPORTED_LANGUAGE = "unsupported_language"  # LinkedIn is set to a language we cannot read
    LINKEDIN = "linkedin"  # any other refusal that needs the owner

    @classmethod
    def of(cls, error: AutomationError | SessionKeyError) -> PauseCause:
        """The cause a pausing error stands for."""
        if isinstance(error, SessionKeyError):
            return cls.SESSION_UNREADABLE
        if isinstance(error, SessionExpired):
            return cls.SESSION_EXPIRED
        if isinstance(error, SecurityCheckpoint):
            return cls.CHECKPOINT
        if isinstance(error, HumanRequired):
            return cls.CAPTCHA
        if isinstance(error, AccountRestricted):
            return cls.RESTRICTED
        if isinstance(error, UnusualActivity):
            return cls.UNUSUAL_ACTIVITY
        if isinstance(error, WeeklyLimit):
            return cls.WEEKLY_LIMIT
        if isinstance(error, UnsupportedLanguage):
            return cls.UNSUPPORTED_LANGUAGE
        return cls.LINKEDIN


SIGNING_IN_ENDS = frozenset(
    {PauseCause.SESSION_EXPIRED, PauseCause.SESSION_UNREADABLE, PauseCause.CHECKPOINT, PauseCause.CAPTCHA}
)
"""Pauses a new sign-in ends by itself (the others wait for the owner's /resume)."""


@dataclass(frozen=True)
class PauseNotice:
    """What the owner is told about a pause: its cause, and the language LinkedIn shows if that is it."""

    cause: PauseCause
    language: str | None = None

    @classmethod
    def of(cls, error: AutomationError | SessionKeyError) -> PauseNotice:
        return cls(PauseCause.of(error), error.language if isinstance(error, UnsupportedLanguage) else None)


def pauses(error: BaseException) -> TypeGuard[AutomationError | SessionKeyError]:
    """True if `error` needs the owner: browser work for the account stops until they act."""
    return isinstance(error, SessionKeyError) or (isinstance(error, AutomationError) and error.pauses_account)


async def pause(session: AsyncSession, account: Account, cause: PauseCause, now: datetime) -> bool:
    """Stop the account's browser work until the cause is dealt with; False if it was already paused.

    An account already paused keeps its first cause: that is the one its owner was told about.
    """
    if account.paused:
        return False
    account.paused = True
    account.paused_reason = cause
    account.paused_at = now
    record_event(session, account_id=account.id, kind="account_paused", at=now, reason=cause)
    return True


@dataclass(frozen=True)
class OwnerPause:
    """What the owner's /pause did."""

    changed: bool  # False: already paused by the owner, or for a cause only /resume ends
    sign_in_cause: PauseCause | None = None  # the pause it took over, which a sign-in alone would have ended


async def pause_by_owner(session: AsyncSession, account: Account, now: datetime) -> OwnerPause:
    """The owner's /pause: browser work stops until their /resume, whatever a sign-in does meanwhile.

    Paused already for a cause a sign-in ends (an expired session), the pause becomes the owner's:
    after signing in again it stays until /resume. The account keeps its `paused_at` and its
    session state, and the notice of the first cause is not repeated.
    """
    cause = account.paused_reason
    if not account.paused or cause not in SIGNING_IN_ENDS:
        return OwnerPause(await pause(session, account, PauseCause.OWNER, now))
    account.paused_reason = PauseCause.OWNER
    record_event(
        session,
        account_id=account.id,
        kind="account_paused",
        at=now,
        reason=PauseCause.OWNER,
        previous_reason=cause,
    )
    return OwnerPause(True, sign_in_cause=PauseCause(cause))


async def pause_for(
    session: AsyncSession, account: Account, error: AutomationError | SessionKeyError, now: datetime
) -> PauseNotice:
    """Pause the account for a pausing `error` (see `pauses`); what its owner is to be told.

    An expired session is also marked EXPIRED, so nothing tries it until a new sign-in. Telling is
    the caller's: `claim_pause_notice` says whether the owner still has to hear of this pause.
    """
    notice = PauseNotice.of(error)
    if notice.cause is PauseCause.SESSION_EXPIRED:
        account.session_status = SessionStatus.EXPIRED
    await pause(session, account, notice.cause, now)
    return notice


async def resume(session: AsyncSession, account: Account, now: datetime) -> bool:
    """The owner's /resume: let browser work run again, whatever paused it; False if not paused."""
    account.session_notified_at = None  # the owner acted: a later pause is told again
    return await _unpause(session, account, now)


async def adopt_session(
    session: AsyncSession, account: Account, vault: SessionVault, storage_state: StorageState, now: datetime
) -> bool:
    """A new sign-in: keep `storage_state` encrypted, mark it valid, end the pauses a sign-in ends.

    True if a pause ended. The owner's own pause (and any other a sign-in cannot cure) stays.
    """
    account.session_state = vault.encrypt(storage_state)
    account.session_status = SessionStatus.VALID
    account.session_notified_at = None
    forget_owner_context(account)  # the sign-in may be another member's: read their profile anew
    record_event(session, account_id=account.id, kind="session_adopted", at=now)
    if account.paused and account.paused_reason in SIGNING_IN_ENDS:
        return await _unpause(session, account, now)
    return False


def refresh_session(account: Account, vault: SessionVault, storage_state: StorageState) -> None:
    """Keep the cookies LinkedIn rotated during browser work, if the session is still believed valid.

    Storing an expired session's cookies would mark it valid behind the owner's back, so those are
    dropped; nothing else about the account changes.
    """
    if account.session_status is SessionStatus.VALID:
        account.session_state = vault.encrypt(storage_state)


def forget(account: Account) -> None:
    """Sign out (/logout): drop the stored session; browser work then waits for a new sign-in."""
    account.session_state = None
    account.session_status = SessionStatus.NONE
    account.session_notified_at = None


def claim_pause_notice(account: Account, now: datetime) -> bool:
    """True the first time this is asked during a pause (then tell the owner); False after."""
    if account.session_notified_at is not None:
        return False
    account.session_notified_at = now
    return True


async def _unpause(session: AsyncSession, account: Account, now: datetime) -> bool:
    if not account.paused:
        return False
    previous = account.paused_reason
    account.paused = False
    account.paused_reason = None
    account.paused_at = None
    record_event(session, account_id=account.id, kind="account_resumed", at=now, previous_reason=previous)
    # Its queued work may run again: wake the workers (at commit) rather than leave it to their poll.
    await notify_work(session, account.id)
    return True
