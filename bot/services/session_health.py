"""What happens when LinkedIn work fails in a way only the owner can fix.

An error that `pauses_account` (an expired session, a captcha, a restriction, the weekly limit)
pauses the account's browser work, so the worker and the syncs stop trying; the owner is told
once per pause, not once per job: `pause_for` says whether this call is the one that should tell.
A new login (`SessionVault.store_session`) or `/resume` (`clear_notice`) re-arms the notice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from automation.errors import AutomationError, SessionExpired
from bot.db.models import Account, SessionStatus
from bot.services.accounts import pause_account


async def pause_for(session: AsyncSession, account: Account, error: AutomationError, now: datetime) -> bool:
    """Pause the account for `error`; True when the owner has not been told yet (tell them now)."""
    if isinstance(error, SessionExpired):
        account.session_status = SessionStatus.EXPIRED
    await pause_account(session, account, type(error).__name__, now)
    if account.session_notified_at is not None:
        return False
    account.session_notified_at = now
    return True


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
