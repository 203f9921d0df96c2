"""The HTTP side of the fake Bot API: Starlette under uvicorn, in a background thread.

Requests arrive exactly as PTB sends them (`POST /bot<token>/<method>`, form-encoded with JSON
values, or multipart when files are uploaded) and are answered with the Bot API's envelope
`{"ok": true, "result": ...}` or `{"ok": false, "error_code": ..., "description": ...}`.
`getUpdates` long-polls: it waits until a test injects an update or its `timeout` runs out.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.botapi.state import ApiError, BotApiState, Button, ChatMessage, FaultKind, RecordedCall
from tests.fixtures.threaded_asgi import ThreadedAsgiServer

__all__ = ["DROPPED", "BotApiServer", "Button", "ChatMessage", "FaultKind", "RecordedCall"]

DROPPED = 0
"""The status recorded for a call whose connection was closed without an answer."""

# Parameters PTB sends JSON-encoded; everything else is kept as the string it arrived as.
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "commands",
        "entities",
        "allowed_updates",
        "scope",
        "link_preview_options",
        "reply_parameters",
        "caption_entities",
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "cache_time",
        "show_alert",
        "drop_pending_updates",
        "disable_notification",
        "protect_content",
    }
)
_LONG_POLL_CAP_SECONDS = 30.0


class BotApiServer(BotApiState):
    """A Bot API on 127.0.0.1 with a random port. `start()`, point the bot at `base_url`, `stop()`."""

    def __init__(self, token: str = "123456:TEST-token") -> None:
        super().__init__(token=token, on_update=self._wake_pollers)
        self._pollers: set[asyncio.Event] = set()
        app = Starlette(routes=[Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])])
        self._http = ThreadedAsgiServer(app, name="fake-bot-api", after_serve=self._wake_all)

    @property
    def port(self) -> int:
        return self._http.port

    @property
    def base_url(self) -> str:
        """What `TELEGRAM_API_BASE_URL` should be (PTB appends the token)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def start(self) -> BotApiServer:
        self._http.start()
        return self

    def stop(self) -> None:
        self._http.stop(wake=self._wake_pollers)

    def _wake_pollers(self) -> None:
        loop = self._http.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake_all)

    def _wake_all(self) -> None:
        for event in self._pollers:
            event.set()

    async def _endpoint(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        params = await _read_params(request)
        if request.path_params["token"] != self.token:
            return self._answer(method, params, ApiError(401, "Unauthorized"))
        fault = self.take_fault(method)
        if fault is not None and fault.kind in (FaultKind.TOO_MANY_REQUESTS, FaultKind.ERROR):
            return self._answer(method, params, fault.error())
        if fault is not None and fault.kind is FaultKind.DROP_BEFORE:
            return self._drop(request, method, params)
        try:
            if method == "getUpdates":
                result = await self._get_updates(params)
            else:
                result = self.call(method, params)
        except ApiError as error:
            return self._answer(method, params, error)
        if fault is not None and fault.kind is FaultKind.DROP_AFTER:
            return self._drop(request, method, params)
        response = self._answer(method, params, result)  # recorded when done, not when answered
        if fault is not None and fault.kind is FaultKind.DELAY:
            await asyncio.sleep(fault.seconds)
        return response

    def _drop(self, request: Request, method: str, params: dict[str, Any]) -> Response:
        """Close the connection without an answer (recorded with status 0)."""
        self.record(method, params, DROPPED)
        # ASGI has no "hang up"; uvicorn's `receive` is a method of the request cycle, which holds
        # the connection. Once it is closed, uvicorn writes nothing of the response below.
        cycle = getattr(request.receive, "__self__", None)
        transport = getattr(cycle, "transport", None)
        assert isinstance(transport, asyncio.Transport), "the fault switch needs uvicorn's HTTP/1.1 cycle"
        transport.close()
        return Response(status_code=500)

    def _answer(self, method: str, params: dict[str, Any], outcome: Any) -> JSONResponse:
        if isinstance(outcome, ApiError):
            body: dict[str, Any] = {
                "ok": False,
                "error_code": outcome.code,
                "description": outcome.description,
            }
            if outcome.parameters:
                body["parameters"] = outcome.parameters
            self.record(method, params, outcome.code)
            return JSONResponse(body, status_code=outcome.code)
        if method != "getUpdates" or outcome:
            # Empty long polls are noise; every other call is kept for tests to read.
            self.record(method, params, 200)
        return JSONResponse({"ok": True, "result": outcome})

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        offset = params.get("offset")
        limit = int(params.get("limit") or 100)
        deadline = loop.time() + min(float(params.get("timeout") or 0), _LONG_POLL_CAP_SECONDS)
        while True:
            updates = self.take_updates(int(offset) if offset is not None else None, limit)
            remaining = deadline - loop.time()
            if updates or remaining <= 0 or self._http.stopping:
                return updates
            event = asyncio.Event()
            self._pollers.add(event)
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                pass
            finally:
                self._pollers.discard(event)


async def _read_params(request: Request) -> dict[str, Any]:
    """Decode PTB's form (or a test's JSON body) into Python values; uploads become (filename, bytes)."""
    if request.headers.get("content-type", "").startswith("application/json"):
        body = await request.body()
        return dict(json.loads(body)) if body else {}
    params: dict[str, Any] = {}
    async with request.form() as form:
        uploads: dict[str, tuple[str, bytes]] = {}
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                uploads[key] = (value.filename or key, await value.read())
            elif key in _JSON_PARAMS:
                params[key] = _json_or_text(value)
            else:
                params[key] = value
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            params[key] = uploads.pop(value.removeprefix("attach://"))
    params.update(uploads)
    return params


def _json_or_text(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value
