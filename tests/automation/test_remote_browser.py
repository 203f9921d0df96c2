"""A browser that runs elsewhere (`cdp_url`): our contexts in it, never shut down by us, and a lost
connection reported and mended on the next flow."""

from __future__ import annotations

import tempfile
from pathlib import Path

import httpx
import pytest

from automation.access import LinkedInAccess
from automation.errors import BrowserUnreachable, NoVisibleBrowser
from sandbox import SandboxServer
from tests.fixtures.browser import sandbox_automation_config
from tests.fixtures.remote_browser import RemoteChromium

pytestmark = pytest.mark.browser


def open_pages(remote: RemoteChromium) -> list[str]:
    """The URLs of the pages open in the remote browser (its DevTools target list)."""
    targets = httpx.get(f"{remote.cdp_url}/json/list").json()
    return [target["url"] for target in targets if target["type"] == "page"]


async def test_flows_run_in_the_remote_browser_and_leave_it_running(
    sandbox: SandboxServer, remote_chromium: RemoteChromium
) -> None:
    # A BROWSER_PATH that does not exist: a browser launched here would fail, so work that
    # succeeds ran in the remote one.
    config = sandbox_automation_config(
        sandbox.base_url, cdp_url=remote_chromium.cdp_url, browser_path=Path("/nonexistent/chromium")
    )
    async with LinkedInAccess(config) as access:
        async with access.open(sandbox.storage_state()) as client:
            await client.check_session()
            assert any(url.startswith(sandbox.base_url) for url in open_pages(remote_chromium))
        assert not any(url.startswith(sandbox.base_url) for url in open_pages(remote_chromium))
        async with access.open(sandbox.storage_state()) as client:  # the connection is reused
            await client.check_session()
    assert remote_chromium.running  # closing only disconnected
    assert open_pages(remote_chromium) == ["about:blank"]


async def test_a_lost_connection_fails_the_flow_clearly_and_the_next_flow_connects_again(
    sandbox: SandboxServer, remote_chromium: RemoteChromium
) -> None:
    config = sandbox_automation_config(sandbox.base_url, cdp_url=remote_chromium.cdp_url)
    async with LinkedInAccess(config) as access:
        with pytest.raises(BrowserUnreachable) as lost:
            async with access.open(sandbox.storage_state()) as client:
                await client.check_session()
                remote_chromium.stop()
                assert not remote_chromium.running
                await client.check_session()
        assert "lost the connection to the remote browser at " + remote_chromium.cdp_url in str(lost.value)
        assert lost.value.retryable

        with pytest.raises(BrowserUnreachable, match="cannot be reached"):
            async with access.open(sandbox.storage_state()):
                pass  # still gone: refused at once, nothing launched instead

        remote_chromium.restart()
        async with access.open(sandbox.storage_state()) as client:
            await client.check_session()


async def test_an_unreachable_endpoint_is_named_without_its_token(sandbox: SandboxServer) -> None:
    # Nothing listens on the loopback's port 9 (discard).
    config = sandbox_automation_config(sandbox.base_url, cdp_url="http://127.0.0.1:9/?token=s3cret-token")
    async with LinkedInAccess(config) as access:
        with pytest.raises(BrowserUnreachable) as refused:
            async with access.open(sandbox.storage_state()):
                pass
        assert not access.browser_open
    assert "http://127.0.0.1:9" in str(refused.value)
    assert "s3cret" not in str(refused.value)


async def test_the_visible_login_refuses_a_remote_browser(
    sandbox: SandboxServer, remote_chromium: RemoteChromium
) -> None:
    config = sandbox_automation_config(sandbox.base_url, cdp_url=remote_chromium.cdp_url)
    async with LinkedInAccess(config) as access:
        with pytest.raises(NoVisibleBrowser, match=remote_chromium.cdp_url):
            await access.visible_login()
        assert not access.browser_open


async def test_a_playwright_browser_server_runs_a_sync_and_a_withdrawal(
    sandbox: SandboxServer, playwright_server: str
) -> None:
    config = sandbox_automation_config(
        sandbox.base_url, ws_endpoint=playwright_server, browser_path=Path("/nonexistent/chromium")
    )
    async with LinkedInAccess(config) as access, access.open(sandbox.storage_state()) as client:
        listed = await client.list_sent()
        oldest = listed.invitations[-1]
        result = await client.withdraw(oldest.slug, name=oldest.name)
    assert len(listed.invitations) == len(sandbox.state.pending()) + 1
    assert result.slug == oldest.slug
    assert sandbox.state.withdrawn_slugs() == [oldest.slug]


async def test_a_traced_flow_over_cdp_leaves_no_recording_behind_while_connected(
    sandbox: SandboxServer, remote_chromium: RemoteChromium, tmp_path: Path
) -> None:
    # A running recording holds the session's cookies; a launched browser's are deleted as each
    # operation ends, and so must a remote one's be, though the connection stays open for the next.
    def recordings() -> set[Path]:
        return {
            path
            for folder in Path(tempfile.gettempdir()).glob("playwright-artifacts-*")
            for path in folder.iterdir()
            if path.suffix in (".trace", ".network")
        }

    before = recordings()
    config = sandbox_automation_config(
        sandbox.base_url, cdp_url=remote_chromium.cdp_url, trace_dir=tmp_path / "traces"
    )
    async with LinkedInAccess(config) as access:
        for _ in range(2):
            async with access.open(sandbox.storage_state()) as client:
                await client.check_session()
        assert access.browser_open
        assert recordings() - before == set()
