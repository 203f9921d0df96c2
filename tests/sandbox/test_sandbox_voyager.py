"""The sandbox's Voyager API stubs: CSRF rule, sent-invitation shape, CANT_RESEND_YET (reference §3)."""

from __future__ import annotations

from datetime import timedelta

import httpx

from sandbox import SandboxServer

VIEWS = "/voyager/api/relationships/sentInvitationViewsV2?invitationType=CONNECTION&q=invitationType"
CREATE = "/voyager/api/voyagerRelationshipsDashMemberRelationships?action=verifyQuotaAndCreateV2"


def _client(sandbox: SandboxServer, *, csrf: bool = True) -> httpx.Client:
    client = httpx.Client(base_url=sandbox.base_url)
    cookies = {c["name"]: c["value"] for c in sandbox.mint_session()}
    for name, value in cookies.items():
        client.cookies.set(name, value)
    if csrf:
        client.headers["csrf-token"] = cookies["JSESSIONID"].strip('"')
    return client


def _profile_urn(client: httpx.Client, slug_index: int = 0) -> tuple[str, str]:
    body = client.get(VIEWS + f"&start={slug_index}&count=1").json()
    profile = next(e for e in body["included"] if "publicIdentifier" in e)
    return profile["publicIdentifier"], profile["dashEntityUrn"]


def test_csrf_token_must_match_the_jsessionid(sandbox: SandboxServer) -> None:
    assert _client(sandbox, csrf=False).get(VIEWS).status_code == 403
    assert httpx.get(sandbox.url(VIEWS)).status_code == 401
    assert _client(sandbox).get(VIEWS).status_code == 200


def test_sent_views_page_through_the_pending_list(sandbox: SandboxServer) -> None:
    client = _client(sandbox)
    slugs = []
    for start in range(0, 40, 10):
        body = client.get(VIEWS + f"&start={start}&count=10").json()
        assert len(body["data"]["*elements"]) == min(10, 35 - start)
        slugs += [e["publicIdentifier"] for e in body["included"] if "publicIdentifier" in e]
        sent_times = [e["sentTime"] for e in body["included"] if "sentTime" in e]
        assert sent_times == sorted(sent_times, reverse=True)
    assert slugs == sandbox.state.pending_slugs()


def test_reinvite_inside_the_cooldown_is_cant_resend_yet(sandbox: SandboxServer) -> None:
    client = _client(sandbox)
    slug, urn = _profile_urn(client)
    sandbox.state.withdraw(slug)
    payload = {"invitee": {"inviteeUnion": {"memberProfile": urn}}, "customMessage": ""}

    refused = client.post(CREATE, json=payload)
    assert refused.status_code == 400
    assert refused.json()["data"]["code"] == "CANT_RESEND_YET"

    sandbox.advance_clock(timedelta(days=22))
    assert client.post(CREATE, json=payload).status_code == 200
    assert sandbox.state.is_pending(slug)
