"""Telegram's webhook, served with Starlette and uvicorn: the front of `invitesweep web --webhook-url`.

Telegram POSTs each update to the URL given to `setWebhook`, with the secret token given there in
the `X-Telegram-Bot-Api-Secret-Token` header. An update without the right token is refused (403)
before its body is read; a right one is put on the application's `update_queue`, where PTB
handles it exactly as a polled one (the application is built without an updater). `GET /healthz`
answers 200 while the store answers and 503 when it does not, for the load balancer in front of
several `web` processes.

`setWebhook` is sent at every start (the same URL and secret from every process is harmless);
`deleteWebhook` is never sent at stop, because the other processes behind the balancer still
serve. The socket is bound before anything else, so a port in use is refused at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import socket
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import uvicorn
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update

if TYPE_CHECKING:
    from bot.app import BotApplication

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_PATH = "/healthz"
HEALTH_TIMEOUT_SECONDS = 5.0
"""A store that takes longer than this to answer `SELECT 1` counts as down."""


def webhook_path(url: str) -> str:
    """The path this process serves for a webhook URL ("https://bot.example/tg/x" → "/tg/x")."""
    return urlsplit(url).path or "/"


def webhook_app(application: BotApplication, *, path: str, secret: str) -> Starlette:
    """The ASGI app: updates at `path` (checked against `secret`), health at `HEALTH_PATH`."""
    expected = secret.encode()

    async def receive_update(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return Response(status_code=403)
        try:
            update = Update.de_json(await request.json(), application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return Response(status_code=400)  # not an update; Telegram never sends such a body
        await application.update_queue.put(update)
        return Response(status_code=200)

    async def health(request: Request) -> Response:
        up = await store_answers(application)
        return JSONResponse({"store": "ok" if up else "unavailable"}, status_code=200 if up else 503)

    return Starlette(
        routes=[Route(path, receive_update, methods=["POST"]), Route(HEALTH_PATH, health, methods=["GET"])]
    )


async def store_answers(application: BotApplication) -> bool:
    """Whether the store answers `SELECT 1` within `HEALTH_TIMEOUT_SECONDS`."""
    db = application.bot_data.db
    if db is None:
        return False
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_SECONDS), db() as session:
            await session.execute(text("SELECT 1"))
    except (DBAPIError, OSError, TimeoutError) as error:  # OSError: the driver's refused/unreachable
        logger.warning("health: the store does not answer (%s)", type(error).__name__)
        return False
    return True


class _Server(uvicorn.Server):
    """uvicorn without signal handling of its own: the command stops it, in its own order.

    (uvicorn's own handling re-raises a caught SIGTERM once it has stopped, which would end the
    process before the bot has finished the work in hand.)
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class WebhookFront:
    """Serves `webhook_app` on `listen`:`port` and points Telegram's webhook at `url`."""

    def __init__(
        self,
        application: BotApplication,
        *,
        url: str,
        secret: str,
        listen: str,
        port: int,
        allowed_updates: Sequence[str],
    ) -> None:
        self._application = application
        self._url = url
        self._secret = secret
        self._allowed_updates = list(allowed_updates)
        self._socket = _bind(listen, port)
        app = webhook_app(application, path=webhook_path(url), secret=secret)
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self._server = _Server(config)
        self._serving: asyncio.Task[None] | None = None

    @property
    def address(self) -> tuple[str, int]:
        """The host and port the socket is bound to (port 0 asked for a free one)."""
        host, port, *_ = self._socket.getsockname()
        return str(host), int(port)

    async def start(self) -> None:
        """Serve the bound socket, then tell Telegram where updates go (with the secret)."""
        self._serving = asyncio.create_task(self._server.serve(sockets=[self._socket]), name="webhook")
        await self._application.bot.set_webhook(
            self._url, secret_token=self._secret, allowed_updates=self._allowed_updates
        )

    async def stop(self) -> None:
        """Stop taking updates (requests in flight finish); the webhook stays set for the others."""
        self._server.should_exit = True
        if self._serving is not None:
            await self._serving
        self._socket.close()


def _bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on `host`:`port` (IPv6 for an address with a colon).

    Raises:
        OSError: the address is in use or not this machine's.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.set_inheritable(True)
    except OSError:
        sock.close()
        raise
    return sock
