"""`create_app(config)`: the sandbox as a Starlette app, every route in one ordered list."""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox import auth, control, invite, messaging, profile, sent, voyager
from sandbox.browser_sessions import SESSION_TRACE_COOKIE
from sandbox.config import SandboxConfig
from sandbox.context import Sandbox
from sandbox.drift import DriftPage
from sandbox.friction import FrictionFault
from sandbox.identities import SESSION_COOKIE, counted
from sandbox.rendering import PageRenderer
from sandbox.state import SandboxState

STATIC_FILES = ("sandbox", "static")  # package data: the page scripts


class _SlowResponses:
    """The slow-responses fault: delay every site request (not the control API) by `delay_ms`
    (the member's own, for a request with another member's session)."""

    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/__sandbox/"):
            member = self.sandbox.acting(Request(scope).cookies.get(SESSION_COOKIE))
            delay_ms = member.state.faults.delay_ms
            if delay_ms:
                await asyncio.sleep(delay_ms / 1000)
        await self.app(scope, receive, send)


class _Drifting:
    """The drift mode: every HTML page and fragment the site serves goes through `Drift.transform`."""

    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        sandbox = (
            self.sandbox.acting(Request(scope).cookies.get(SESSION_COOKIE))
            if scope["type"] == "http"
            else self.sandbox
        )
        drift = sandbox.state.drift
        if (
            scope["type"] != "http"
            or drift is None
            or scope["path"].startswith(("/__sandbox/", "/sandbox-static/"))
        ):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            assert start is not None
            headers = MutableHeaders(raw=list(start["headers"]))
            content = b"".join(body)
            if headers.get("content-type", "").startswith("text/html"):
                request = Request(scope)
                origin = str(request.base_url).rstrip("/")
                content = drift.transform(content.decode(), self._page(sandbox, origin)).encode()
                headers["content-length"] = str(len(content))
            await send({**start, "headers": headers.raw})
            await send({"type": "http.response.body", "body": content})

        await self.app(scope, receive, capture)

    @staticmethod
    def _page(sandbox: Sandbox, origin: str) -> DriftPage:
        state, pages = sandbox.state, sandbox.pages
        hooks = sandbox.classes()
        pending = [p for p in (state.person(slug) for slug in state.pending_slugs()) if p is not None]
        return DriftPage(
            load=state.next_load(),
            origin=origin,
            locale=state.locale,
            hook=hooks.hook,
            more_text=str(sandbox.strings().more()),
            decoys=pages.env.get_template("drift/decoys.html.j2").make_module(
                vars={"origin": origin, "locale": state.locale}
            ),
            strangers=state.strangers(6),
            pending=pending,
        )


class _SessionOverlaps:
    """Record which browser session of which member each request is, and how long it is busy.

    Outermost, so a slow answer (the slow-responses fault) keeps the session busy as long as the
    browser waits for it. Two records: `Identities.most_at_once` (page loads and actions in flight
    at once) and `Identities.browser_sessions` (every browser session's span, exact: see
    `sandbox.browser_sessions`), which answers each session's page loads with its cookie.
    """

    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/__sandbox/"):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        member = self.sandbox.identities.of_session(request.cookies.get(SESSION_COOKIE))
        if member is None:
            await self.app(scope, receive, send)
            return
        sessions = self.sandbox.identities.browser_sessions
        visit = sessions.arrive(
            member[0],
            request.cookies.get(SESSION_TRACE_COOKIE),
            page_load=request.headers.get("sec-fetch-dest", "document") == "document",
        )

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and visit.set_cookie is not None:
                headers = MutableHeaders(scope=message)
                headers.append(
                    "set-cookie", f"{SESSION_TRACE_COOKIE}={visit.set_cookie}; Path=/; HttpOnly; SameSite=Lax"
                )
            await send(message)

        try:
            if counted(request.method, request.headers) and not scope["path"].startswith("/sandbox-static/"):
                with self.sandbox.identities.working(member[0]):
                    await self.app(scope, receive, send_with_cookie)
            else:
                await self.app(scope, receive, send_with_cookie)
        finally:
            sessions.leave(visit.session)


async def _invitation_manager(request: Request) -> Response:
    del request
    return RedirectResponse("/mynetwork/invitation-manager/received/", status_code=302)


def create_app(config: SandboxConfig | None = None, *, state: SandboxState | None = None) -> Starlette:
    """Build the sandbox app over a new world from `config` (or over an existing `state`)."""
    world = state or SandboxState(config or SandboxConfig())
    routes = [
        # 1. the control API, never linked from pages
        *control.ROUTES,
        # 2. the Sent page, its lazy loading and the withdraw actions
        Route("/mynetwork/invitation-manager/", _invitation_manager),
        Route(sent.SENT_PATH, sent.sent_page),
        Route(sent.SENT_PATH + "CONNECTION/", sent.sent_page),
        Route(sent.PAGINATION_PATH, sent.pagination, methods=["POST"]),
        Route(sent.SERVER_REQUEST_PATH, sent.server_request, methods=["POST"]),
        # 3. sign-in, checkpoints, the feed
        *auth.ROUTES,
        # 4. profiles and the custom-invite dialog
        *profile.ROUTES,
        *invite.ROUTES,
        *messaging.ROUTES,
        # 5. the internal JSON API
        *voyager.ROUTES,
        # 6. the page scripts
        Mount("/sandbox-static", StaticFiles(packages=[STATIC_FILES]), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.sandbox = sandbox = Sandbox(state=world, pages=PageRenderer())
    app.add_middleware(FrictionFault, sandbox=sandbox)  # inside the drift: friction pages drift too
    app.add_middleware(_Drifting, sandbox=sandbox)
    app.add_middleware(_SlowResponses, sandbox=sandbox)
    app.add_middleware(_SessionOverlaps, sandbox=sandbox)
    return app
