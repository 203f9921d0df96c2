"""Member profiles `/in/<slug>/`: the top card with its relationship controls (reference §4.1, §8.3),
and what the member tells about themselves: location, mutual connections, About, Experience,
Education and Languages, each missing for some members, marked up as the world's rendering does.

The action row is rendered twice (top card and sticky header), plus a hidden responsive copy of
the Pending control, and "People you may know" cards carry other members' controls: automation
must scope to the top card (`[componentkey$="Topcard"]`) and check the name. `/in/me/` leads to
the signed-in member's own profile.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from sandbox.context import base_url, sandbox_of
from sandbox.model import Position
from sandbox.sent import component_key, script_config
from sandbox.session import SESSION_COOKIE, wall


def position_groups(positions: tuple[Position, ...]) -> list[list[Position]]:
    """Consecutive roles at one company, which the Experience section shows as one entry."""
    groups: list[list[Position]] = []
    for position in positions:
        if groups and groups[-1][0].company == position.company:
            groups[-1].append(position)
        else:
            groups.append([position])
    return groups


async def profile(request: Request) -> Response:
    if (redirect := wall(request)) is not None:
        return redirect
    sandbox = sandbox_of(request)
    slug = request.path_params["slug"]
    owner = sandbox.state.owner()
    if slug == "me":
        return RedirectResponse(f"/in/{owner.slug}/", status_code=302)
    person = owner if slug == owner.slug else sandbox.state.person(slug)
    if person is None:
        return sandbox.pages.page("not_found.html.j2", status_code=404)
    state = "self" if person is owner else sandbox.state.profile_state(slug)
    invitation = sandbox.state.invitation(slug)
    # Two strangers and a pending invitee: other people's Connect and Pending controls.
    pending_other = [i.slug for i in sandbox.state.pending()[:2] if i.slug != slug][:1]
    suggestions = [p for p in sandbox.state.strangers(3)[1:3] if p.slug != slug] + [
        p for p in map(sandbox.state.person, pending_other) if p is not None
    ]
    return sandbox.pages.page(
        "profile.html.j2",
        person=person,
        state=state,
        key=component_key(sandbox, invitation) if invitation else "",
        suggestions=[(p, sandbox.state.profile_state(p.slug)) for p in suggestions],
        flash=sandbox.state.sessions.pop_flash(request.cookies.get(SESSION_COOKIE)),
        note_limit=sandbox.state.note_limit,
        origin=base_url(request),
        t=sandbox.strings(),
        locale=sandbox.state.locale,
        rendering=sandbox.state.rendering,
        position_groups=position_groups(person.details.positions),
        this_year=sandbox.state.now().year,
        c=sandbox.classes(),
        hooks=sandbox.classes(),
        script_config=script_config(sandbox, mode="profile", count=0, cursor=None, hasMore=False),
    )


ROUTES = [
    Route("/in/{slug}/", profile),
]
