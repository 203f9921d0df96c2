"""Kept traces hold no secret: cookie values are scrubbed, and logins are never traced at all.

Each test first shows, with a raw Playwright trace of the same steps, that the secret really
would be in a trace; so the checks on what we keep cannot pass by accident.
"""

from __future__ import annotations

import json
import stat
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.async_api import Browser, BrowserContext

from automation.browser import RECORDINGS
from automation.client import LinkedInClient
from automation.config import AutomationConfig
from automation.errors import BadLogin, CheckpointRequired, InvitationNotFound
from automation.pages.login import LoginPage
from automation.pages.sent import SentInvitationsPage
from automation.trace_redaction import TraceNotScrubbed, json_shape, scrub_trace
from sandbox.config import DEFAULT_EMAIL
from tests.fixtures.browser import sandbox_automation_config
from tests.fixtures.sandbox import SMALL_WORLD

pytestmark = pytest.mark.browser

# Distinctive credentials, so a match in a trace can only be the secret itself.
PASSWORD = "correct-horse-battery-staple"
WRONG_PASSWORD = "wrong-horse-battery-staple"
PIN = "864209"
WRONG_PIN = "135724"


def members(trace: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(trace) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def forms_of(value: str) -> set[bytes]:
    """How a cookie value shows up in a trace: as set, unquoted (csrf-token header), URL-encoded."""
    bare = value.strip('"')
    return {value.encode(), bare.encode(), quote(bare, safe="").encode()}


def holding(trace: Path, secret: bytes) -> list[str]:
    return [name for name, data in members(trace).items() if secret in data]


async def cookie_values(context: BrowserContext) -> dict[str, str]:
    return {cookie["name"]: cookie["value"] for cookie in await context.cookies()}


@asynccontextmanager
async def raw_trace(context: BrowserContext, path: Path) -> AsyncIterator[None]:
    """Record the block in a plain Playwright trace, as the client did before scrubbing."""
    await context.tracing.start(snapshots=True)
    try:
        yield
    finally:
        await context.tracing.stop(path=path)


def files_holding(directory: Path, secret: bytes) -> list[Path]:
    """Files under `directory` that hold `secret`, as such or in a (compressed) zip member."""
    return [
        path
        for path in directory.rglob("*")
        if path.is_file()
        and (secret in path.read_bytes() or (zipfile.is_zipfile(path) and holding(path, secret)))
    ]


@pytest.fixture
def member(sandbox):
    """The sandbox, its member signing in with `PASSWORD` and `PIN`."""
    sandbox.reset(**SMALL_WORLD, password=PASSWORD, pin=PIN)
    return sandbox


@pytest.fixture
def traced_config(sandbox, tmp_path: Path) -> AutomationConfig:
    return sandbox_automation_config(sandbox.base_url, trace_dir=tmp_path / "traces")


async def test_a_kept_trace_holds_no_cookie_value(
    browser: Browser, sandbox, traced_config: AutomationConfig, tmp_path: Path
) -> None:
    async with LinkedInClient(browser, traced_config, sandbox.storage_state()) as client:
        assert client._context is not None
        cookies = await cookie_values(client._context)
        assert {"li_at", "JSESSIONID"} <= cookies.keys()

        raw = tmp_path / "raw.zip"
        async with raw_trace(client._context, raw):
            with pytest.raises(InvitationNotFound):
                await SentInvitationsPage(client.page, traced_config).find_row("nobody-at-all")
        assert holding(raw, cookies["li_at"].encode()), "a raw trace carries the session cookie"
        assert holding(raw, cookies["JSESSIONID"].strip('"').encode())

        with pytest.raises(InvitationNotFound) as raised:
            await client.withdraw("nobody-at-all")
        cookies |= await cookie_values(client._context)

    kept = raised.value.trace_path
    assert kept is not None and kept.parent == traced_config.trace_dir
    assert sorted(p.name for p in kept.parent.iterdir()) == [kept.name], "nothing unscrubbed beside it"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600  # page snapshots: the owner's eyes only
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    kept_members = members(kept)
    assert {"trace.trace", "trace.network"} <= kept_members.keys()
    for name, value in cookies.items():
        for form in forms_of(value):
            if len(form) >= 8:
                assert not holding(kept, form), f"{name} cookie left in the trace"
    assert any(b"[redacted]" in data for data in kept_members.values())
    for name in ("trace.trace", "trace.network"):
        assert json_shape(kept_members[name]) == "json-lines", name


async def test_scrubbing_keeps_every_member_as_parseable_as_it_was(
    browser: Browser, sandbox, traced_config: AutomationConfig, tmp_path: Path
) -> None:
    async with LinkedInClient(browser, traced_config, sandbox.storage_state()) as client:
        assert client._context is not None
        raw = tmp_path / "raw.zip"
        async with raw_trace(client._context, raw):
            await SentInvitationsPage(client.page, traced_config).list_all(None)
        cookies = await cookie_values(client._context)
    scrubbed = tmp_path / "scrubbed.zip"
    scrub_trace(raw, scrubbed, cookies.values())

    before, after = members(raw), members(scrubbed)
    assert before.keys() == after.keys()
    assert before != after, "the session cookie was in the raw trace and has been replaced"
    for name in before:
        assert json_shape(after[name]) == json_shape(before[name]), name
        assert cookies["li_at"].encode() not in after[name]


def test_a_trace_that_cannot_be_scrubbed_is_not_written(tmp_path: Path) -> None:
    raw = tmp_path / "raw.zip"
    with zipfile.ZipFile(raw, "w") as archive:
        # A secret that is also a JSON number: redacting it would break the JSON, so give up.
        archive.writestr("trace.trace", json.dumps({"wallTime": 1234567890123}) + "\n")
    destination = tmp_path / "kept.zip"
    with pytest.raises(TraceNotScrubbed):
        scrub_trace(raw, destination, ["1234567890123"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw.zip"]


async def test_a_failed_login_keeps_no_password(
    browser: Browser, member, traced_config: AutomationConfig, tmp_path: Path
) -> None:
    async with LinkedInClient(browser, traced_config) as control:
        assert control._context is not None
        raw = tmp_path / "raw.zip"
        async with raw_trace(control._context, raw):
            with pytest.raises(BadLogin):
                await LoginPage(control.page, traced_config).sign_in(
                    DEFAULT_EMAIL, WRONG_PASSWORD, control.storage_state
                )
        assert holding(raw, WRONG_PASSWORD.encode()), "a raw trace of a login holds the password"

    async with LinkedInClient(browser, traced_config) as client:
        with pytest.raises(BadLogin) as raised:
            await client.login(DEFAULT_EMAIL, WRONG_PASSWORD)
        assert raised.value.trace_path is None
        # The same context's later failures must not carry the login's traffic along either.
        await client.login(DEFAULT_EMAIL, PASSWORD)
        with pytest.raises(InvitationNotFound):
            await client.withdraw("nobody-at-all")
    assert traced_config.trace_dir is not None
    assert len(list(traced_config.trace_dir.iterdir())) == 1
    for secret in (WRONG_PASSWORD, PASSWORD):
        assert files_holding(traced_config.trace_dir, secret.encode()) == []


async def test_a_wrong_pin_keeps_no_password_or_pin(
    browser: Browser, member, traced_config: AutomationConfig
) -> None:
    member.set_faults(checkpoint="email_pin")
    async with LinkedInClient(browser, traced_config) as client:
        with pytest.raises(CheckpointRequired) as asked:
            await client.login(DEFAULT_EMAIL, PASSWORD)
        with pytest.raises(CheckpointRequired) as again:
            await asked.value.submit(WRONG_PIN)
        assert "did not accept" in str(again.value)
        await again.value.submit(PIN)
        with pytest.raises(InvitationNotFound):
            await client.withdraw("nobody-at-all")
    assert traced_config.trace_dir is not None
    assert len(list(traced_config.trace_dir.iterdir())) == 1
    for secret in (PASSWORD, WRONG_PIN, PIN):
        assert files_holding(traced_config.trace_dir, secret.encode()) == []


async def test_playwrights_own_recordings_do_not_outlive_the_operation(
    browser: Browser, sandbox, traced_config: AutomationConfig
) -> None:
    recordings = RECORDINGS[browser]
    # Other tests' raw traces (Playwright's API used directly) leave their files; not ours.
    earlier = {path for path in recordings.rglob("*") if path.is_file()}
    async with LinkedInClient(browser, traced_config, sandbox.storage_state()) as client:
        assert client._context is not None
        li_at = (await cookie_values(client._context))["li_at"].encode()
        await client.list_sent()
        with pytest.raises(InvitationNotFound):
            await client.withdraw("nobody-at-all")
        left = {path for path in recordings.rglob("*") if path.is_file()} - earlier
    assert left, "Playwright records into the browser's private directory"
    assert all(path.parent == recordings / "resources" for path in left), left
    assert [path for path in left if li_at in path.read_bytes()] == []
