"""The bot's own Chromium starts on first use and is closed again when idle."""

from __future__ import annotations

from automation.access import LinkedInAccess
from sandbox import SandboxServer
from tests.fixtures.browser import sandbox_automation_config


async def test_browser_starts_lazily_and_closes_when_idle(sandbox: SandboxServer) -> None:
    access = LinkedInAccess(sandbox_automation_config(sandbox.base_url))
    assert not access.browser_open
    assert not await access.close_if_idle(0)
    try:
        async with access.open(sandbox.storage_state()) as client:
            await client.check_session()
            assert access.browser_open
            assert not await access.close_if_idle(0)  # in use: kept
        assert not await access.close_if_idle(3600)  # used a moment ago: kept
        assert await access.close_if_idle(0)
        assert not access.browser_open
        async with access.open(sandbox.storage_state()) as client:  # and it comes back when needed
            await client.check_session()
        assert access.browser_open
    finally:
        await access.close()
