"""Bot test fixtures: an owned account with a sandbox session, and a LinkedIn client factory."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser

from automation.client import LinkedInClient
from bot.db.models import Account
from bot.db.session import SessionFactory
from bot.services.secrets import SessionVault
from bot.services.session_health import adopt_session
from bot.settings import Settings
from sandbox import SandboxServer
from tests.botapi import BotApiServer
from tests.fixtures.botapi import bot_settings
from tests.fixtures.browser import sandbox_automation_config

ClientFactory = Callable[[dict[str, Any] | None], AbstractAsyncContextManager[LinkedInClient]]


@pytest.fixture
def settings(botapi: BotApiServer, db_path: Path, tmp_path: Path) -> Settings:
    """Settings for a bot on this test's Bot API server and database (owner: `OWNER`)."""
    return bot_settings(botapi, db_path, tmp_path / "data")


@pytest.fixture
async def owned(db: SessionFactory, account: Account, settings: Settings) -> Account:
    """The owner's account, its weekly digest not due at the tests' "now" (Tuesday 09:30 UTC)."""
    async with db.begin() as session:
        row = await session.get_one(Account, account.id)
        row.digest_weekday, row.digest_hour = 6, 20  # Sunday evening
    return row


@pytest.fixture
async def signed_in(
    db: SessionFactory, owned: Account, settings: Settings, sandbox: SandboxServer
) -> Account:
    """`owned`, with a valid sandbox session stored encrypted."""
    async with db.begin() as session:
        row = await session.get_one(Account, owned.id)
        vault = SessionVault.from_settings(settings)
        await adopt_session(session, row, vault, sandbox.storage_state(), sandbox.state.now())
    return row


@pytest.fixture
def sandbox_clients(browser: Browser, sandbox: SandboxServer) -> ClientFactory:
    """Opens real `LinkedInClient`s in the session's Chromium against this test's sandbox."""
    config = sandbox_automation_config(sandbox.base_url)
    return lambda state, identity=None: LinkedInClient(browser, config, state, identity=identity)
