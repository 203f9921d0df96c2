"""The friction fault: what LinkedIn can put in front of any signed-in page, switchable mid-operation.

`set_faults(friction=KIND, friction_after=N)`: the next N page loads and page actions pass, and
every one after that meets KIND until the fault is switched off (or, for a checkpoint or captcha,
until the member passes it):

- `checkpoint`, `captcha`: a redirect to `/checkpoint/challenge/<id>` (email PIN, or a captcha).
- `restricted`, `unusual_activity`, `weekly_limit`: the restriction interstitial, the warning or
  the weekly-limit notice, served in place of the page that was asked for.

A page action (the Sent page's lazy loading, the withdraw dialog and its confirm, sending an
invitation) is answered with a redirect there, which the page's script follows, as LinkedIn's
does when a server action is refused. Page loads are told from sub-resources by
`Sec-Fetch-Dest: document`; the control API, static files, sign-in pages, checkpoints and the
JSON API are never counted nor stopped.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.context import Sandbox
from sandbox.identities import SESSION_COOKIE, counted
from sandbox.session import signed_in

EXEMPT_PREFIXES = (
    "/__sandbox/", "/sandbox-static/", "/login", "/uas/login", "/flagship-web/login", "/checkpoint/",
    "/authwall", "/voyager/",
)  # fmt: skip

CHALLENGE_KINDS = {"checkpoint": "email_pin", "captcha": "captcha"}
"""Frictions met as a login-style challenge, and the challenge kind each opens."""

FRICTION_PAGE = "/feed/"
"""Where a refused page action sends the browser: it then meets the friction as a page."""


class FrictionFault:
    """ASGI middleware that serves the friction fault in place of signed-in pages and actions."""

    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            response = self._friction_response(Request(scope, receive))
            if response is not None:
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _friction_response(self, request: Request) -> Response | None:
        if request.url.path.startswith(EXEMPT_PREFIXES) or not _counted(request):
            return None
        if not signed_in(request):
            return None  # the sign-in wall comes first, as on the live site
        sandbox = self.sandbox.acting(request.cookies.get(SESSION_COOKIE))  # the member's own faults
        kind = sandbox.state.friction_now()
        if kind is None:
            return None
        target = (
            str(request.url) if request.method == "GET" else request.headers.get("referer", FRICTION_PAGE)
        )
        if kind in CHALLENGE_KINDS:
            parts = urlsplit(target)
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            challenge = sandbox.state.sessions.open_challenge(CHALLENGE_KINDS[kind], path)
            return RedirectResponse(f"/checkpoint/challenge/{challenge.id}", status_code=303)
        if request.method != "GET":
            return RedirectResponse(FRICTION_PAGE, status_code=303)
        state = sandbox.state
        return sandbox.pages.page(
            "friction.html.j2",
            status_code=200,
            kind=kind,
            t=sandbox.strings(),
            locale=state.locale,
        )


def _counted(request: Request) -> bool:
    """A page load (a document) or a page action (any POST); not images, scripts or fetched fragments."""
    return counted(request.method, request.headers)
