"""A failing handler: the owner hears something useful, and no secret reaches the log or the chat."""

from __future__ import annotations

import logging

import pytest

from bot.db.models import Account
from bot.handlers import status
from bot.settings import Settings
from tests.botapi import BotApiServer
from tests.fixtures.botapi import OWNER, running_bot, wait_until


async def test_an_unexpected_error_is_reported_without_secrets(
    botapi: BotApiServer,
    settings: Settings,
    owned: Account,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"request to {botapi.base_url}{botapi.token}/sendMessage failed")

    monkeypatch.setattr(status, "build_digest", broken)  # fault injection: any bug in a handler
    with caplog.at_level(logging.ERROR):
        async with running_bot(settings):
            botapi.send_text(OWNER, "/status")
            reply = await wait_until(lambda: botapi.bot_messages(OWNER), what="the apology")
    assert (reply[0].text or "").startswith("Something went wrong on my side and nothing was changed.")
    assert "RuntimeError" in caplog.text and "[bot token]" in caplog.text
    assert botapi.token not in caplog.text
    assert all(botapi.token not in (m.text or "") for m in botapi.bot_messages(OWNER))
