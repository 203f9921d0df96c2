"""The sign-in wall: pages need a valid `li_at` cookie, as on linkedin.com."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from sandbox.context import sandbox_of
from sandbox.identities import SESSION_COOKIE as SESSION_COOKIE

CSRF_COOKIE = "JSESSIONID"
SESSION_MAX_AGE = 365 * 86_400


def signed_in(request: Request) -> bool:
    return sandbox_of(request).state.sessions.valid(request.cookies.get(SESSION_COOKIE))


def wall(request: Request) -> Response | None:
    """A redirect to the login page (or the authwall) when the request has no valid session."""
    if signed_in(request):
        return None
    # An action (POST) cannot be replayed after signing in: come back to the page that sent it.
    page = str(request.url) if request.method == "GET" else request.headers.get("referer", "/feed/")
    target = quote(page, safe="")
    if sandbox_of(request).state.faults.auth_redirect == "authwall":
        return RedirectResponse(f"/authwall?sessionRedirect={target}", status_code=302)
    return RedirectResponse(f"/login/?session_redirect={target}", status_code=302)


def start_session(request: Request, response: Response) -> None:
    """Mint a session and set its cookies on `response`: li_at (HttpOnly) and JSESSIONID."""
    li_at, jsessionid = sandbox_of(request).state.sessions.mint()
    response.set_cookie(SESSION_COOKIE, li_at, max_age=SESSION_MAX_AGE, httponly=True, samesite="lax")
    # Written by hand: LinkedIn's value carries literal quotes ("ajax:<n>"), which SimpleCookie would escape.
    response.headers.append(
        "set-cookie", f"{CSRF_COOKIE}={jsessionid}; Max-Age={SESSION_MAX_AGE}; Path=/; SameSite=Lax"
    )
