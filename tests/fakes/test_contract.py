"""The in-memory LinkedIn answers as the real client does in Chromium, and has its operations.

One scenario (a list with hostile names, withdraw, profiles, profiles read as drafting context,
invitations and their refusals, friction, an expired session, signing in) runs twice on the
same freshly reset sandbox world: once through `LinkedInClient` in real Chromium, once through
`FakeLinkedIn`. Both must return the same values and raise the same errors.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import astuple, is_dataclass
from typing import Any

import pytest
from playwright.async_api import Browser

from automation.client import LinkedInClient
from automation.config import AutomationConfig
from automation.errors import AutomationError
from sandbox import SandboxServer
from sandbox.model import Person
from sandbox.state import SandboxState
from tests.fakes.linkedin import FakeLinkedIn, FakeLinkedInSite, LinkedInOperations, StorageState
from tests.fixtures.sandbox import seed_hostile_names

WORLD = {"seed": 11, "pending": 14}

Open = Callable[[StorageState | None], AbstractAsyncContextManager[LinkedInOperations]]


def _outcome(value: object) -> object:
    """A comparable record of what an operation returned (dataclasses as tuples)."""
    if is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, astuple(value))
    return value


async def _call(record: list[object], label: str, operation: Any) -> Any:
    try:
        value = await operation
    except AutomationError as exc:
        record.append((label, "raises", type(exc).__name__))
        return None
    record.append((label, _outcome(value)))
    return value


def _session_cookie(state: StorageState) -> str:
    (li_at,) = [cookie["value"] for cookie in state["cookies"] if cookie["name"] == "li_at"]
    return str(li_at)


def _drafting_subjects(state: SandboxState, hostile: str) -> list[str]:
    """Members whose profiles between them show every part and its absence, and shared facts.

    A member showing everything (promoted: one Experience entry with two roles), one showing
    nothing but a name, one sharing a company or school with the owner, one with a single
    mutual connection, and `hostile`, whose name, headline and company are hostile text.
    """
    people = state.people()
    owner = state.owner().details
    owner_companies = {p.company for p in owner.positions}

    def rich(person: Person) -> bool:
        d = person.details
        promoted = len(d.positions) > 1 and d.positions[0].company == d.positions[1].company
        return bool(d.about and d.location and d.schools and d.languages and d.mutual and promoted)

    def shares(person: Person) -> bool:
        d = person.details
        return bool(owner_companies & {p.company for p in d.positions} or set(owner.schools) & set(d.schools))

    wanted = [
        rich,
        lambda p: not p.headline and not p.details.positions,
        shares,
        lambda p: p.details.mutual == 1,
        lambda p: not p.details.positions and bool(p.company),
    ]
    return list(dict.fromkeys([*(next(p.slug for p in people if want(p)) for want in wanted), hostile]))


async def _message_scenario(
    record: list[object], client: LinkedInOperations, state: SandboxState, stranger: str
) -> None:
    """First messages to two connections (one with a hostile name), their readback and refusals."""
    hostile = state.pending()[-1].slug  # the oldest left pending: the second hostile name
    assert state.accept(hostile)
    for slug in (state.connected_slugs()[0], hostile):
        name = (await client.profile(slug)).name
        await _call(record, f"messages before {slug}", client.messages(slug, name=name))
        text = f"Hi {name.split()[0]}, thanks for connecting!\nWhat are you  working on these days?"
        await _call(record, f"send message {slug}", client.send_message(slug, text, name=name))
        await _call(record, f"send message again {slug}", client.send_message(slug, text, name=name))
        await _call(record, f"messages after {slug}", client.messages(slug, name=name))
        record.append((f"sent once {slug}", state.thread(slug)))
    connected = state.connected_slugs()[0]
    await _call(record, "message wrong name", client.send_message(connected, "Hello", name="Someone Else"))
    await _call(record, "message a stranger", client.send_message(stranger, "Hello"))


async def _scenario(sandbox: SandboxServer, open_client: Open) -> list[object]:
    """What one client sees doing the product's LinkedIn work on a fresh world."""
    sandbox.reset(**WORLD)
    seed_hostile_names(sandbox, 2)  # what members typed reaches callers cleaned the same way
    state = sandbox.state
    record: list[object] = []
    progress: list[tuple[int, int | None]] = []
    async with open_client(sandbox.storage_state()) as client:
        await _call(record, "check_session", client.check_session())
        sent = await _call(record, "list", client.list_sent(on_progress=lambda n, t: progress.append((n, t))))
        record.append(("progress ends at", progress[-1]))
        oldest = sent.invitations[-1]
        await _call(record, "withdraw", client.withdraw(oldest.slug, name=oldest.name))
        await _call(record, "withdraw again", client.withdraw(oldest.slug))
        await _call(record, "list after", client.list_sent())
        await _call(record, "re-invite in cooldown", client.invite(oldest.slug, None))
        stranger, other = state.strangers(2)
        follower = next(p for p in state.people() if p.follow_only)
        behind_more = next(p for p in state.people() if p.connect_in_menu)
        connected = state.connected_slugs()[0]
        profiles = (
            oldest.slug,
            stranger.slug,
            connected,
            sent.invitations[0].slug,
            follower.slug,
            behind_more.slug,
        )
        for slug in profiles:
            await _call(record, f"profile {slug}", client.profile(slug))
        owner = await _call(record, "read_profile me", client.read_profile())
        for slug in _drafting_subjects(state, oldest.slug):
            await _call(record, f"read_profile {slug}", client.read_profile(slug))
            await _call(record, f"read_profile {slug} as owner", client.read_profile(slug, viewer=owner))
        await _call(record, "read_profile unknown", client.read_profile("nobody-by-this-name"))
        await _message_scenario(record, client, state, stranger.slug)
        await _call(record, "invite with note", client.invite(stranger.slug, "Hello again, glad we met."))
        await _call(record, "profile after invite", client.profile(stranger.slug))
        await _call(record, "invite pending", client.invite(stranger.slug, None))
        await _call(record, "note too long", client.invite(other.slug, "x" * 250))
        state.notes_remaining = 0
        await _call(record, "note quota", client.invite(other.slug, "Hi"))
        sandbox.set_faults(weekly_limit=True)
        await _call(record, "weekly limit", client.invite(other.slug, None))
        sandbox.set_faults(weekly_limit=False, friction="restricted")
        await _call(record, "restricted", client.list_sent())
        sandbox.set_faults(friction="none")
        state.locale = "it"
        await _call(record, "unsupported language", client.check_session())
        await _call(record, "read_profile unsupported language", client.read_profile(stranger.slug))
        state.locale = "en"
        sandbox.set_faults(expire_sessions=True)
        await _call(record, "expired", client.list_sent())
        await _call(record, "expired withdraw", client.withdraw(sent.invitations[0].slug))
        await _call(record, "expired read_profile", client.read_profile())
    record.append(("after expiry, still pending", state.is_pending(sent.invitations[0].slug)))
    async with open_client(None) as client:
        await _call(record, "bad login", client.login(state.config.email, "wrong"))
        signed_in = await client.login(state.config.email, state.config.password)
        record.append(("login gives a valid session", state.sessions.valid(_session_cookie(signed_in))))
        await _call(record, "list after login", client.list_sent())
    async with open_client(None) as client:
        await _call(record, "stale cookie", client.login_with_cookie("AQEDARnot-a-session"))
    sandbox.set_faults(checkpoint="email_pin")
    async with open_client(None) as client:
        try:
            await client.login(state.config.email, state.config.password)
        except AutomationError as checkpoint:
            record.append(("login stops at", type(checkpoint).__name__, getattr(checkpoint, "kind", None)))
            assert hasattr(checkpoint, "submit")
            await _call(record, "wrong pin", checkpoint.submit("000000"))
            state_after_pin = await checkpoint.submit(state.config.pin)
            record.append(
                ("pin gives a valid session", state.sessions.valid(_session_cookie(state_after_pin)))
            )
    return record


@pytest.mark.browser
async def test_the_fake_answers_as_the_real_client_in_chromium(
    sandbox: SandboxServer, browser: Browser, automation_config: AutomationConfig
) -> None:
    real = await _scenario(
        sandbox,
        lambda state, identity=None: LinkedInClient(browser, automation_config, state, identity=identity),
    )
    fake = await _scenario(sandbox, FakeLinkedInSite(sandbox.state, automation_config).open)

    assert len(real) == 45 + 12
    for seen_real, seen_fake in zip(real, fake, strict=True):
        assert seen_fake == seen_real


def _operations(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in inspect.getmembers(cls, inspect.iscoroutinefunction)
        if not name.startswith("_") or name in ("__aenter__", "__aexit__")
    }


BROWSER_ONLY = {"page"}
"""What the real client offers beyond the contract: its Playwright page (the CLI's visible login)."""


def test_the_contract_names_every_operation_of_the_real_client() -> None:
    public = {name for name in vars(LinkedInClient) if not name.startswith("_")}
    contract = set(_operations(LinkedInOperations)) - {"__aenter__", "__aexit__"}
    assert public - BROWSER_ONLY == contract


def test_the_fake_has_the_real_signatures() -> None:
    real, fake = _operations(LinkedInClient), _operations(FakeLinkedIn)
    for name in _operations(LinkedInOperations):
        assert str(fake[name]).replace("FakeLinkedIn", "LinkedInClient") == str(real[name]), name
