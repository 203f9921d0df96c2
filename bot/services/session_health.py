"""What happens when LinkedIn work fails in a way only the owner can fix.

An error that `pauses_account` (an expired session, a checkpoint or captcha, a restriction, an
"unusual activity" warning, the weekly limit, a LinkedIn in a language we cannot read) pauses the
account's browser work, so the worker and the syncs stop trying; queued work waits unchanged.
The pause has one `PauseCause`, stored as the account's `paused_reason`, which also picks what the
owner is told to do. The owner is told once per pause, not once per job: `pause_for` and
`claim_pause_notice` say whether this call is the one that should tell. A new login
(`SessionVault.store_session`) or `/resume` (`clear_notice`) re-arms the notice.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

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
from bot.services.accounts import pause_account


class PauseCause(enum.StrEnum):
    """Why an account's browser work is paused (its `paused_reason`)."""

    OWNER = "owner"  # /pause
    SESSION_EXPIRED = "session_expired"  # sign in again
    CHECKPOINT = "checkpoint"  # LinkedIn wants to verify the member: sign in again
    CAPTCHA = "captcha"  # only a person at a visible browser gets past it
    RESTRICTED = "restricted"  # LinkedIn restricted the account
    UNUSUAL_ACTIVITY = "unusual_activity"  # LinkedIn warned of unusual activity
    WEEKLY_LIMIT = "weekly_limit"  # the weekly invitation limit is reached
    UNSUPPORTED_LANGUAGE = "unsupported_language"  # LinkedIn is set to a language we cannot read
    LINKEDIN = "linkedin"  # any other refusal that needs the owner

    @classmethod
    def of(cls, error: AutomationError) -> PauseCause:
        """The cause a pausing automation error stands for."""
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


SIGNING_IN_ENDS = frozenset({PauseCause.SESSION_EXPIRED, PauseCause.CHECKPOINT, PauseCause.CAPTCHA})
"""Pauses a new sign-in ends by itself (the others wait for the owner's /resume)."""


@dataclass(frozen=True)
class PauseNotice:
    """What the owner is told about a pause: its cause, and the language LinkedIn shows if that is it."""

    cause: PauseCause
    language: str | None = None

    @classmethod
    def of(cls, error: AutomationError) -> PauseNotice:
        return cls(PauseCause.of(error), error.language if isinstance(error, UnsupportedLanguage) else None)


async def pause_for(session: AsyncSession, account: Account, error: AutomationError, now: datetime) -> bool:
    """Pause the account for `error`; True when the owner has not been told yet (tell them now)."""
    if isinstance(error, SessionExpired):
        account.session_status = SessionStatus.EXPIRED
    await pause_account(session, account, PauseCause.of(error), now)
    return claim_pause_notice(account, now)


def clear_notice(account: Account) -> None:
    """The owner acted (resumed); the next pause should be told again."""
    account.session_notified_at = None


def claim_pause_notice(account: Account, now: datetime) -> bool:
    """True the first time this is asked during a pause (then tell the owner); False after."""
    if account.session_notified_at is not None:
        return False
    account.session_notified_at = now
    return True


def forget_session(account: Account) -> None:
    """Drop the stored LinkedIn session (/logout); browser work then waits for a new login."""
    account.session_state = None
    account.session_status = SessionStatus.NONE
    account.session_notified_at = None
