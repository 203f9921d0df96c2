"""`LinkedInClient`: the few LinkedIn operations the services call, over one browser context.

This file is the contract between `bot.services` and the automation. Signatures are fixed;
the page objects in automation/pages/ do the work, this class composes them, paces them and
wraps each operation in a trace that is kept only when it fails.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import cast

from playwright.async_api import Browser, BrowserContext, Page
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from automation.browser import (
    chosen_user_agent,
    new_account_context,
    traced_operation,
    untraced_operation,
)
from automation.config import AutomationConfig
from automation.errors import (
    AccountRestricted,
    AutomationError,
    CheckpointRequired,
    HumanRequired,
    InvitationNotFound,
    LayoutChanged,
    MessageNotVerified,
    NavigationFailed,
    ProxyFailed,
    SessionExpired,
    UnsupportedLanguage,
    UnusualActivity,
    WeeklyLimit,
    WithdrawNotVerified,
)
from automation.identity import BrowserIdentity
from automation.pacing import Pacer, Sleep
from automation.pages.friction import friction_on, unreadable_list
from automation.pages.invite import CustomInvitePage
from automation.pages.login import LoginPage
from automation.pages.messaging import MessagingPage, normalised
from automation.pages.profile import ProfilePage
from automation.pages.sent import SENT_PATH, SentInvitationsPage
from automation.pages.withdraw import WithdrawDialog
from automation.priority import lower_browser_priority
from automation.types import (
    InviteResult,
    MessageResult,
    Profile,
    ProfileContext,
    ProfileState,
    SentList,
    StorageState,
    WithdrawResult,
)

ProgressCallback = Callable[[int, int | None], None]
"""Called with (rows loaded so far, the pill's total or None) while the Sent list loads."""

FRICTION = (
    SessionExpired, HumanRequired, AccountRestricted, UnusualActivity, WeeklyLimit, UnsupportedLanguage,
)  # fmt: skip
"""Errors that already name what LinkedIn put in front of the page: nothing to look for behind them."""


class LinkedInClient:
    """One LinkedIn identity in one isolated browser context.

    Use as `async with LinkedInClient(browser, config, storage_state) as client: ...`.
    Every navigation, and every operation that fails, asks one detector (`pages.friction`) what
    LinkedIn put in front of the page: the sign-in wall raises `SessionExpired`; a checkpoint,
    a captcha, the restriction interstitial, an "unusual activity" warning, the weekly-limit
    notice or a language we cannot read raise their own errors (all `pauses_account`).
    Pacing (randomized pauses between actions, `config.pacing`) happens inside the client;
    `sleep` and `rng` are injectable so tests can observe it without waiting.
    """

    def __init__(
        self,
        browser: Browser,
        config: AutomationConfig,
        storage_state: StorageState | None = None,
        *,
        identity: BrowserIdentity | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.browser = browser
        self.config = config
        self._initial_state = storage_state
        self.identity = identity
        self.user_agent: str | None = None
        """The user agent an `identity` chose for this client's context (None: the browser's own)."""
        self._pacer = Pacer(config.pacing, sleep=sleep, rng=rng)
        self._context: BrowserContext | None = None
        self._page: Page | None = None
        # One operation at a time: they share the page, and tracing has one chunk at a time.
        self._busy = asyncio.Lock()
        # A verified withdrawal leaves the working tab on the Sent page with its rows loaded; the
        # next withdrawal may start from it instead of loading the list again. Any other
        # operation (or a failure) navigates elsewhere or leaves doubt, and invalidates it.
        self._sent_page_reusable = False  # set by a verified withdrawal, cleared by every operation
        self._reuse_sent_page = False  # what the running operation found when it started

    async def __aenter__(self) -> LinkedInClient:
        try:
            # Asked once per browser and kept: the context below sends the same one.
            self.user_agent = await chosen_user_agent(self.browser, self.identity)
            self._context = await new_account_context(
                self.browser, self.config, self._initial_state, self.identity
            )
        except PlaywrightError as exc:
            raise NavigationFailed(f"no browser context: {exc.message.splitlines()[0]}") from exc
        self._page = await self._context.new_page()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        context, self._context, self._page = self._context, None, None
        if context is not None:
            await context.close()

    @property
    def page(self) -> Page:
        """The client's one page (for diagnostics and the CLI; operations own what it shows)."""
        if self._page is None:
            raise RuntimeError("use LinkedInClient as `async with LinkedInClient(...) as client`")
        return self._page

    @asynccontextmanager
    async def _operation(
        self, name: str, *, traced: bool = True, signed_in: bool = True
    ) -> AsyncIterator[Page]:
        """Run one operation: alone on the page, traced unless `traced` is False.

        A signed-in operation that fails is checked for friction (`_friction_behind`); signing
        in (`signed_in=False`) meets login forms and checkpoints as its ordinary pages.
        """
        page = self.page
        assert self._context is not None
        tracing = traced_operation(self._context, self.config, name) if traced else untraced_operation(name)
        async with self._busy, tracing:
            # Chromium may have given threads it started since (a new page's) priorities of its own.
            await asyncio.to_thread(lower_browser_priority)
            self._reuse_sent_page, self._sent_page_reusable = self._sent_page_reusable, False
            try:
                if not signed_in:
                    yield page
                    return
                try:
                    yield page
                except ProxyFailed:
                    raise  # the proxy's answer is the page: no LinkedIn friction behind it
                except (AutomationError, PlaywrightError) as exc:
                    friction = await self._friction_behind(page, exc)
                    if friction is exc:
                        raise
                    raise friction from exc
            except ProxyFailed as exc:
                if self.identity is None:
                    raise
                raise exc.for_account(self.identity.label) from None

    @staticmethod
    async def _friction_behind(page: Page, failure: Exception) -> Exception:
        """What really stopped an operation: friction on the page, else `failure` itself.

        A checkpoint, captcha, restriction, warning or notice can land mid-operation (a dialog
        fetch or a lazy load answered with a redirect): the step then fails as a timeout, a
        layout change or a lost page. The page, read once more, tells which it was.
        """
        if isinstance(failure, FRICTION):
            return failure
        friction = await friction_on(page)
        return failure if friction is None else friction

    async def check_session(self) -> None:
        """Raise `SessionExpired` unless the stored session still opens the Sent page."""
        async with self._operation("check_session") as page:
            await SentInvitationsPage(page, self.config).open()

    async def list_sent(self, *, on_progress: ProgressCallback | None = None) -> SentList:
        """Every pending sent invitation (all rows loaded), newest first, and the pill count."""
        async with self._operation("list_sent") as page:
            invitations, pill = await SentInvitationsPage(page, self.config).list_all(on_progress)
            if not invitations and pill is None:
                await self._ensure_list_readable(page)
            return SentList(tuple(invitations), pill)

    @staticmethod
    async def _ensure_list_readable(page: Page) -> None:
        """An empty Sent list with no pill is only believed if the page lists no one (never misread)."""
        unreadable = await unreadable_list(page)
        if unreadable is not None:
            raise unreadable

    async def withdraw(self, slug: str, *, name: str | None = None) -> WithdrawResult:
        """Withdraw the pending invitation to `slug`, verified by readback.

        Raises `InvitationNotFound` when no row for `slug` is pending (already withdrawn,
        accepted, or never sent) and `WithdrawNotVerified` when the row survives the confirm.
        """
        async with self._operation(f"withdraw {slug}") as page:
            sent = SentInvitationsPage(page, self.config)
            try:
                row = await sent.find_row(slug, page_is_fresh=self._reuse_sent_page)
                pill_before = await sent.pill_count()
                await self._pacer.pause()
                opened_on = page.url
                person = await sent.open_withdraw_dialog(row, slug, name)
            except (InvitationNotFound, LayoutChanged):
                # "Not pending" or "no withdraw control" is only believed from a page whose rows
                # or count we could read at all.
                if await sent.pill_count() is None and not await sent.read_rows():
                    await self._ensure_list_readable(page)
                raise
            await self._pacer.pause()
            await WithdrawDialog(page).confirm_for(person, opened_on=opened_on)
            try:
                pill_after = await sent.wait_until_row_gone(slug, pill_before)
            except PlaywrightTimeoutError as exc:
                raise WithdrawNotVerified(f"the row for {slug} is still there after confirming") from exc
            await self._verify_withdrawal_held(sent, slug, pill_before)
            self._sent_page_reusable = True
            return WithdrawResult(slug=slug, name=person, pill_before=pill_before, pill_after=pill_after)

    async def _verify_withdrawal_held(
        self, sent: SentInvitationsPage, slug: str, pill_before: int | None
    ) -> None:
        """Read the Sent page afresh: the server, not the page's script, must agree the row is gone.

        LinkedIn has shown a success toast and an updated count for a withdrawal that a reload
        then undid (reference §1.3). The pill is the cheap check; without a pill, search the rows.

        First the server's HTML of a cold load, fetched without a tab (`SentInvitationsPage.served`):
        when its one pill is below `pill_before` and it links to the member nowhere, the withdrawal
        held, and the working tab keeps the rows it has loaded for the next withdrawal. Anything
        else (no pill, a pill that did not drop, the member still linked, a failed fetch) is
        decided by loading the Sent page in the working tab, as a person would reload it. No
        second tab: it would keep a second renderer alive during every readback.
        """
        served = await sent.served()
        if served is not None and pill_before is not None and served.pill is not None:
            linked = {linked.casefold() for linked in served.linked_slugs}
            if served.pill < pill_before and slug.casefold() not in linked:
                return
        await sent.open()
        pill_now = await sent.pill_count()
        if pill_before is not None and pill_now is not None:
            held = pill_now < pill_before and await sent.row_for(slug).count() == 0
        else:
            try:
                await sent.find_row(slug)
            except InvitationNotFound:
                held = True
            else:
                held = False
        if not held:
            raise WithdrawNotVerified(
                f"the withdrawal of {slug} did not hold: the invitation is back after a reload"
            )

    async def profile(self, slug: str) -> Profile:
        """Name, headline and our relationship state, from the member's profile top card."""
        async with self._operation(f"profile {slug}") as page:
            return await ProfilePage(page, self.config).read(slug)

    async def read_profile(self, slug: str = "me", *, viewer: ProfileContext | None = None) -> ProfileContext:
        """What `slug`'s profile tells a note drafter; `me` reads the owner's own profile.

        With `viewer` (the owner's own context, read once), `shared` also names the companies,
        schools and languages the two have in common. A profile showing nothing but a name
        gives an empty context, not an error.
        """
        async with self._operation(f"read_profile {slug}") as page:
            context = await ProfilePage(page, self.config).read_context(slug)
        return context if viewer is None else context.shared_with(viewer)

    async def invite(self, slug: str, note: str | None) -> InviteResult:
        """Send a connection invitation (with `note` if given), verified as Pending.

        Raises `InviteBlocked`, `WeeklyLimit`, `NoteQuotaExhausted`, `NoteTooLong`.
        """
        async with self._operation(f"invite {slug}") as page:
            dialog = CustomInvitePage(page, self.config)
            await dialog.open(slug)
            await self._pacer.pause()
            if note:
                limits = await dialog.add_note(note)
                await self._pacer.pause()
                await dialog.send_with_note()
            else:
                limits = await dialog.send_without_note()
            profile = await ProfilePage(page, self.config).read_after_invite(slug)
            # A refusal can leave the profile Pending (an earlier invitation): the toast decides.
            refusal = await dialog.refusal(slug)
            if refusal is not None:
                raise refusal
            if profile.state is not ProfileState.PENDING:
                raise await dialog.failure_after_send(slug, profile.state)
            return InviteResult(
                slug=slug,
                note_sent=bool(note),
                note_limit=limits.note_limit,
                notes_remaining=None
                if limits.notes_remaining is None
                else max(0, limits.notes_remaining - 1),
            )

    async def send_message(self, slug: str, text: str, *, name: str | None = None) -> MessageResult:
        """Send `text` to a connection from the messaging page, verified in the conversation.

        The conversation is read first: if it already ends with this text (an earlier try that
        sent it before its outcome was recorded), nothing is typed again. After sending, the page
        is loaded afresh and must show the text one more time than before.

        Raises `NotConnected` (no message box for this member) and `MessageNotVerified`.
        """
        wanted = normalised(text)
        async with self._operation(f"message {slug}") as page:
            conversation = MessagingPage(page, self.config)
            await conversation.open(slug, name)
            before = await conversation.messages()
            if before and before[-1] == wanted:
                return MessageResult(slug=slug, already_sent=True)
            await self._pacer.pause()
            await conversation.write_and_send(text)
            await conversation.open(slug, name)  # the server's record, not the page's script
            if (await conversation.messages()).count(wanted) <= before.count(wanted):
                raise MessageNotVerified(f"the message to {slug} does not show in the conversation")
            return MessageResult(slug=slug, already_sent=False)

    async def messages(self, slug: str, *, name: str | None = None) -> tuple[str, ...]:
        """The messages of the conversation with `slug`, oldest first, whitespace normalised.

        Raises `NotConnected` when LinkedIn offers no conversation with this member.
        """
        async with self._operation(f"messages {slug}") as page:
            conversation = MessagingPage(page, self.config)
            await conversation.open(slug, name)
            return tuple(await conversation.messages())

    async def login(self, email: str, password: str) -> StorageState:
        """Sign in with credentials; returns the new storage_state.

        Raises `CheckpointRequired` (whose `submit(code)` finishes the login and returns the
        storage_state), `HumanRequired` (captcha/app approval) or `BadLogin`.
        """
        # Never traced: the trace's DOM snapshots would hold the typed password and its network
        # entries the new session cookies. A failed login therefore keeps no trace.
        try:
            async with self._operation("login", traced=False, signed_in=False) as page:
                await LoginPage(page, self.config).sign_in(email, password, self.storage_state)
                return await self.storage_state()
        except CheckpointRequired as checkpoint:
            raise self._continued_in_operation(checkpoint) from None

    def _continued_in_operation(self, checkpoint: CheckpointRequired) -> CheckpointRequired:
        """The same checkpoint, whose `submit` runs as an operation of this client (its lock).

        Untraced like `login` (the code and the session it yields are secrets): a failed
        submit keeps no trace.
        """
        page_submit = checkpoint.submit

        async def submit(code: str) -> dict[str, object]:
            try:
                async with self._operation("login checkpoint", traced=False, signed_in=False):
                    return await page_submit(code)
            except CheckpointRequired as again:
                raise self._continued_in_operation(again) from None

        return CheckpointRequired(
            str(checkpoint), kind=checkpoint.kind, submit=submit, cancel=checkpoint.cancel
        )

    async def login_with_cookie(self, li_at: str) -> StorageState:
        """Adopt a session from the user's `li_at` cookie; raises `SessionExpired` if it is not valid."""
        assert self._context is not None
        await self._context.add_cookies(
            [{"name": "li_at", "value": li_at, "url": self.config.url("/"), "httpOnly": True}]
        )
        # Untraced like `login`: the trace would hold the cookie being adopted. A failure here
        # keeps no trace.
        async with self._operation("login_with_cookie", traced=False) as page:
            await SentInvitationsPage(page, self.config).open()
        return await self.storage_state()

    async def storage_state(self) -> StorageState:
        """The context's current storage_state (to persist, encrypted, after login)."""
        if self._context is None:
            raise SessionExpired("the client is closed")
        return cast(StorageState, await self._context.storage_state())


__all__ = ["SENT_PATH", "LinkedInClient", "ProgressCallback", "StorageState"]
