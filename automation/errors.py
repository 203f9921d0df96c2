"""Typed failures of LinkedIn automation.

    AutomationError
    ├── SessionExpired          the stored session is gone: /login, /authwall or /checkpoint redirect
    ├── CheckpointRequired      login needs a code (email PIN, SMS/app code); carries a way to submit it
    ├── HumanRequired           captcha or app approval: only a person at a visible browser can pass
    ├── AccountRestricted       LinkedIn says the account is restricted
    ├── LayoutChanged           the page does not look like any rendering we know
    ├── InvitationNotFound      no pending invitation to that member on the Sent page
    ├── WithdrawNotVerified     the dialog was confirmed but the readback still shows the row
    ├── InviteBlocked           re-invite inside the ~3-week cooldown after a withdrawal
    ├── WeeklyLimit             the weekly invitation limit is reached
    ├── NoteQuotaExhausted      no personalized notes left this month (free accounts)
    ├── NoteTooLong             the note exceeds the page's counter limit
    └── BadLogin                LinkedIn rejected the email or password

`retryable` says whether trying the same thing later, unchanged, may succeed without a person;
`pauses_account` says whether the account's browser work should stop until a person acts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import ClassVar


class AutomationError(Exception):
    """Base of every failure the automation reports."""

    retryable: ClassVar[bool] = False
    pauses_account: ClassVar[bool] = False

    def __init__(self, message: str, *, trace_path: Path | None = None) -> None:
        super().__init__(message)
        self.trace_path = trace_path


class SessionExpired(AutomationError):
    pauses_account = True


class CheckpointRequired(AutomationError):
    """Login stopped at a code challenge; `submit(code)` continues it in the same browser page.

    `kind` is "email_pin" or "two_step" (SMS or authenticator app).
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        submit: Callable[[str], Awaitable[dict[str, object]]],
        cancel: Callable[[], Awaitable[None]],
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.submit = submit
        self.cancel = cancel


class HumanRequired(AutomationError):
    pauses_account = True


class AccountRestricted(AutomationError):
    pauses_account = True


class LayoutChanged(AutomationError):
    retryable = True


class InvitationNotFound(AutomationError):
    pass


class WithdrawNotVerified(AutomationError):
    retryable = True


class InviteBlocked(AutomationError):
    pass


class WeeklyLimit(AutomationError):
    pauses_account = True


class NoteQuotaExhausted(AutomationError):
    pass


class NoteTooLong(AutomationError):
    def __init__(self, message: str, *, limit: int, length: int) -> None:
        super().__init__(message)
        self.limit = limit
        self.length = length


class BadLogin(AutomationError):
    pass


class NavigationFailed(AutomationError):
    """The page did not load (network error, timeout, server error)."""

    retryable = True
