"""The custom-invite dialog `/preload/custom-invite/?vanityName=<slug>` and sending an invitation.

Opening the URL sends nothing (a plain GET renders the Ember modal). Sending posts the form;
success lands on the profile, now Pending; a refusal lands there too with LinkedIn's message.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from sandbox.context import base_url, sandbox_of
from sandbox.model import InviteOutcome
from sandbox.session import SESSION_COOKIE, wall

INVITE_PATH = "/preload/custom-invite/"
SEND_PATH = "/preload/custom-invite/send"


async def custom_invite(request: Request) -> Response:
    if (redirect := wall(request)) is not None:
        return redirect
    sandbox = sandbox_of(request)
    person = sandbox.state.person(request.query_params.get("vanityName", ""))
    if person is None:
        return sandbox.pages.page("not_found.html.j2", status_code=404)
    plan = sandbox.state.plan
    return sandbox.pages.page(
        "invite/custom_invite.html.j2",
        person=person,
        plan=plan,
        note_limit=sandbox.state.note_limit,
        notes_remaining=sandbox.state.notes_remaining if plan == "free" else None,
        origin=base_url(request),
        t=sandbox.strings(),
        locale=sandbox.state.locale,
    )


async def send_invite(request: Request) -> Response:
    """POST the invitation (`message` empty or absent: without a note)."""
    if (redirect := wall(request)) is not None:
        return redirect
    sandbox = sandbox_of(request)
    form = await request.form()
    slug = str(form.get("vanityName", ""))
    note = str(form.get("message", "")).strip() if form.get("mode") != "without-note" else ""
    outcome = sandbox.state.invite(slug, note or None)
    if outcome is InviteOutcome.UNKNOWN_MEMBER:
        return sandbox.pages.page("not_found.html.j2", status_code=404)
    if outcome is not InviteOutcome.SENT:
        li_at = request.cookies.get(SESSION_COOKIE)
        if li_at:
            sandbox.state.sessions.push_flash(li_at, outcome.value)
    return RedirectResponse(f"/in/{quote(slug)}/", status_code=303)


ROUTES = [
    Route(INVITE_PATH, custom_invite),
    Route(SEND_PATH, send_invite, methods=["POST"]),
]
