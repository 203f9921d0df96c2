"""Each account's context as its own browser identity: proxy with credentials, locale, time zone,
and a user agent that is the browser's own (never "HeadlessChrome", never invented)."""

from __future__ import annotations

import base64
import zipfile
from pathlib import Path

import pytest
from playwright.async_api import Browser

from automation.browser import browser_user_agent
from automation.client import LinkedInClient
from automation.errors import ProxyFailed
from automation.identity import BrowserIdentity, Proxy, major_version, stable_user_agent
from sandbox import SandboxServer
from tests.fixtures.browser import sandbox_automation_config
from tests.fixtures.proxy import RecordingProxy

HEADLESS = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/156.0.8078.114 Safari/537.36"
)


def test_the_user_agent_is_the_browsers_own_as_chrome_sends_it() -> None:
    chosen = stable_user_agent(None, HEADLESS)
    assert chosen == (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/156.0.0.0 Safari/537.36"
    )
    assert stable_user_agent(chosen, HEADLESS) == chosen  # kept while the browser is that version


def test_a_stored_user_agent_is_kept_until_the_browser_changes_version() -> None:
    stored = (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/156.0.0.0 Safari/537.36"
    )
    assert stable_user_agent(stored, HEADLESS) == stored
    updated = HEADLESS.replace("156.0.8078.114", "157.0.1.2")
    assert major_version(stable_user_agent(stored, updated)) == 157
    assert "Headless" not in stable_user_agent(stored, updated)


def test_a_proxy_password_is_not_in_its_repr() -> None:
    proxy = Proxy("http://127.0.0.1:3128", "tester", "pr0xy-s3cret")
    identity = BrowserIdentity("acme", proxy=proxy)
    assert "pr0xy-s3cret" not in repr(proxy)
    assert "pr0xy-s3cret" not in repr(identity)


@pytest.mark.browser
async def test_an_account_reaches_the_sandbox_only_through_its_proxy_as_itself(
    browser: Browser, sandbox: SandboxServer, recording_proxy: RecordingProxy
) -> None:
    proxy = Proxy(recording_proxy.server, recording_proxy.username, recording_proxy.password)
    identity = BrowserIdentity("acme", proxy=proxy, locale="nl-NL", timezone_id="Asia/Tokyo")
    config = sandbox_automation_config(sandbox.base_url)
    requested: list[str] = []
    async with LinkedInClient(browser, config, sandbox.storage_state(), identity=identity) as client:
        client.page.on("request", lambda request: requested.append(request.url))
        listed = await client.list_sent()
        seen = await client.page.evaluate(
            "[navigator.userAgent, navigator.language, Intl.DateTimeFormat().resolvedOptions().timeZone]"
        )
    assert len(listed.invitations) == len(sandbox.state.pending())
    sandbox_requests = [url for url in requested if url.startswith(sandbox.base_url)]
    assert sandbox_requests
    assert set(sandbox_requests) <= set(recording_proxy.passed())  # every one went through the proxy
    assert seen == [client.user_agent, "nl-NL", "Asia/Tokyo"]
    assert client.user_agent == stable_user_agent(None, await browser_user_agent(browser))
    assert "HeadlessChrome" not in client.user_agent


@pytest.mark.browser
async def test_without_a_proxy_nothing_goes_through_one(
    browser: Browser, sandbox: SandboxServer, recording_proxy: RecordingProxy
) -> None:
    config = sandbox_automation_config(sandbox.base_url)
    async with LinkedInClient(
        browser, config, sandbox.storage_state(), identity=BrowserIdentity("acme")
    ) as client:
        await client.check_session()
    assert recording_proxy.seen == []


@pytest.mark.browser
async def test_wrong_proxy_credentials_fail_at_once_naming_the_account(
    browser: Browser, sandbox: SandboxServer, recording_proxy: RecordingProxy, tmp_path: Path
) -> None:
    wrong = "wr0ng-pr0xy-pa55"
    identity = BrowserIdentity("acme", proxy=Proxy(recording_proxy.server, recording_proxy.username, wrong))
    # Short timeouts would pass a timeout off as a quick failure; the real ones show it is not one.
    config = sandbox_automation_config(
        sandbox.base_url, timeout_ms=60_000, navigation_timeout_ms=60_000, trace_dir=tmp_path / "traces"
    )
    with pytest.raises(ProxyFailed) as failed:
        async with LinkedInClient(browser, config, sandbox.storage_state(), identity=identity) as client:
            await client.list_sent()
    assert str(failed.value) == 'the proxy of account "acme" refused its credentials (HTTP 407)'
    assert recording_proxy.passed() == []
    assert sandbox.state.withdrawn_slugs() == []
    # The kept trace of the failure holds neither form of the password.
    assert failed.value.trace_path is not None
    with zipfile.ZipFile(failed.value.trace_path) as trace:
        content = b"".join(trace.read(name) for name in trace.namelist())
    assert content
    for secret in (wrong, base64.b64encode(f"{recording_proxy.username}:{wrong}".encode()).decode()):
        assert secret.encode() not in content


@pytest.mark.browser
async def test_an_unreachable_proxy_fails_naming_the_account(
    browser: Browser, sandbox: SandboxServer
) -> None:
    identity = BrowserIdentity("acme", proxy=Proxy("http://127.0.0.1:9"))  # nothing listens on port 9
    config = sandbox_automation_config(sandbox.base_url)
    with pytest.raises(ProxyFailed, match=r'^the proxy of account "acme" cannot be reached \(net::ERR_PROXY'):
        async with LinkedInClient(browser, config, sandbox.storage_state(), identity=identity) as client:
            await client.check_session()
