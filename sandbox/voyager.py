"""Stubs of LinkedIn's internal Voyager API (reference §3, §8.4), for tools that read JSON.

Every call needs the session cookie and a `csrf-token` header equal to the JSESSIONID cookie
without its quotes (403 otherwise), as the real API does. Shapes follow the normalized
responses measured in 2026; the error codes other than `CANT_RESEND_YET` are sandbox inventions.
"""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.context import Sandbox, sandbox_of
from sandbox.model import Invitation, InviteOutcome, Person
from sandbox.session import CSRF_COOKIE, signed_in

SENT_VIEWS_PATH = "/voyager/api/relationships/sentInvitationViewsV2"
SUMMARY_PATH = "/voyager/api/relationships/invitationsSummary"
CREATE_PATH = "/voyager/api/voyagerRelationshipsDashMemberRelationships"
MAX_COUNT = 100


def profile_id(person: Person) -> str:
    """A stable `ACoAA…` member id, as in `urn:li:fsd_profile:<id>`."""
    return "ACoAA" + hashlib.sha256(person.slug.encode()).hexdigest()[:28].upper()


def _refusal(request: Request) -> Response | None:
    if not signed_in(request):
        return JSONResponse({"status": 401}, status_code=401)
    expected = (request.cookies.get(CSRF_COOKIE) or "").strip('"')
    if not expected or request.headers.get("csrf-token") != expected:
        return JSONResponse({"status": 403, "message": "CSRF check failed."}, status_code=403)
    return None


def _int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name, "")
    return int(raw) if raw.isdigit() else default


def _entities(sandbox: Sandbox, invitation: Invitation) -> list[dict[str, Any]]:
    person = sandbox.state.person(invitation.slug)
    assert person is not None, "every invitation names a seeded member"
    mini_urn = f"urn:li:fs_miniProfile:{profile_id(person)}"
    invitation_urn = f"urn:li:fs_relInvitation:{invitation.id}"
    return [
        {
            "$type": "com.linkedin.voyager.relationships.invitation.SentInvitationViewV2",
            "entityUrn": f"urn:li:fs_relSentInvitationView:{invitation.id}",
            "*invitation": invitation_urn,
        },
        {
            "$type": "com.linkedin.voyager.relationships.invitation.Invitation",
            "entityUrn": invitation_urn,
            "mailboxItemId": f"urn:li:invitation:{invitation.id}",
            "sharedSecret": hashlib.sha256(f"secret:{invitation.id}".encode()).hexdigest()[:8],
            "sentTime": int(invitation.sent_at.timestamp() * 1000),
            "invitationType": "PENDING",
            "customMessage": invitation.note is not None,
            "message": invitation.note,
            "*toMember": mini_urn,
            "toMemberId": str(person.member_id),
            "unseen": False,
        },
        {
            "$type": "com.linkedin.voyager.identity.shared.MiniProfile",
            "entityUrn": mini_urn,
            "dashEntityUrn": f"urn:li:fsd_profile:{profile_id(person)}",
            "firstName": person.first_name,
            "lastName": person.last_name,
            "occupation": person.headline,
            "publicIdentifier": person.slug,
        },
    ]


async def sent_invitation_views(request: Request) -> Response:
    """GET a page of pending sent invitations (`start`, `count`), newest first."""
    if (refusal := _refusal(request)) is not None:
        return refusal
    sandbox = sandbox_of(request)
    start = _int_param(request, "start", 0)
    count = min(_int_param(request, "count", 10), MAX_COUNT)
    page = sandbox.state.pending()[start : start + count]
    return JSONResponse(
        {
            "data": {
                "$type": "com.linkedin.voyager.relationships.invitation.SentInvitationsMetadata",
                "invitationType": "CONNECTION",
                "*elements": [f"urn:li:fs_relSentInvitationView:{i.id}" for i in page],
                # Measured live: paging.total reads 0 whatever the real count.
                "paging": {"start": start, "count": count, "total": 0},
            },
            "included": [entity for invitation in page for entity in _entities(sandbox, invitation)],
        }
    )


async def invitations_summary(request: Request) -> Response:
    """GET the invitation counters; the sent-side fields are null on the live site."""
    if (refusal := _refusal(request)) is not None:
        return refusal
    return JSONResponse(
        {"data": {"numPendingInvitations": 0, "numNewInvitations": 0, "numTotalSentInvitations": None}}
    )


_ERROR_CODES = {
    InviteOutcome.BLOCKED: "CANT_RESEND_YET",
    InviteOutcome.WEEKLY_LIMIT: "FUSE_LIMIT_EXCEEDED",
    InviteOutcome.NOTE_QUOTA: "CUSTOM_MESSAGE_QUOTA_EXCEEDED",
    InviteOutcome.NOTE_TOO_LONG: "CUSTOM_MESSAGE_TOO_LONG",
    InviteOutcome.ALREADY_PENDING: "INVITATION_ALREADY_EXISTS",
    InviteOutcome.ALREADY_CONNECTED: "ALREADY_CONNECTED",
    InviteOutcome.FOLLOW_ONLY: "INVITEE_NOT_CONNECTABLE",
    InviteOutcome.UNKNOWN_MEMBER: "INVALID_INVITEE",
}


async def create_invitation(request: Request) -> Response:
    """POST `?action=verifyQuotaAndCreateV2`: invite `urn:li:fsd_profile:<id>` with an optional note."""
    if (refusal := _refusal(request)) is not None:
        return refusal
    if request.query_params.get("action") != "verifyQuotaAndCreateV2":
        return JSONResponse({"status": 400}, status_code=400)
    sandbox = sandbox_of(request)
    try:
        body = await request.json()
        urn = str(body["invitee"]["inviteeUnion"]["memberProfile"])
        note = body.get("customMessage") or None
    except (ValueError, KeyError, TypeError):
        return JSONResponse({"status": 400}, status_code=400)
    wanted = urn.removeprefix("urn:li:fsd_profile:")
    person = next((p for p in sandbox.state.people() if profile_id(p) == wanted), None)
    outcome = sandbox.state.invite(person.slug, note) if person else InviteOutcome.UNKNOWN_MEMBER
    if outcome is not InviteOutcome.SENT:
        code = _ERROR_CODES[outcome]
        return JSONResponse({"data": {"code": code, "status": 400}, "status": 400}, status_code=400)
    invitation = sandbox.state.invitation(person.slug) if person else None
    return JSONResponse(
        {"data": {"value": {"invitationUrn": f"urn:li:fsd_invitation:{invitation.id if invitation else 0}"}}}
    )


ROUTES = [
    Route(SENT_VIEWS_PATH, sent_invitation_views),
    Route(SUMMARY_PATH, invitations_summary),
    Route(CREATE_PATH, create_invitation, methods=["POST"]),
]
