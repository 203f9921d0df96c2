"""`LinkedInClient`: the few LinkedIn operations the services call, over one browser context.

This file is the contract between `bot.services` and the automation. Signatures are fixed;
bodies are filled in by the automation work (see automation/pages/ for the page objects).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.async_api import Browser

from automation.config import AutomationConfig
from automation.types import InviteResult, Profile, SentList, WithdrawResult

ProgressCallback = Callable[[int, int | None], None]
"""Called with (rows loaded so far, the pill's total or None) while the Sent list loads."""

StorageState = dict[str, Any]
"""Playwright's storage_state: cookies and origins. Secret: never log it."""


class LinkedInClient:
    """One LinkedIn identity in one isolated browser context.

    Use as `async with LinkedInClient(browser, config, storage_state) as client: ...`.
    Every navigation checks for /login, /authwall and /checkpoint/ and raises `SessionExpired`.
    Pacing (randomized pauses between actions, `config.pacing`) happens inside the client.
    """

    def __init__(
        self,
        browser: Browser,
        config: AutomationConfig,
        storage_state: StorageState | None = None,
    ) -> None:
        self.browser = browser
        self.config = config
        self._initial_state = storage_state

    async def __aenter__(self) -> LinkedInClient:
        raise NotImplementedError

    async def __aexit__(self, *exc_info: object) -> None:
        raise NotImplementedError

    async def check_session(self) -> None:
        """Raise `SessionExpired` unless the stored session still opens the Sent page."""
        raise NotImplementedError

    async def list_sent(self, *, on_progress: ProgressCallback | None = None) -> SentList:
        """Every pending sent invitation (all rows loaded), newest first, and the pill count."""
        raise NotImplementedError

    async def withdraw(self, slug: str, *, name: str | None = None) -> WithdrawResult:
        """Withdraw the pending invitation to `slug`, verified by readback.

        Raises `InvitationNotFound` when no row for `slug` is pending (already withdrawn,
        accepted, or never sent) and `WithdrawNotVerified` when the row survives the confirm.
        """
        raise NotImplementedError

    async def profile(self, slug: str) -> Profile:
        """Name, headline and our relationship state, from the member's profile top card."""
        raise NotImplementedError

    async def invite(self, slug: str, note: str | None) -> InviteResult:
        """Send a connection invitation (with `note` if given), verified as Pending.

        Raises `InviteBlocked`, `WeeklyLimit`, `NoteQuotaExhausted`, `NoteTooLong`.
        """
        raise NotImplementedError

    async def login(self, email: str, password: str) -> StorageState:
        """Sign in with credentials; returns the new storage_state.

        Raises `CheckpointRequired` (whose `submit(code)` finishes the login and returns the
        storage_state), `HumanRequired` (captcha/app approval) or `BadLogin`.
        """
        raise NotImplementedError

    async def login_with_cookie(self, li_at: str) -> StorageState:
        """Adopt a session from the user's `li_at` cookie; raises `SessionExpired` if it is not valid."""
        raise NotImplementedError

    async def storage_state(self) -> StorageState:
        """The context's current storage_state (to persist, encrypted, after login)."""
        raise NotImplementedError
