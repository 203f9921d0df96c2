"""The Sent invitations page, its lazy-loading endpoint and the withdraw confirmation actions.

One module serves all three renderings (E4 SDUI, E3 React, E2 Ember); the differences live in
`templates/sandbox/sent/<rendering>*.html.j2`. Rows are addressed by their `componentkey`
(`auto-component-<invitation id>-<salt>`), which the page's script sends back with each action.
"""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from sandbox.ages import Age, relative_age
from sandbox.config import SandboxConfig
from sandbox.context import Sandbox, base_url, sandbox_of
from sandbox.model import Invitation, WithdrawOutcome
from sandbox.session import wall

PAGE_SIZE = 10
SENT_PATH = "/mynetwork/invitation-manager/sent/"
PAGINATION_PATH = "/flagship-web/rsc-action/actions/pagination"
SERVER_REQUEST_PATH = "/flagship-web/rsc-action/actions/server-request"
PAGINATION_SDUIID = "com.linkedin.sdui.flagshipnav.mynetwork.invitations.InvitationManagerSentPagination"
DIALOG_SDUIID = "com.linkedin.sdui.flagshipnav.mynetwork.invitations.WithdrawConfirmationDialog"
WITHDRAW_SDUIID = "com.linkedin.sdui.flagshipnav.mynetwork.invitations.WithdrawInvitation"


@dataclass(frozen=True)
class Row:
    """What a row template needs about one pending invitation."""

    key: str
    slug: str
    name: str
    first_name: str
    headline: str
    age: Age
    note: str | None
    profile_url: str
    withdraw_href: str


def component_key(sandbox: Sandbox, invitation: Invitation) -> str:
    return f"auto-component-{invitation.id}-{sandbox.state.class_salt}"


def _invitation_id(sandbox: Sandbox, key: object) -> int | None:
    prefix, suffix = "auto-component-", f"-{sandbox.state.class_salt}"
    if not isinstance(key, str) or not key.startswith(prefix) or not key.endswith(suffix):
        return None
    digits = key[len(prefix) : -len(suffix)]
    return int(digits) if digits.isdigit() else None


def _rows(request: Request, invitations: list[Invitation], *, lazy: bool) -> list[Row]:
    sandbox = sandbox_of(request)
    origin, now = base_url(request), sandbox.state.now()
    today_for_hours = sandbox.state.rendering == "e2"
    rows = []
    for invitation in invitations:
        person = sandbox.state.person(invitation.slug)
        assert person is not None, "every invitation names a seeded member"
        rows.append(
            Row(
                key=component_key(sandbox, invitation),
                slug=person.slug,
                name=person.name,
                first_name=person.first_name,
                headline=person.headline,
                age=relative_age(
                    invitation.sent_at,
                    now,
                    today_for_hours=today_for_hours,
                    convention=sandbox.state.month_convention,
                ),  # fmt: skip
                note=invitation.note,
                profile_url=f"{origin}/in/{person.slug}/",
                # Live: server-rendered rows point at the feed, lazy-loaded ones at the Sent page.
                withdraw_href=f"{origin}{SENT_PATH}" if lazy else f"{origin}/",
            )
        )
    return rows


def _common(sandbox: Sandbox) -> dict[str, Any]:
    return {
        "t": sandbox.strings(),
        "c": sandbox.classes(),
        "locale": sandbox.state.locale,
        "pill_word": sandbox.state.pill_word,
    }


HOOKS = (
    *("list", "pill", "withdraw", "dialog", "confirm", "cancel", "dismiss", "toasts", "toast_dismiss"),
    *("load_more", "note_more", "row_gap", "blocked_template", "more", "menu"),
)


def script_config(sandbox: Sandbox, *, mode: str, **extra: Any) -> str:
    """The JSON the page script starts from: endpoints, the world's hook classes, and `extra`."""
    hooks = sandbox.classes()
    return json.dumps(
        {
            "mode": mode,
            "rendering": sandbox.state.rendering,
            "paginationUrl": f"{PAGINATION_PATH}?sduiid={PAGINATION_SDUIID}",
            "dialogUrl": f"{SERVER_REQUEST_PATH}?sduiid={DIALOG_SDUIID}",
            "withdrawUrl": f"{SERVER_REQUEST_PATH}?sduiid={WITHDRAW_SDUIID}",
            "hooks": {name: hooks.hook(name) for name in HOOKS},
            **extra,
        }
    )


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return max(1, int(raw)) if raw.isdigit() else 1


async def sent_page(request: Request) -> Response:
    """GET the Sent page: the first rows server-side, the rest on scroll (or "Load more" in E2)."""
    if (redirect := wall(request)) is not None:
        return redirect
    sandbox = sandbox_of(request)
    rendering = sandbox.state.rendering
    pending = sandbox.state.pending()
    page = _page_number(request) if rendering == "e2" else 1
    drift = sandbox.state.drift
    size = drift.page_size(None) if drift else PAGE_SIZE
    shown = pending[(page - 1) * size : page * size]
    rows = _rows(request, shown, lazy=False)
    hooks = sandbox.classes()
    load_more_button = rendering == "e2" or sandbox.state.faults.load_more_button
    config = script_config(
        sandbox,
        mode="sent",
        infiniteScroll=not load_more_button,
        count=len(pending),
        cursor=shown[-1].id if shown else None,
        hasMore=page * size < len(pending),
    )
    neighbours = sandbox.state.strangers(3)
    return sandbox.pages.page(
        f"sent/{rendering}.html.j2",
        rows=rows,
        count=len(pending),
        page=page,
        has_more=page * size < len(pending),
        load_more_button=load_more_button,
        pages=max(1, -(-len(pending) // size)),
        neighbours=neighbours,
        origin=base_url(request),
        hooks=hooks,
        script_config=config,
        **_common(sandbox),
    )


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


async def pagination(request: Request) -> Response:
    """POST the next rows after a cursor, as an HTML fragment (the RSC stream's stand-in)."""
    if (redirect := wall(request)) is not None:
        return redirect
    sandbox = sandbox_of(request)
    body = await _json_body(request)
    cursor = body.get("cursor")
    drift = sandbox.state.drift
    size = drift.page_size(cursor) if drift else PAGE_SIZE
    if drift:
        await asyncio.sleep(drift.latency_seconds(cursor))  # the drift's jittered latency
    if (latency := fragment_latency(sandbox.state.config, cursor)) > 0:
        await asyncio.sleep(latency)
    batch = sandbox.state.pending_after(cursor if isinstance(cursor, int) else None, size + 1)
    has_more, batch = len(batch) > size, batch[:size]
    html = sandbox.pages.render(
        f"sent/{sandbox.state.rendering}_rows.html.j2",
        rows=_rows(request, batch, lazy=True),
        hooks=sandbox.classes(),
        **_common(sandbox),
    )
    headers = {"x-sandbox-has-more": "true" if has_more else "false"}
    if batch:
        headers["x-sandbox-cursor"] = str(batch[-1].id)
    return HTMLResponse(html, headers=headers)


def fragment_latency(config: SandboxConfig, cursor: object) -> float:
    """Seconds the fragment after `cursor` waits before its answer (`SandboxConfig.fragment_latency`)."""
    if config.fragment_latency is None:
        return 0.0
    low, high = config.fragment_latency
    return random.Random(f"{config.seed}:fragment-latency:{cursor}").uniform(low, high)


def _rendering_for(sandbox: Sandbox, body: dict[str, Any]) -> str:
    """Profiles are SDUI (E4) in every era the sandbox serves; the Sent page follows the switch."""
    return "e4" if body.get("surface") == "profile" else sandbox.state.rendering


def _target(sandbox: Sandbox, body: dict[str, Any]) -> tuple[Invitation, Any] | None:
    invitation_id = _invitation_id(sandbox, body.get("componentkey"))
    matches = [i for i in sandbox.state.invitations() if i.id == invitation_id]
    if not matches:
        return None
    person = sandbox.state.person(matches[0].slug)
    return (matches[0], person) if person else None


def _someone_else(sandbox: Sandbox, invitation: Invitation) -> tuple[Invitation, Any] | None:
    """The pending invitation after `invitation` (else before it), for the wrong-person fault."""
    pending = sandbox.state.pending()
    others = [i for i in pending if i.sort_key < invitation.sort_key] or [
        i for i in pending if i.id != invitation.id
    ]
    if not others:
        return None
    person = sandbox.state.person(others[0].slug)
    return (others[0], person) if person else None


async def withdraw_dialog(request: Request) -> Response:
    """POST: the confirmation dialog for one row (LinkedIn fetches it as an SDUI screen)."""
    if (redirect := wall(request)) is not None:
        return redirect
    sandbox = sandbox_of(request)
    body = await _json_body(request)
    target = _target(sandbox, body)
    if target is None:
        return HTMLResponse("", status_code=404)
    invitation, person = target
    if sandbox.state.faults.dialog_wrong_person:
        invitation, person = _someone_else(sandbox, invitation) or target
    return sandbox.pages.page(
        f"sent/{_rendering_for(sandbox, body)}_dialog.html.j2",
        person=person,
        key=component_key(sandbox, invitation),
        hooks=sandbox.classes(),
        **_common(sandbox),
    )


async def withdraw_confirm(request: Request) -> Response:
    """POST: carry out a withdrawal; answers the page with the new pill text and a toast."""
    if (redirect := wall(request)) is not None:
        return redirect
    sandbox = sandbox_of(request)
    body = await _json_body(request)
    target = _target(sandbox, body)
    if target is None:
        return JSONResponse({"status": WithdrawOutcome.NOT_PENDING.value}, status_code=404)
    invitation, person = target
    common = _common(sandbox)
    toast_template = f"sent/{_rendering_for(sandbox, body)}_toast.html.j2"
    if sandbox.state.faults.withdraw_error:
        toast = sandbox.pages.render(
            toast_template, person=person, ok=False, hooks=sandbox.classes(), **common
        )
        return JSONResponse({"status": "error", "toast": toast}, status_code=500)
    outcome = sandbox.state.withdraw(invitation.slug)
    shown = body.get("count")
    # The page decrements the count it shows, as LinkedIn's client does, even when the
    # withdrawal silently does not hold on the server.
    new_count = (shown if isinstance(shown, int) else sandbox.state.pill_count() + 1) - 1
    ok = outcome is WithdrawOutcome.WITHDRAWN
    toast = sandbox.pages.render(toast_template, person=person, ok=ok, hooks=sandbox.classes(), **common)
    pill = str(common["t"].pill(max(0, new_count), common["pill_word"]))
    return JSONResponse({"status": outcome.value, "pill": pill, "count": new_count, "toast": toast})


async def server_request(request: Request) -> Response:
    """POST an SDUI server action, dispatched on `sduiid` as LinkedIn's one endpoint does."""
    sduiid = request.query_params.get("sduiid")
    if sduiid == DIALOG_SDUIID:
        return await withdraw_dialog(request)
    if sduiid == WITHDRAW_SDUIID:
        return await withdraw_confirm(request)
    return JSONResponse({"error": "unknown sduiid"}, status_code=400)
