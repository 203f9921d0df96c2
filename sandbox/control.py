"""The JSON control and inspection API under `/__sandbox/` (never linked from any page).

GET  /__sandbox/state                 the world: pending, withdrawn, invited, connected, counts, faults, clock
POST /__sandbox/reset                 {seed, pending, rendering, locale, plan, notes_quota,
                                       month_convention, drift}: rebuild the world
POST /__sandbox/faults                {delay_ms, checkpoint, withdraw_holds, confirm_noop,
                                       dialog_wrong_person, withdraw_error, weekly_limit, weekly_invite_cap,
                                       load_more_button, login_variant, auth_redirect, expire_sessions,
                                       friction, friction_after,
                                       rendering, locale, pill_word, notes_remaining}
POST /__sandbox/clock/advance         {seconds} or {days}: move the sandbox clock
POST /__sandbox/session               mint a session: {li_at, JSESSIONID}
POST /__sandbox/accept                {slug}: the member accepts our pending invitation
POST /__sandbox/person                {slug, first_name, last_name, headline, company, note}: change
                                       what a member typed (any of those keys; any text)
POST /__sandbox/checkpoints/approve   tap "Yes, it's me" on open app-approval checkpoints
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.context import sandbox_of
from sandbox.state import SandboxState

_RESET_KEYS = {"seed", "pending", "rendering", "locale", "plan", "notes_quota", "month_convention", "drift"}


def apply_switches(state: SandboxState, switches: dict[str, Any]) -> None:
    """Apply fault and rendering switches by name; raises `TypeError`/`ValueError` on bad input."""
    switches = dict(switches)
    if switches.pop("expire_sessions", False):
        state.sessions.expire_all()
    if "rendering" in switches:
        state.rendering = switches.pop("rendering")
    if "locale" in switches:
        state.locale = switches.pop("locale")
    if "pill_word" in switches:
        state.pill_word = switches.pop("pill_word")
    if "notes_remaining" in switches:
        state.notes_remaining = int(switches.pop("notes_remaining"))
    if switches:
        state.set_faults(**switches)


async def _body(request: Request) -> dict[str, Any]:
    if not await request.body():
        return {}
    body = await request.json()
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def _bad(error: Exception) -> JSONResponse:
    return JSONResponse({"error": str(error)}, status_code=400)


async def get_state(request: Request) -> Response:
    return JSONResponse(sandbox_of(request).state.snapshot())


async def reset(request: Request) -> Response:
    state = sandbox_of(request).state
    try:
        body = await _body(request)
        unknown = set(body) - _RESET_KEYS
        if unknown:
            raise ValueError(f"unknown reset keys: {sorted(unknown)}")
        state.reset(**body)
    except (TypeError, ValueError) as error:
        return _bad(error)
    return JSONResponse(state.snapshot()["counts"])


async def faults(request: Request) -> Response:
    state = sandbox_of(request).state
    try:
        apply_switches(state, await _body(request))
    except (TypeError, ValueError) as error:
        return _bad(error)
    snapshot = state.snapshot()
    return JSONResponse({k: snapshot[k] for k in ("faults", "rendering", "locale", "notes_remaining")})


async def advance_clock(request: Request) -> Response:
    state = sandbox_of(request).state
    try:
        body = await _body(request)
        delta = timedelta(seconds=float(body.get("seconds", 0)), days=float(body.get("days", 0)))
    except (TypeError, ValueError) as error:
        return _bad(error)
    return JSONResponse({"clock": state.advance_clock(delta).isoformat()})


async def mint_session(request: Request) -> Response:
    li_at, jsessionid = sandbox_of(request).state.sessions.mint()
    return JSONResponse({"li_at": li_at, "JSESSIONID": jsessionid})


async def accept(request: Request) -> Response:
    try:
        slug = str((await _body(request))["slug"])
    except (KeyError, ValueError) as error:
        return _bad(error)
    accepted = sandbox_of(request).state.accept(slug)
    return JSONResponse({"accepted": accepted}, status_code=200 if accepted else 409)


async def rewrite_person(request: Request) -> Response:
    try:
        body = await _body(request)
        slug = str(body.pop("slug"))
        found = sandbox_of(request).state.rewrite_person(slug, **body)
    except (KeyError, TypeError, ValueError) as error:
        return _bad(error)
    return JSONResponse({"rewritten": found}, status_code=200 if found else 404)


async def approve_checkpoints(request: Request) -> Response:
    return JSONResponse({"approved": sandbox_of(request).state.sessions.approve_challenges()})


ROUTES = [
    Route("/__sandbox/state", get_state, methods=["GET"]),
    Route("/__sandbox/reset", reset, methods=["POST"]),
    Route("/__sandbox/faults", faults, methods=["POST"]),
    Route("/__sandbox/clock/advance", advance_clock, methods=["POST"]),
    Route("/__sandbox/session", mint_session, methods=["POST"]),
    Route("/__sandbox/accept", accept, methods=["POST"]),
    Route("/__sandbox/person", rewrite_person, methods=["POST"]),
    Route("/__sandbox/checkpoints/approve", approve_checkpoints, methods=["POST"]),
]
