"""A fake OpenAI-compatible chat-completions endpoint: Starlette under uvicorn on 127.0.0.1.

It runs the way tests/botapi runs the fake Bot API (a background thread, a socket bound before
uvicorn starts) and answers `POST /v1/chat/completions` (or any path ending in
`/chat/completions`) with the next scripted `Reply`, recording every request it receives.
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fixtures.threaded_asgi import ThreadedAsgiServer


@dataclass(frozen=True)
class Reply:
    """One scripted answer: a chat completion with `content`, or `status`/`raw` as given, after `delay` s."""

    content: str = ""
    finish_reason: str = "stop"
    status: int = 200
    raw: str | None = None  # the body as is (malformed JSON, a body of another shape)
    delay: float = 0.0
    hold: threading.Event | None = None  # answer only once the test sets it


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeNoteModel:
    """`start()`, point `NOTE_MODEL_URL` at `url`, queue `replies`, read `received`, `stop()`."""

    replies: list[Reply] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    asked: threading.Event = field(default_factory=threading.Event)  # set at each request
    _http: ThreadedAsgiServer | None = None

    @property
    def url(self) -> str:
        assert self._http is not None, "server not started"
        return f"http://127.0.0.1:{self._http.port}"

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def start(self) -> FakeNoteModel:
        app = Starlette(routes=[Route("/{path:path}", self._endpoint, methods=["POST"])])
        self._http = ThreadedAsgiServer(app, name="fake-note-model", backlog=16, graceful_seconds=1)
        self._http.start()
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.stop()

    async def _endpoint(self, request: Request) -> Response:
        body = json.loads(await request.body())
        self.received.append(Received(request.url.path, dict(request.headers), body))
        self.asked.set()
        if not request.url.path.endswith("/chat/completions"):
            return Response(status_code=404)
        reply = self.replies.pop(0) if self.replies else Reply(status=503)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.hold is not None:
            await asyncio.to_thread(reply.hold.wait, 10)
        if reply.raw is not None or reply.status != 200:
            return Response(reply.raw or "", status_code=reply.status, media_type="application/json")
        completion = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "model": body.get("model"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply.content},
                    "finish_reason": reply.finish_reason,
                }
            ],
        }
        return Response(json.dumps(completion), media_type="application/json")
