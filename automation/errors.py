"""Typed failures of LinkedIn automation.

    AutomationError
    ├── SessionExpired          the stored session is gone: /login, /authwall or /checkpoint redirect
    ├── CheckpointRequired      login needs a code (email PIN, SMS/app code); carries a way to submit it
    ├── HumanRequired           captcha or app approval: only a person at a visible browser can pass
    │   ├── SecurityCheckpoint  a signed-in page was stopped at a checkpoint (a code, an app approval)
    │   └── CaptchaRequired     a signed-in page was stopped at a captcha
    ├── AccountRestricted       LinkedIn says the account is restricted
    ├── UnusualActivity         LinkedIn warns of unusual activity on the account
    ├── UnsupportedLanguage     LinkedIn shows its pages in a language the automation cannot read
    ├── LayoutChanged           the page does not look like any rendering we know
    ├── InvitationNotFound      no pending invitation to that member on the Sent page
    ├── WithdrawNotVerified     the dialog was confirmed but the readback still shows the row
    ├── InviteBlocked           re-invite inside the ~3-week cooldown after a withdrawal
    ├── WeeklyLimit             the weekly invitation limit is reached
    ├── NoteQuotaExhausted      no personalized notes left this month (free accounts)
    ├── NoteTooLong             the note exceeds the page's counter limit
    ├── BadLogin                LinkedIn rejected the email or password
    ├── BrowserUnreachable      the remote browser cannot be reached, or the connection was lost
    ├── NoVisibleBrowser        a visible window was asked of a remote browser
    └── ProxyFailed             an account's proxy refused its credentials or cannot be reached

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


class SecurityCheckpoint(HumanRequired):
    """LinkedIn stopped a signed-in page to verify it is the member (a code or an app approval).

    Unlike `CheckpointRequired` (met while signing in, with a way to submit the code) this one
    is met in the middle of work: only a new sign-in by the owner gets past it.
    """


class CaptchaRequired(HumanRequired):
    """LinkedIn put a captcha in front of a signed-in page."""


class AccountRestricted(AutomationError):
    pauses_account = True


class UnusualActivity(AutomationError):
    """LinkedIn warns of unusual activity on the account: going on would look like more of it."""

    pauses_account = True


class UnsupportedLanguage(AutomationError):
    """LinkedIn's pages are in `language`, which the automation has no words for (never guess).

    `supported` lists the languages it reads; the owner can switch LinkedIn to one of them.
    """

    pauses_account = True

    def __init__(self, language: str, supported: tuple[str, ...], *, trace_path: Path | None = None) -> None:
        super().__init__(
            f"LinkedIn shows its pages in {language!r}; the automation reads {', '.join(supported)}",
            trace_path=trace_path,
        )
        self.language = language
        self.supported = supported


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


class NotConnected(AutomationError):
    """LinkedIn offers no message box: the member is not (or no longer) a connection."""


class MessageNotVerified(AutomationError):
    """The message was sent but the conversation, read again, does not show it."""

    retryable = True


class BadLogin(AutomationError):
    pass


class NavigationFailed(AutomationError):
    """The page did not load (network error, timeout, server error)."""

    retryable = True


class BrowserUnreachable(AutomationError):
    """The remote browser (`BROWSER_CDP_URL`/`BROWSER_WS_ENDPOINT`) could not be reached, or the
    connection to it was lost; the next attempt connects again."""

    retryable = True


class NoVisibleBrowser(AutomationError):
    """A visible window was asked of a browser that runs elsewhere: nobody here could see it."""


class ProxyFailed(AutomationError):
    """An account's proxy refused its credentials (HTTP 407) or could not be reached.

    Not retried as is: the same proxy settings fail the same way until someone changes them.
    The page that met it does not know the account; the client names it (`for_account`). The
    message never holds the proxy's credentials.
    """

    def __init__(self, reason: str, *, account: str | None = None, trace_path: Path | None = None) -> None:
        whose = f'the proxy of account "{account}"' if account is not None else "the proxy"
        super().__init__(f"{whose} {reason}", trace_path=trace_path)
        self.reason = reason
        self.account = account

    def for_account(self, account: str) -> ProxyFailed:
        """The same failure, naming the account whose proxy it is."""
        return ProxyFailed(self.reason, account=account, trace_path=self.trace_path)
