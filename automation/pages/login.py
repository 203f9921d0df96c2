"""Signing in: the classic and the form-less login form, and the code checkpoints after it."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from automation.config import AutomationConfig
from automation.errors import BadLogin, CheckpointRequired, HumanRequired, LayoutChanged
from automation.pages.common import exactly, first_of, open_url
from automation.pages.friction import APP_APPROVAL, CAPTCHA

# English is measured (reference §5.1, §5.2); the other languages are our best knowledge of LinkedIn's words.
SIGN_IN = exactly("Sign in", "Anmelden", "Inloggen", "S’identifier", "S'identifier", "Iniciar sesión")
SUBMIT_CODE = exactly(
    "Submit", "Verify", "Senden", "Bestätigen", "Verzenden", "Verifiëren", "Valider", "Vérifier", "Envoyer",
    "Enviar", "Verificar",
)  # fmt: skip
FEED = re.compile(r"/feed/?(?:[?#].*)?$")

StorageStateGetter = Callable[[], Awaitable[dict[str, Any]]]


class LoginPage:
    """`/login` and what follows it; raises the typed error for anything but a finished sign-in."""

    def __init__(self, page: Page, config: AutomationConfig) -> None:
        self.page = page
        self.config = config
        # The classic form labels its fields; the 2026 form-less variant has only autocomplete
        # hints, so CSS on those hints backs the labels up (reference §5.1).
        self.email = page.get_by_label(re.compile(r"E-?mail", re.IGNORECASE)).or_(
            page.locator('input[autocomplete="username"], input[name="session_key"], input[type="email"]')
        )
        self.password = page.get_by_label(
            re.compile(r"^Password$|Passwort|Wachtwoord|Mot de passe|Contraseña", re.IGNORECASE)
        ).or_(page.locator('input[autocomplete="current-password"], input[name="session_password"]'))
        self.sign_in_button = page.get_by_role("button", name=SIGN_IN)
        # Checkpoint PIN inputs come with hidden duplicates: only the visible one is real. CSS: the
        # `name="pin"` / one-time-code hints are what every checkpoint variant shares (reference §5.2),
        # while their labels vary by challenge and language.
        self.pin_input = page.locator('input[name="pin"], input[autocomplete="one-time-code"]').filter(
            visible=True
        )
        self.pin_submit = page.get_by_role("button", name=SUBMIT_CODE).filter(visible=True)
        # CSS: these ids are the only thing telling the email-PIN challenge from the two-step one.
        self.email_pin_form = page.locator("form#email-pin-challenge, #input__email_verification_pin")
        # CSS: a captcha frame has no accessible name we could rely on; its src says what it is.
        self.captcha = page.locator('iframe[src*="captcha"]').or_(page.get_by_text(CAPTCHA))
        self.app_approval = page.get_by_text(APP_APPROVAL)
        # Older forms show errors in plain elements without role=alert; their ids/classes are the handle.
        self.error = (
            page.get_by_role("alert")
            .or_(
                page.locator("#error-for-username, #error-for-password, .form__label--error, .alert-content")
            )
            .filter(visible=True)
        )

    async def sign_in(self, email: str, password: str, storage_state: StorageStateGetter) -> None:
        """Fill the form and submit; returns only when the browser reached the feed.

        Raises:
            CheckpointRequired: a code is needed; its `submit(code)` continues on this page.
            HumanRequired: a captcha or an app approval only a person can pass.
            BadLogin: LinkedIn rejected the email or password.
        """
        await open_url(self.page, self.config.url("/login"), signed_in=False)
        if FEED.search(self.page.url):
            return  # still signed in: LinkedIn sends /login straight on to the feed
        # first: the form-less variant may match by label and by autocomplete hint at once.
        await self.email.first.fill(email)
        await self.password.first.fill(password)
        # Both variants end in a full page load (the form-less one submits from script).
        async with self.page.expect_navigation(wait_until="domcontentloaded"):
            await self.sign_in_button.click()
        await self._after_submit(storage_state, what="email or password")

    async def _after_submit(self, storage_state: StorageStateGetter, *, what: str) -> None:
        outcome = await self._wait_for_outcome()
        if outcome == "feed":
            return
        if outcome == "pin":
            raise await self._checkpoint(storage_state)
        if outcome == "captcha":
            raise HumanRequired(
                "LinkedIn asks for a captcha: sign in once with `invitesweep login` in a visible browser"
            )
        if outcome == "app":
            raise HumanRequired("LinkedIn waits for an approval in the LinkedIn app")
        raise BadLogin(f"LinkedIn rejected the {what}")

    async def _wait_for_outcome(self) -> str:
        """Wait until the page shows where the sign-in went: the feed, a checkpoint, or an error."""
        signals: dict[str, Locator] = {
            "pin": self.pin_input,
            "captcha": self.captcha,
            "app": self.app_approval,
            "error": self.error,
        }
        try:
            # first: each signal may match more than once; any one is enough.
            await first_of(
                feed=self.page.wait_for_url(FEED),
                shown=self.pin_input.or_(self.captcha)
                .or_(self.app_approval)
                .or_(self.error)
                .first.wait_for(),
            )
        except PlaywrightTimeoutError as exc:
            if not FEED.search(self.page.url):
                raise LayoutChanged("the sign-in led to a page we do not recognise") from exc
        if FEED.search(self.page.url):
            return "feed"
        for outcome, locator in signals.items():
            if await locator.count() > 0:
                return outcome
        raise LayoutChanged(f"the sign-in ended on {self.page.url} with no recognisable outcome")

    async def _checkpoint(self, storage_state: StorageStateGetter) -> CheckpointRequired:
        kind = "email_pin" if await self.email_pin_form.count() > 0 else "two_step"
        rejected = await self.error.count() > 0

        async def submit(code: str) -> dict[str, object]:
            await self.pin_input.fill(code.strip())
            async with self.page.expect_navigation(wait_until="domcontentloaded"):
                await self.pin_submit.click()
            await self._after_submit(storage_state, what="code")
            return dict(await storage_state())

        async def cancel() -> None:
            await open_url(self.page, "about:blank", signed_in=False)

        message = (
            "LinkedIn did not accept the code and asks again" if rejected else "LinkedIn asks for a code"
        )
        return CheckpointRequired(f"{message} ({kind})", kind=kind, submit=submit, cancel=cancel)
