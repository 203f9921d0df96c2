"""Sign-in pages: the login form (classic or form-less), checkpoints, the authwall and the feed."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from sandbox.context import Sandbox, base_url, sandbox_of
from sandbox.session import signed_in, start_session, wall

FEED_PATH = "/feed/"


def _safe_redirect(request: Request, target: str | None) -> str:
    """Only our own paths (absolute on our origin or relative): never an open redirect."""
    if not target:
        return FEED_PATH
    parts = urlsplit(target)
    if parts.scheme and f"{parts.scheme}://{parts.netloc}" != base_url(request):
        return FEED_PATH
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return FEED_PATH
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _texts(sandbox: Sandbox) -> dict[str, Any]:
    """The world's language for a sign-in or checkpoint page."""
    return {"t": sandbox.strings(), "locale": sandbox.state.locale}


def _login_page(
    request: Request, *, email: str = "", error: str | None = None, redirect: str = ""
) -> Response:
    sandbox = sandbox_of(request)
    variant = sandbox.state.faults.login_variant
    return sandbox.pages.page(
        f"auth/login_{variant}.html.j2",
        csrf_token="ajax:" + secrets.token_hex(8),
        session_redirect=redirect,
        email=email,
        error=error,
        c=sandbox.classes(),
        **_texts(sandbox),
    )


async def login(request: Request) -> Response:
    """GET the login page (signed in: straight on); the target travels in `session_redirect`."""
    target = request.query_params.get("session_redirect", "")
    if signed_in(request):
        return RedirectResponse(_safe_redirect(request, target), status_code=302)
    return _login_page(request, redirect=target)


async def login_submit(request: Request) -> Response:
    """POST credentials: wrong → the form again with an error; right → a checkpoint or the session."""
    sandbox = sandbox_of(request)
    form = await request.form()
    email = str(form.get("session_key", "")).strip()
    password = str(form.get("session_password", ""))
    redirect = str(form.get("session_redirect", ""))
    if not form.get("csrfToken"):
        return HTMLResponse("", status_code=400)
    config = sandbox.state.config
    if email.lower() != config.email.lower():
        return _login_page(request, email=email, error="email", redirect=redirect)
    if not secrets.compare_digest(password, config.password):
        return _login_page(request, email=email, error="password", redirect=redirect)
    kind = sandbox.state.faults.checkpoint
    if kind != "none":
        challenge = sandbox.state.sessions.open_challenge(kind, _safe_redirect(request, redirect))
        return RedirectResponse(f"/checkpoint/challenge/{challenge.id}", status_code=303)
    response = RedirectResponse(_safe_redirect(request, redirect), status_code=303)
    start_session(request, response)
    return response


async def challenge_page(request: Request) -> Response:
    sandbox = sandbox_of(request)
    challenge = sandbox.state.sessions.challenge(request.path_params["challenge_id"])
    if challenge is None:
        return RedirectResponse("/login/", status_code=302)
    return sandbox.pages.page("auth/challenge.html.j2", challenge=challenge, error=False, **_texts(sandbox))


async def challenge_status(request: Request) -> Response:
    """GET whether an app-approval challenge was approved (the waiting page polls this)."""
    challenge = sandbox_of(request).state.sessions.challenge(request.path_params["challenge_id"])
    return JSONResponse(
        {"approved": bool(challenge and challenge.approved)}, status_code=200 if challenge else 404
    )


async def captcha_frame(request: Request) -> Response:
    sandbox = sandbox_of(request)
    challenge = sandbox.state.sessions.challenge(request.path_params["challenge_id"])
    if challenge is None:
        return HTMLResponse("", status_code=404)
    return sandbox.pages.page("auth/captcha_frame.html.j2", challenge=challenge)


async def challenge_verify(request: Request) -> Response:
    """POST the PIN (or the solved captcha): right → the session and the original target."""
    sandbox = sandbox_of(request)
    form = await request.form()
    challenge = sandbox.state.sessions.challenge(str(form.get("challengeId", "")))
    if challenge is None:
        return RedirectResponse("/login/", status_code=303)
    if challenge.kind == "captcha":
        passed = form.get("captcha") == "solved"
    elif challenge.kind == "app_approval":
        passed = challenge.approved
    else:
        # The hidden duplicate input also posts a `pin`; the visible one is the last filled value.
        pins = [str(p).strip() for p in form.getlist("pin") if str(p).strip()]
        passed = bool(pins) and secrets.compare_digest(pins[-1], sandbox.state.config.pin)
    if not passed:
        return sandbox.pages.page(
            "auth/challenge.html.j2", challenge=challenge, error=True, **_texts(sandbox)
        )
    sandbox.state.sessions.close_challenge(challenge.id)
    sandbox.state.clear_friction("checkpoint", "captcha")  # passed: signed-in pages show again
    response = RedirectResponse(challenge.redirect, status_code=303)
    start_session(request, response)
    return response


async def authwall(request: Request) -> Response:
    return sandbox_of(request).pages.page(
        "auth/authwall.html.j2", session_redirect=request.query_params.get("sessionRedirect", "")
    )


async def feed(request: Request) -> Response:
    if (redirect := wall(request)) is not None:
        return redirect
    return sandbox_of(request).pages.page("feed.html.j2")


async def received(request: Request) -> Response:
    if (redirect := wall(request)) is not None:
        return redirect
    return sandbox_of(request).pages.page("received.html.j2")


async def mynetwork(request: Request) -> Response:
    if (redirect := wall(request)) is not None:
        return redirect
    return RedirectResponse("/mynetwork/invitation-manager/received/", status_code=302)


async def home(request: Request) -> Response:
    """`/`: the feed when signed in (LinkedIn's withdraw anchors point here), else the login."""
    return RedirectResponse(FEED_PATH if wall(request) is None else "/login/", status_code=302)


ROUTES = [
    Route("/", home),
    Route("/login", login),
    Route("/login/", login),
    Route("/uas/login", login),
    Route("/flagship-web/login", login),
    Route("/checkpoint/lg/login-submit", login_submit, methods=["POST"]),
    Route("/checkpoint/challenge/verify", challenge_verify, methods=["POST"]),
    Route("/checkpoint/challenge/{challenge_id}", challenge_page),
    Route("/checkpoint/challenge/{challenge_id}/status", challenge_status),
    Route("/checkpoint/captcha-frame/{challenge_id}", captcha_frame),
    Route("/authwall", authwall),
    Route(FEED_PATH, feed),
    Route("/mynetwork/invitation-manager/received/", received),
    Route("/mynetwork/", mynetwork),
]
