"""Several members in one sandbox, each with its own invitations, chosen by the session cookie;
and the record of a member's sessions working at once."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from playwright.async_api import Browser

from automation.client import LinkedInClient
from sandbox import SandboxServer
from tests.fixtures.browser import sandbox_automation_config

SENT = "/mynetwork/invitation-manager/sent/"


def as_member(session: str) -> dict[str, str]:
    """The request headers of a browser holding the session `session`."""
    return {"Cookie": f"li_at={session}"}


def li_at(storage_state: dict[str, object]) -> str:
    cookies = storage_state["cookies"]
    assert isinstance(cookies, list)
    return str(next(cookie["value"] for cookie in cookies if cookie["name"] == "li_at"))


def test_each_member_sees_its_own_invitations_by_its_session_cookie(sandbox: SandboxServer) -> None:
    with httpx.Client(base_url=sandbox.base_url) as control:
        made = control.post("/__sandbox/identities", json={"name": "acme", "pending": 12})
        assert made.status_code == 200, made.text
        acme_session = made.json()["li_at"]
        default_page = control.get(SENT, headers=as_member(li_at(sandbox.storage_state()))).text
        acme_page = control.get(SENT, headers=as_member(acme_session)).text

    acme = sandbox.identities.get("acme")
    assert len(acme.pending_slugs()) == 12
    assert set(acme.pending_slugs()).isdisjoint(sandbox.state.pending_slugs())  # a seed of its own
    assert all(f"/in/{slug}" in acme_page for slug in acme.pending_slugs()[:10])
    assert not any(f"/in/{slug}" in acme_page for slug in sandbox.state.pending_slugs())
    assert all(f"/in/{slug}" in default_page for slug in sandbox.state.pending_slugs()[:10])
    assert not any(f"/in/{slug}" in default_page for slug in acme.pending_slugs())


def test_the_control_api_names_members_refuses_bad_ones_and_a_reset_forgets_them(
    sandbox: SandboxServer,
) -> None:
    with httpx.Client(base_url=sandbox.base_url) as control:
        assert control.post("/__sandbox/identities", json={"name": "acme", "seed": 3}).status_code == 200
        assert control.post("/__sandbox/identities", json={"name": "acme"}).status_code == 400  # taken
        assert control.post("/__sandbox/identities", json={"name": "default"}).status_code == 400
        assert control.post("/__sandbox/identities", json={"name": "x", "colour": "red"}).status_code == 400
        assert control.get("/__sandbox/state", params={"identity": "nobody"}).status_code == 404

        acme_state = control.get("/__sandbox/state", params={"identity": "acme"}).json()
        assert [row["slug"] for row in acme_state["pending"]] == sandbox.identities.get(
            "acme"
        ).pending_slugs()
        slug = acme_state["pending"][0]["slug"]
        accepted = control.post("/__sandbox/accept", params={"identity": "acme"}, json={"slug": slug})
        assert accepted.json() == {"accepted": True}
        assert slug in sandbox.identities.get("acme").connected_slugs()

        summary = control.get("/__sandbox/identities").json()
        assert set(summary) == {"default", "acme"}
        assert summary["acme"]["pending"] == len(acme_state["pending"]) - 1
        assert summary["acme"]["sessions"] == 1
        assert summary["default"]["most_at_once"] == 0

        control.post("/__sandbox/reset", json={})
        assert set(control.get("/__sandbox/identities").json()) == {"default"}


async def test_a_member_with_two_sessions_at_once_is_recorded_and_one_at_a_time_is_not(
    sandbox: SandboxServer,
) -> None:
    sandbox.add_identity("acme", pending=5)
    sandbox.add_identity("globex", pending=5)
    sandbox.identities.get("acme").set_faults(delay_ms=300)  # each page load holds the session a while
    sandbox.identities.get("globex").set_faults(delay_ms=300)
    acme = li_at(sandbox.storage_state("acme"))
    acme_too = li_at(sandbox.storage_state("acme"))  # a second browser with the same account
    globex = li_at(sandbox.storage_state("globex"))

    async with httpx.AsyncClient(base_url=sandbox.base_url) as client:

        async def load(session: str) -> None:
            answer = await client.get(SENT, headers=as_member(session))
            assert answer.status_code == 200

        await load(acme)
        await load(acme)  # one after the other: one session at a time
        await asyncio.gather(load(acme), load(globex))  # two members at once: each alone
        assert sandbox.sessions_at_once() == {"default": 0, "acme": 1, "globex": 1}

        await asyncio.gather(load(acme), load(acme_too))
        summary = (await client.get("/__sandbox/identities")).json()
    assert sandbox.sessions_at_once()["acme"] == 2
    assert sandbox.sessions_at_once()["globex"] == 1
    assert summary["acme"]["most_at_once"] == 2


@pytest.mark.browser
async def test_browser_contexts_of_two_members_at_once_stay_apart(
    browser: Browser, sandbox: SandboxServer
) -> None:
    acme = sandbox.add_identity("acme", pending=8)
    config = sandbox_automation_config(sandbox.base_url)
    async with (
        LinkedInClient(browser, config, sandbox.storage_state()) as ours,
        LinkedInClient(browser, config, sandbox.storage_state("acme")) as theirs,
    ):
        mine, others = await asyncio.gather(ours.list_sent(), theirs.list_sent())
        oldest = others.invitations[-1]
        await theirs.withdraw(oldest.slug, name=oldest.name)

    assert [row.slug for row in mine.invitations] == sandbox.state.pending_slugs()
    assert [row.slug for row in others.invitations] == [*acme.pending_slugs(), oldest.slug]
    assert acme.withdrawn_slugs() == [oldest.slug]
    assert sandbox.state.withdrawn_slugs() == []
    assert sandbox.sessions_at_once() == {"default": 1, "acme": 1}


@pytest.mark.browser
async def test_two_browser_contexts_of_one_member_at_once_are_recorded(
    browser: Browser, sandbox: SandboxServer
) -> None:
    sandbox.add_identity("acme", pending=8)
    sandbox.identities.get("acme").set_faults(delay_ms=200)
    config = sandbox_automation_config(sandbox.base_url)
    async with (
        LinkedInClient(browser, config, sandbox.storage_state("acme")) as first,
        LinkedInClient(browser, config, sandbox.storage_state("acme")) as second,
    ):
        await asyncio.gather(first.check_session(), second.check_session())
    assert sandbox.sessions_at_once()["acme"] == 2


@pytest.mark.browser
@pytest.mark.parametrize(("rendering", "drift"), [("e4", None), ("e3", None), ("e2", None), ("e4", 3)])
async def test_one_context_alone_is_never_recorded_as_two(
    browser: Browser, sandbox: SandboxServer, rendering: str, drift: int | None
) -> None:
    sandbox.reset(rendering=rendering, drift=drift, pending=60)
    config = sandbox_automation_config(sandbox.base_url)
    async with LinkedInClient(browser, config, sandbox.storage_state()) as client:
        listed = await client.list_sent()
        for row in listed.invitations[-2:]:
            await client.withdraw(row.slug, name=row.name)
        await client.profile(listed.invitations[0].slug)
    assert len(sandbox.state.withdrawn_slugs()) == 2
    assert sandbox.sessions_at_once()["default"] == 1


# --- the exact record: each browser context's span ---------------------------------------------


@pytest.mark.browser
async def test_two_contexts_of_one_member_taking_turns_are_an_overlap_that_in_flight_counts_miss(
    browser: Browser, sandbox: SandboxServer
) -> None:
    """Never two requests at once, yet two browsers on one account: only the spans see it."""
    sandbox.add_identity("acme", pending=8)
    config = sandbox_automation_config(sandbox.base_url)
    async with (
        LinkedInClient(browser, config, sandbox.storage_state("acme")) as first,
        LinkedInClient(browser, config, sandbox.storage_state("acme")) as second,
    ):
        await first.check_session()
        await second.check_session()
        await first.check_session()
    assert sandbox.sessions_at_once()["acme"] == 1  # the in-flight count sees nothing wrong
    assert sandbox.browser_sessions()["acme"] == 2
    assert sandbox.session_overlaps()["acme"] == 1
    async with httpx.AsyncClient(base_url=sandbox.base_url) as control:
        summary = (await control.get("/__sandbox/identities")).json()
    assert (summary["acme"]["browser_sessions"], summary["acme"]["overlaps"]) == (2, 1)


@pytest.mark.browser
async def test_a_context_opened_on_a_kept_state_is_a_session_of_its_own_while_the_keeper_is_open(
    browser: Browser, sandbox: SandboxServer
) -> None:
    """The product keeps every cookie and opens the next context on them: a cookie alone is no id."""
    sandbox.add_identity("acme", pending=8)
    config = sandbox_automation_config(sandbox.base_url)
    async with LinkedInClient(browser, config, sandbox.storage_state("acme")) as first:
        await first.check_session()
        kept = await first.storage_state()
        await first.check_session()
        async with LinkedInClient(browser, config, kept) as second:
            await second.check_session()
        await first.check_session()
    assert sandbox.sessions_at_once()["acme"] == 1
    assert sandbox.session_overlaps()["acme"] == 1


@pytest.mark.browser
async def test_contexts_one_after_another_on_kept_states_are_no_overlap(
    browser: Browser, sandbox: SandboxServer
) -> None:
    """As the product runs an account: each flow's context opened on what the last one kept."""
    sandbox.add_identity("acme", pending=8)
    config = sandbox_automation_config(sandbox.base_url)
    state = sandbox.storage_state("acme")
    stale = state
    for n in range(3):
        async with LinkedInClient(browser, config, state) as client:
            listed = await client.list_sent()
            if n == 1:
                await client.withdraw(listed.invitations[-1].slug, name=listed.invitations[-1].name)
            state = await client.storage_state()
        if n == 0:
            stale = state
    async with LinkedInClient(browser, config, stale) as late:  # a worker resuming on an older state
        await late.check_session()
    assert len(sandbox.identities.get("acme").withdrawn_slugs()) == 1
    assert sandbox.session_overlaps() == {"acme": 0}
    assert sandbox.browser_sessions()["acme"] == 2  # the older state starts a session of its own
