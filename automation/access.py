"""The one route from a process to LinkedIn: `LinkedInAccess`.

    access = LinkedInAccess(config)                       # one per process (bot, worker, CLI command)
    async with access.open(storage_state) as client:      # waits for the browser slot
        await client.list_sent()
    await access.close()

The bot, its worker and every CLI command open clients here and nowhere else. The browser is
launched on the first `open` (a process with no browser work due never loads Playwright),
flows run one at a time, and `close_if_idle` closes a browser nobody has used for a while: a
bot that waits days between digests should not hold Chromium's memory. Signing in with a
visible window (`visible_login`) needs a full Chromium with a screen, so it launches its own.

With `config.cdp_url` or `config.ws_endpoint` set, the browser runs elsewhere (a browser grid, a
second container): "launching" connects to it instead. The contexts are still ours (one per
flow, closed after it); closing only disconnects, never shuts the remote browser down; a lost
connection fails the running flow with `BrowserUnreachable` and the next `open` connects again;
and `visible_login` refuses, since nobody here could see a window there.

Whatever opens clients has the shape `ClientOpener`: `opener(state, identity)` is an async context
manager of a `LinkedInClient`. `LinkedInAccess.open` is one; tests pass another (a client in
their own browser, or a LinkedIn in memory) as `opener`, and the slot still applies.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from automation.browser import LaunchedBrowser, launch, start_browser
from automation.config import AutomationConfig, endpoint_label
from automation.errors import BrowserUnreachable, HumanRequired, NoVisibleBrowser
from automation.identity import BrowserIdentity
from automation.types import StorageState

if TYPE_CHECKING:
    # Types only: Playwright loads with the browser, not with whoever holds this class.
    from automation.client import LinkedInClient


class ClientOpener(Protocol):
    """Opens a client on a (decrypted) storage_state, or signed out on None; used with `async with`.

    `identity` is the account's proxy, locale, time zone and user agent (None: the browser's own).
    """

    def __call__(
        self, storage_state: StorageState | None, /, identity: BrowserIdentity | None = None
    ) -> AbstractAsyncContextManager[LinkedInClient]: ...


VISIBLE_LOGIN_TIMEOUT_MS = 10 * 60 * 1000
"""How long a visible sign-in may take: a person typing a password and a 2FA code."""


class LinkedInAccess:
    """The process's one browser for LinkedIn: launched on first use, one flow at a time, closed when idle."""

    def __init__(
        self,
        config: AutomationConfig,
        *,
        opener: ClientOpener | None = None,
        max_concurrent_flows: int = 1,
    ) -> None:
        self.config = config
        self._opener = opener
        self._launched: LaunchedBrowser | None = None
        self._starting = asyncio.Lock()
        self._flows = asyncio.Semaphore(max_concurrent_flows)
        self._in_flow = 0
        self._last_used = time.monotonic()

    @property
    def browser_open(self) -> bool:
        """Whether our own browser is running (a given opener manages its own)."""
        return self._launched is not None

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the browser-flow slots: slow browser work queues here, not in parallel."""
        async with self._flows:
            self._in_flow += 1
            try:
                yield
            finally:
                self._in_flow -= 1
                self._last_used = time.monotonic()

    @asynccontextmanager
    async def open(
        self, storage_state: StorageState | None, /, identity: BrowserIdentity | None = None
    ) -> AsyncIterator[LinkedInClient]:
        """A client on `storage_state` (as `identity`, when given) for the block; waits for the slot first."""
        async with self.slot():
            if self._opener is not None:
                async with self._opener(storage_state, identity) as client:
                    yield client
                return
            from automation.client import LinkedInClient  # with the browser: see TYPE_CHECKING above

            launched = await self._start()
            try:
                async with LinkedInClient(
                    launched.browser, self.config, storage_state, identity=identity
                ) as client:
                    yield client
            except Exception as exc:
                if launched.remote is None or launched.connected:
                    raise
                await self._forget(launched)
                raise BrowserUnreachable(
                    f"lost the connection to the remote browser at {endpoint_label(launched.remote)}"
                ) from exc

    async def visible_login(self, *, timeout_ms: int = VISIBLE_LOGIN_TIMEOUT_MS) -> StorageState:
        """Show LinkedIn's sign-in page in a visible browser; the session once the person reaches the feed.

        Raises:
            HumanRequired: no screen to show a browser on, or the sign-in was not finished in time.
            NoVisibleBrowser: the browser is a remote one (`cdp_url`/`ws_endpoint`).
        """
        if self.config.remote_browser:
            raise NoVisibleBrowser(
                f"a visible sign-in needs a browser on this machine, not the remote one at "
                f"{endpoint_label(self.config.remote_browser)}"
            )
        from playwright.async_api import Error as PlaywrightError

        from automation.client import LinkedInClient
        from automation.pages.login import FEED

        visible = replace(self.config, headless=False)
        async with self.slot():
            try:
                launched = await launch(visible)
            except PlaywrightError as exc:
                raise HumanRequired(f"the visible sign-in did not finish ({type(exc).__name__})") from None
            try:
                async with LinkedInClient(launched.browser, visible) as client:
                    await client.page.goto(visible.url("/login"))
                    await client.page.wait_for_url(FEED, timeout=timeout_ms)
                    return await client.storage_state()
            except PlaywrightError as exc:
                raise HumanRequired(f"the visible sign-in did not finish ({type(exc).__name__})") from None
            finally:
                await launched.close()

    async def close_if_idle(self, idle_seconds: float) -> bool:
        """Close our browser if no flow has used it for `idle_seconds`; True if it was closed."""
        if not self.browser_open or self._in_flow or time.monotonic() - self._last_used < idle_seconds:
            return False
        await self.close()
        return True

    async def close(self) -> None:
        """Close our browser (idempotent; it starts again on the next `open`)."""
        launched, self._launched = self._launched, None
        if launched is not None:
            await launched.close()

    async def _start(self) -> LaunchedBrowser:
        async with self._starting:
            if self._launched is not None and not self._launched.connected:
                await self._forget(self._launched)  # a remote browser went away: connect again
            if self._launched is None:
                self._launched = await start_browser(self.config)
            return self._launched

    async def _forget(self, launched: LaunchedBrowser) -> None:
        """Drop a browser whose connection is gone (its driver still runs and is stopped here)."""
        if self._launched is launched:
            self._launched = None
        await launched.close()

    async def __aenter__(self) -> LinkedInAccess:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
