"""`BROWSER_CDP_URL`: the CLI syncs and withdraws in a browser that runs elsewhere, doctor names it,
and the visible login refuses it before anything changes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.db.models import Account, Invitation, InvitationState
from bot.db.session import SessionFactory
from sandbox import SandboxServer
from tests.fixtures.remote_browser import RemoteChromium
from tests.test_store_cli_browser import invoke, signed_in_env

pytestmark = pytest.mark.browser

__all__ = ["signed_in_env"]  # the fixture, used by name below


@pytest.fixture
def remote_env(signed_in_env: dict[str, str], remote_chromium: RemoteChromium) -> dict[str, str]:
    """The signed-in CLI's environment with the browser elsewhere, and none that could launch here."""
    return {
        **signed_in_env,
        "BROWSER_CDP_URL": remote_chromium.cdp_url,
        "BROWSER_PATH": "/nonexistent/chromium",
    }


async def test_sync_and_withdraw_run_in_the_remote_browser(
    remote_env: dict[str, str], db: SessionFactory, sandbox: SandboxServer, remote_chromium: RemoteChromium
) -> None:
    pending = len(sandbox.state.pending())
    synced = await invoke(remote_env, "sync")
    assert synced.exit_code == 0, synced.output
    assert f"Synced: {pending} pending invitations" in synced.output

    withdrawn = await invoke(remote_env, "withdraw", "--older-than", "90d", "--max", "2", "--yes")
    assert withdrawn.exit_code == 0, withdrawn.output
    assert "Withdrawn and verified (2)" in withdrawn.output
    assert len(sandbox.state.withdrawn_slugs()) == 2
    async with db() as session:
        marked = await session.scalar(
            select(func.count()).where(Invitation.state == InvitationState.WITHDRAWN)
        )
    assert marked == 2
    assert remote_chromium.running  # each command disconnected; none shut the browser down


async def test_without_the_remote_browser_the_command_says_it_cannot_be_reached(
    remote_env: dict[str, str], sandbox: SandboxServer, remote_chromium: RemoteChromium
) -> None:
    remote_chromium.stop()
    synced = await invoke(remote_env, "sync")
    assert synced.exit_code == 1
    assert f"remote browser at {remote_chromium.cdp_url} cannot be reached" in synced.output
    assert "BROWSER_CDP_URL" in synced.output
    assert "Traceback" not in synced.output
    assert sandbox.state.withdrawn_slugs() == []


async def test_doctor_names_the_remote_browser(
    remote_env: dict[str, str], remote_chromium: RemoteChromium
) -> None:
    result = await invoke(remote_env, "doctor")
    assert f"Browser: remote, at {remote_chromium.cdp_url} (Chromium " in result.output
    remote_chromium.stop()
    result = await invoke(remote_env, "doctor")
    assert result.exit_code == 1
    assert f"the remote browser at {remote_chromium.cdp_url} cannot be reached" in result.output


async def test_the_visible_login_refuses_a_remote_browser_and_creates_nothing(
    remote_env: dict[str, str], db: SessionFactory
) -> None:
    result = await invoke(remote_env, "login", "--account", "elsewhere")
    assert result.exit_code == 2, result.output
    assert "visible sign-in cannot use a remote browser" in result.output
    assert "invitesweep login --email" in result.output
    async with db() as session:
        assert await session.scalar(select(Account).where(Account.name == "elsewhere")) is None
