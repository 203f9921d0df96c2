"""The messaging page `/messaging/compose/?recipient=<slug>`: the conversation and its message box.

The profile's Message link leads here. The thread lists our messages to the member (the
server's own record, so a reload shows what was really sent); the box is a `contenteditable`
textbox in the e4 rendering, as on today's site, and a plain `<textarea>` in the Ember ones (e3,
e2). Sending posts the form and lands on the same page again, the new message at the end of
the thread. Only connections can be messaged: anyone else gets LinkedIn's notice and no box.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from sandbox.context import base_url, sandbox_of
from sandbox.model import MessageOutcome, Relation
from sandbox.session import SESSION_COOKIE, wall

COMPOSE_PATH = "/messaging/compose/"
SEND_PATH = "/messaging/compose/send"


async def compose(request: Request) -> Response:
    if (redirect := wall(request)) is not None:
        return redirect
    sandbox = sandbox_of(request)
    person = sandbox.state.person(request.query_params.get("recipient", ""))
    if person is None:
        return sandbox.pages.page("not_found.html.j2", status_code=404)
    return sandbox.pages.page(
        "messaging/compose.html.j2",
        person=person,
        connected=person.relation is Relation.CONNECTED,
        thread=sandbox.state.thread(person.slug),
        owner=sandbox.state.owner(),
        flash=sandbox.state.sessions.pop_flash(request.cookies.get(SESSION_COOKIE)),
        origin=base_url(request),
        t=sandbox.strings(),
        locale=sandbox.state.locale,
        rendering=sandbox.state.rendering,
        c=sandbox.classes(),
    )


async def send(request: Request) -> Response:
    """POST a message (`recipient`, `body`)."""
    if (redirect := wall(request)) is not None:
        return redirect
    sandbox = sandbox_of(request)
    form = await request.form()
    slug = str(form.get("recipient", ""))
    outcome = sandbox.state.send_message(slug, str(form.get("body", "")))
    if outcome is MessageOutcome.UNKNOWN_MEMBER:
        return sandbox.pages.page("not_found.html.j2", status_code=404)
    if outcome is not MessageOutcome.SENT:
        li_at = request.cookies.get(SESSION_COOKIE)
        if li_at:
            sandbox.state.sessions.push_flash(li_at, outcome.value)
    return RedirectResponse(f"{COMPOSE_PATH}?recipient={quote(slug)}", status_code=303)


ROUTES = [
    Route(COMPOSE_PATH, compose),
    Route(SEND_PATH, send, methods=["POST"]),
]
