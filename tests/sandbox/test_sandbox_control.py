"""The sandbox's JSON control API and its in-process twin on `SandboxServer`."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from sandbox import SandboxConfig, SandboxServer

SENT = "/mynetwork/invitation-manager/sent/"


def test_state_lists_the_seeded_world(sandbox: SandboxServer) -> None:
    state = httpx.get(sandbox.url("/__sandbox/state")).json()
    assert state["counts"]["pending"] == 35
    assert [row["slug"] for row in state["pending"]] == sandbox.state.pending_slugs()
    sent_times = [datetime.fromisoformat(row["sent_at"]) for row in state["pending"]]
    assert sent_times == sorted(sent_times, reverse=True)
    assert state["connected"] and state["connectable"]
    assert any(row["note"] for row in state["pending"])
    assert state["faults"]["withdraw_holds"] is True
    assert "password" not in state["config"]


def test_seed_makes_the_world_deterministic(sandbox: SandboxServer) -> None:
    first = sandbox.state.pending_slugs()
    sandbox.reset(seed=7)
    assert sandbox.state.pending_slugs() == first
    sandbox.reset(seed=8)
    assert sandbox.state.pending_slugs() != first


def test_reset_faults_clock_and_accept_over_http(sandbox: SandboxServer) -> None:
    client = httpx.Client(base_url=sandbox.base_url)
    assert client.post("/__sandbox/reset", json={"pending": 12, "rendering": "e2"}).json()["pending"] == 12
    assert sandbox.state.rendering == "e2"
    assert client.post("/__sandbox/reset", json={"rendering": "e9"}).status_code == 400
    assert client.post("/__sandbox/faults", json={"no_such_fault": True}).status_code == 400

    faults = client.post("/__sandbox/faults", json={"weekly_limit": True, "locale": "de"}).json()
    assert faults["faults"]["weekly_limit"] is True and faults["locale"] == "de"

    before = sandbox.state.now()
    client.post("/__sandbox/clock/advance", json={"days": 21})
    assert (sandbox.state.now() - before).days == 21

    slug = sandbox.state.pending_slugs()[0]
    assert client.post("/__sandbox/accept", json={"slug": slug}).json() == {"accepted": True}
    assert slug in sandbox.state.connected_slugs() and not sandbox.state.is_pending(slug)

    session = client.post("/__sandbox/session").json()
    assert client.get(SENT).status_code == 302
    client.cookies.set("li_at", session["li_at"])
    assert client.get(SENT).status_code == 200


def test_reset_turns_faults_off_and_the_clock_back(sandbox: SandboxServer) -> None:
    sandbox.set_faults(confirm_noop=True, checkpoint="captcha")
    sandbox.advance_clock(timedelta(days=30))
    sandbox.reset()
    assert sandbox.state.faults.confirm_noop is False
    assert sandbox.state.faults.checkpoint == "none"
    assert abs((sandbox.state.now() - datetime.now(sandbox.state.now().tzinfo)).total_seconds()) < 60


def test_storage_state_is_a_signed_in_playwright_state(sandbox: SandboxServer) -> None:
    state = sandbox.storage_state()
    names = {cookie["name"]: cookie for cookie in state["cookies"]}
    assert names["li_at"]["httpOnly"] is True and names["li_at"]["domain"] == "127.0.0.1"
    assert names["JSESSIONID"]["value"].startswith('"ajax:')
    assert sandbox.state.sessions.valid(names["li_at"]["value"])


def test_a_second_server_has_its_own_world_and_port() -> None:
    with SandboxServer(SandboxConfig(pending=3, port=0)) as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        assert httpx.get(server.url("/__sandbox/state")).json()["counts"]["pending"] == 3
    assert server.base_url


def test_reset_overrides_do_not_stick(sandbox: SandboxServer) -> None:
    sandbox.reset(pending=3, rendering="e3")
    assert sandbox.state.pill_count() == 3
    sandbox.reset()
    assert sandbox.state.pill_count() == 35
    assert sandbox.state.rendering == "e4"


def test_weekly_invite_cap_counts_invitations_in_the_last_seven_days(sandbox: SandboxServer) -> None:
    sandbox.set_faults(weekly_invite_cap=2)
    first, second, third = (p.slug for p in sandbox.state.strangers(3))
    assert sandbox.state.invite(first, None).value == "sent"
    assert sandbox.state.invite(second, None).value == "sent"
    assert sandbox.state.invite(third, None).value == "weekly_limit"
    sandbox.advance_clock(timedelta(days=7, minutes=1))
    assert sandbox.state.invite(third, None).value == "sent"


def test_person_texts_are_taken_as_typed_over_http(sandbox: SandboxServer) -> None:
    slug = sandbox.state.pending_slugs()[0]
    url = sandbox.url("/__sandbox/person")
    texts = {"first_name": "A\x1b[31m", "last_name": "B\x07", "headline": "H", "company": "C", "note": "N\n2"}
    answer = httpx.post(url, json={"slug": slug, **texts})
    assert answer.status_code == 200 and answer.json() == {"rewritten": True}
    person, invitation = sandbox.state.person(slug), sandbox.state.invitation(slug)
    assert person is not None and invitation is not None
    typed = (person.name, person.headline, person.company, invitation.note)
    assert typed == ("A\x1b[31m B\x07", "H", "C", "N\n2")

    before = sandbox.state.person(slug)
    assert httpx.post(url, json={"slug": "nobody", "headline": "x"}).status_code == 404
    for bad in ({"slug": slug, "age": 3}, {"slug": slug, "first_name": 3}, {"headline": "no slug"}):
        assert httpx.post(url, json=bad).status_code == 400, bad
    assert sandbox.state.person(slug) == before


def test_friction_is_switched_over_http_and_lands_after_the_pages_it_lets_pass(
    sandbox: SandboxServer,
) -> None:
    control = httpx.Client(base_url=sandbox.base_url)
    assert control.post("/__sandbox/faults", json={"friction": "earthquake"}).status_code == 400
    assert control.post("/__sandbox/faults", json={"friction_after": -1}).status_code == 400
    switched = control.post("/__sandbox/faults", json={"friction": "restricted", "friction_after": 1}).json()
    assert (switched["faults"]["friction"], switched["faults"]["friction_after"]) == ("restricted", 1)

    page = httpx.Client(
        base_url=sandbox.base_url, cookies={"li_at": control.post("/__sandbox/session").json()["li_at"]}
    )
    first = page.get(SENT)
    assert first.status_code == 200 and "temporarily restricted" not in first.text
    second = page.get(SENT)
    assert "Your account has been temporarily restricted" in second.text
    assert "People (" not in second.text
    assert sandbox.state.friction_passed == 1

    control.post("/__sandbox/faults", json={"friction": "checkpoint", "friction_after": 0})
    challenge = page.get(SENT)
    assert challenge.status_code == 303 and challenge.headers["location"].startswith("/checkpoint/challenge/")
    assert page.get("/sandbox-static/sent.js").status_code == 200  # sub-resources are never stopped
    control.post("/__sandbox/faults", json={"friction": "none"})
    assert "People (" in page.get(SENT).text
