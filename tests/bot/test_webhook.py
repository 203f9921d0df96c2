"""Telegram's webhook (bot.webhook) over real HTTP: the secret token, the health endpoint.

The web application is built without an updater; updates come only through the webhook server,
as Telegram would POST them, and the bot answers through the local Bot API server.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from bot.app import BotApplication, build_application
from bot.commands.run_cli import ALLOWED_UPDATES
from bot.roles import Role
from bot.services.clock import FrozenClock
from bot.settings import Settings
from bot.webhook import SECRET_HEADER, WebhookFront
from tests.bot.test_roles import NoBrowser
from tests.botapi import BotApiServer
from tests.fixtures.botapi import OWNER, bot_settings, wait_until
from tests.fixtures.store import FIXED_NOW

SECRET = "s3cret-token_of-Telegram-0123456789"
URL = "https://bot.example.com/telegram/updates"


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[BotApplication, str]]:
    """A web-role application fed by a webhook server on a free port; yields it and its base URL."""
    application = build_application(
        settings,
        role=Role.WEB,
        polling=False,
        clock=FrozenClock(FIXED_NOW),
        linkedin_client_factory=NoBrowser(),
    )
    assert application.updater is None
    front = WebhookFront(
        application, url=URL, secret=SECRET, listen="127.0.0.1", port=0, allowed_updates=ALLOWED_UPDATES
    )
    host, port = front.address
    await application.initialize()
    assert application.post_init is not None and application.post_shutdown is not None
    await application.post_init(application)
    await front.start()
    await application.start()
    try:
        yield application, f"http://{host}:{port}"
    finally:
        await front.stop()
        await application.stop()
        await application.shutdown()
        await application.post_shutdown(application)


def web_settings(botapi: BotApiServer, db_path: Path, tmp_path: Path, **overrides: Any) -> Settings:
    return bot_settings(botapi, db_path, tmp_path / "data", webhook_secret=SecretStr(SECRET), **overrides)


def telegram_update(botapi: BotApiServer, text: str) -> dict[str, Any]:
    """The update Telegram would POST for the owner typing `text` (kept in the chat for replies)."""
    message = botapi.send_text(OWNER, text)
    updates = botapi.take_updates(None, 100)
    return next(u for u in updates if u["message"]["message_id"] == message.message_id)


async def test_only_updates_with_the_secret_token_are_handled(
    botapi: BotApiServer, db_path: Path, tmp_path: Path
) -> None:
    async with serving(web_settings(botapi, db_path, tmp_path)) as (_, base), httpx.AsyncClient() as http:
        missing = await http.post(f"{base}/telegram/updates", json=telegram_update(botapi, "/status"))
        wrong = await http.post(
            f"{base}/telegram/updates",
            json=telegram_update(botapi, "/queue"),
            headers={SECRET_HEADER: SECRET[:-1] + "x"},
        )
        right = await http.post(
            f"{base}/telegram/updates", json=telegram_update(botapi, "/help"), headers={SECRET_HEADER: SECRET}
        )
        assert (missing.status_code, wrong.status_code, right.status_code) == (403, 403, 200)
        replies = await wait_until(lambda: botapi.bot_messages(OWNER), what="the answer to /help")
        elsewhere = await http.post(f"{base}/other", json={}, headers={SECRET_HEADER: SECRET})
        assert elsewhere.status_code == 404
    # One chat's messages are handled in order: the refused two would have been answered first.
    assert len(replies) == 1 and "/pending" in (replies[0].text or "")
    (set_webhook,) = botapi.calls_of("setWebhook")
    assert set_webhook.params["url"] == URL and set_webhook.params["secret_token"] == SECRET
    assert set_webhook.params["allowed_updates"] == ALLOWED_UPDATES
    assert botapi.calls_of("getUpdates") == []
    # Other web processes behind the load balancer still serve: the webhook stays set.
    assert botapi.calls_of("deleteWebhook") == []


async def test_health_is_200_while_the_store_answers(
    botapi: BotApiServer, db_path: Path, tmp_path: Path
) -> None:
    async with serving(web_settings(botapi, db_path, tmp_path)) as (_, base), httpx.AsyncClient() as http:
        health = await http.get(f"{base}/healthz")
    assert health.status_code == 200 and health.json() == {"store": "ok"}


async def test_health_is_503_when_the_store_does_not_answer(
    botapi: BotApiServer, db_path: Path, tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a port nothing listens on once this is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = f"postgresql+asyncpg://nobody:nothing@127.0.0.1:{port}/invitesweep"
    settings = web_settings(botapi, db_path, tmp_path, database_url=down)
    async with serving(settings) as (_, base), httpx.AsyncClient() as http:
        health = await http.get(f"{base}/healthz")
    assert health.status_code == 503 and health.json() == {"store": "unavailable"}
