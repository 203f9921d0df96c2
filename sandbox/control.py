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
GET  /__sandbox/identities            per member: pending, withdrawn, sessions, busy, most_at_once,
                                       browser_sessions, overlaps (exact)
POST /__sandbox/identities            {name, seed, pending, rendering, locale, ...}: a new member with
                                       a world of its own; answers a session for it {li_at, JSESSIONID}

Every endpoint but reset and identities acts on the default member, or on the one named by
`?identity=NAME` (404 when there is none). A reset rebuilds the default member's world and
forgets the other members and the overlaps seen.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.config import SandboxConfig
from sandbox.context import sandbox_of
from sandbox.identities import UnknownIdentity
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


def _member(request: Request) -> SandboxState:
    """The member `?identity=NAME` names, else the default one; raises `UnknownIdentity`."""
    return sandbox_of(request).identities.get(request.query_params.get("identity", "default"))


def _unknown(error: UnknownIdentity) -> JSONResponse:
    return JSONResponse({"error": f"no identity called {error.args[0]!r}"}, status_code=404)


async def get_state(request: Request) -> Response:
    try:
        return JSONResponse(_member(request).snapshot())
    except UnknownIdentity as error:
        return _unknown(error)


def member_config(base: SandboxConfig, members: int, overrides: dict[str, Any]) -> SandboxConfig:
    """A new member's world: the default's config with `overrides` (reset keys only); unless a
    seed is given, one of its own, so its people are not the default member's."""
    return dataclasses.replace(base, **{"seed": base.seed + members, **_reset_keys(overrides)})


def _reset_keys(body: dict[str, Any]) -> dict[str, Any]:
    unknown = set(body) - _RESET_KEYS
    if unknown:
        raise ValueError(f"unknown reset keys: {sorted(unknown)}")
    return body


async def reset(request: Request) -> Response:
    sandbox = sandbox_of(request)
    try:
        sandbox.state.reset(**_reset_keys(await _body(request)))
    except (TypeError, ValueError) as error:
        return _bad(error)
    sandbox.identities.clear()
    return JSONResponse(sandbox.state.snapshot()["counts"])


async def faults(request: Request) -> Response:
    try:
        state = _member(request)
        apply_switches(state, await _body(request))
    except UnknownIdentity as error:
        return _unknown(error)
    except (TypeError, ValueError) as error:
        return _bad(error)
    snapshot = state.snapshot()
    return JSONResponse({k: snapshot[k] for k in ("faults", "rendering", "locale", "notes_remaining")})


async def advance_clock(request: Request) -> Response:
    try:
        state = _member(request)
        body = await _body(request)
        delta = timedelta(seconds=float(body.get("seconds", 0)), days=float(body.get("days", 0)))
    except UnknownIdentity as error:
        return _unknown(error)
    except (TypeError, ValueError) as error:
        return _bad(error)
    return JSONResponse({"clock": state.advance_clock(delta).isoformat()})


async def mint_session(request: Request) -> Response:
    try:
        li_at, jsessionid = _member(request).sessions.mint()
    except UnknownIdentity as error:
        return _unknown(error)
    return JSONResponse({"li_at": li_at, "JSESSIONID": jsessionid})


async def accept(request: Request) -> Response:
    try:
        slug = str((await _body(request))["slug"])
    except (KeyError, ValueError) as error:
        return _bad(error)
    try:
        accepted = _member(request).accept(slug)
    except UnknownIdentity as error:
        return _unknown(error)
    return JSONResponse({"accepted": accepted}, status_code=200 if accepted else 409)


async def rewrite_person(request: Request) -> Response:
    try:
        body = await _body(request)
        slug = str(body.pop("slug"))
        found = _member(request).rewrite_person(slug, **body)
    except UnknownIdentity as error:
        return _unknown(error)
    except (KeyError, TypeError, ValueError) as error:
        return _bad(error)
    return JSONResponse({"rewritten": found}, status_code=200 if found else 404)


async def identities(request: Request) -> Response:
    sandbox = sandbox_of(request)
    if request.method == "GET":
        return JSONResponse(sandbox.identities.summary())
    try:
        body = await _body(request)
        name = str(body.pop("name", ""))
        member = sandbox.identities.add(
            name, member_config(sandbox.state.config, len(sandbox.identities.names()), body)
        )
    except (TypeError, ValueError) as error:
        return _bad(error)
    li_at, jsessionid = member.sessions.mint()
    return JSONResponse({"name": name, "li_at": li_at, "JSESSIONID": jsessionid})


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
    Route("/__sandbox/identities", identities, methods=["GET", "POST"]),
]
