"""How the bot opens a `LinkedInClient`: one browser per process, started on first use.

The bot stays small while no browser work is due: the browser is launched lazily and closed
again after a while without use (`close_if_idle`). Browser flows run one at a time through
`BrowserManager.slot()`. Tests pass a `client_factory` to open clients in their own browser.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING

from automation.browser import BrowserManager
from automation.config import AutomationConfig

if TYPE_CHECKING:
    # Types only: Playwright loads with the browser, not with the bot (docs/benchmarks.md).
    from automation.client import LinkedInClient, StorageState

ClientFactory = Callable[["StorageState | None"], AbstractAsyncContextManager["LinkedInClient"]]
"""Opens a client for a (decrypted) storage_state; the client is used inside `async with`."""


class LinkedInAccess:
    """Opens LinkedIn clients for accounts, one browser flow at a time."""

    def __init__(self, config: AutomationConfig, client_factory: ClientFactory | None = None) -> None:
        self.config = config
        self._manager = BrowserManager(config)
        self._factory = client_factory
        self._flows = 0
        self._last_used = time.monotonic()

    @property
    def browser_open(self) -> bool:
        """Whether our own browser is running (a given factory manages its own)."""
        try:
            self._manager.browser  # noqa: B018 - the property raises when not started
        except RuntimeError:
            return False
        return True

    @asynccontextmanager
    async def open(self, storage_state: StorageState | None) -> AsyncIterator[LinkedInClient]:
        """A signed-in client for the block; waits for the browser slot first."""
        async with self._manager.slot():
            self._flows += 1
            try:
                if self._factory is not None:
                    async with self._factory(storage_state) as client:
                        yield client
                    return
                from automation.client import LinkedInClient  # with the browser: see TYPE_CHECKING above

                browser = await self._manager.start()
                async with LinkedInClient(browser, self.config, storage_state) as client:
                    yield client
            finally:
                self._flows -= 1
                self._last_used = time.monotonic()

    async def close_if_idle(self, idle_seconds: float) -> bool:
        """Close our browser if no flow has used it for `idle_seconds`; True if it was closed.

        Chromium's memory grows with use; a bot that waits days between digests should not hold it.
        """
        if not self.browser_open or self._flows or time.monotonic() - self._last_used < idle_seconds:
            return False
        await self._manager.stop()
        return True

    async def close_browser(self) -> None:
        """Close our browser (it starts again on the next `open`)."""
        await self._manager.stop()
