"""Finding and launching the browser, and traces kept only when an operation fails."""

import asyncio
import os
from pathlib import Path

import pytest
from playwright.async_api import Browser

from automation.access import LinkedInAccess
from automation.browser import (
    DRIVER_NODE_OPTIONS,
    QUIET_FLAGS,
    BrowserNotFound,
    find_browser,
    launch_args,
    launch_browser,
    new_account_context,
    traced_operation,
)
from automation.config import AutomationConfig
from automation.errors import InvitationNotFound, LayoutChanged
from tests.fixtures.process_tree import command_line, descendants


def test_configured_browser_wins(tmp_path: Path) -> None:
    binary = tmp_path / "chrome"
    binary.write_text("")
    assert find_browser(binary, candidates=("/usr/bin/chromium",)) == binary


def test_configured_browser_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BrowserNotFound, match="apt-get install chromium"):
        find_browser(tmp_path / "missing")


def test_system_browser_before_playwrights_own(tmp_path: Path) -> None:
    system = tmp_path / "chromium"
    system.write_text("")
    system.chmod(0o755)
    bundled = tmp_path / "bundled-chrome"
    bundled.write_text("")
    assert find_browser(None, bundled, candidates=(str(system),)) == system


def test_playwrights_own_browser_is_the_last_resort(tmp_path: Path) -> None:
    bundled = tmp_path / "bundled-chrome"
    bundled.write_text("")
    assert find_browser(None, bundled, candidates=(str(tmp_path / "none"),)) == bundled


def test_no_browser_says_how_to_install_one(tmp_path: Path) -> None:
    with pytest.raises(BrowserNotFound, match="playwright install chromium"):
        find_browser(None, tmp_path / "none", candidates=(str(tmp_path / "nothing-here"),))


def _executable(path: Path) -> Path:
    path.write_text("")
    path.chmod(0o755)
    return path


def test_headless_prefers_the_headless_shell(tmp_path: Path) -> None:
    shell = _executable(tmp_path / "chromium-headless-shell")
    full = _executable(tmp_path / "chromium")
    found = find_browser(None, headless=True, candidates=(str(full),), headless_candidates=(str(shell),))
    assert found == shell


def test_a_visible_browser_never_takes_the_headless_shell(tmp_path: Path) -> None:
    shell = _executable(tmp_path / "chromium-headless-shell")
    full = _executable(tmp_path / "chromium")
    found = find_browser(None, headless=False, candidates=(str(full),), headless_candidates=(str(shell),))
    assert found == full


def test_headless_without_a_shell_takes_the_full_browser(tmp_path: Path) -> None:
    full = _executable(tmp_path / "chromium")
    found = find_browser(
        None, headless=True, candidates=(str(full),), headless_candidates=(str(tmp_path / "none"),)
    )
    assert found == full


def test_launch_flags_keep_the_browser_quiet() -> None:
    args = launch_args()
    assert set(QUIET_FLAGS) <= set(args)
    assert ("--no-sandbox" in args) == (os.geteuid() == 0)


async def test_failed_operation_keeps_its_trace(browser: Browser, tmp_path: Path) -> None:
    config = AutomationConfig(trace_dir=tmp_path / "traces", timeout_ms=300)
    context = await new_account_context(browser, config, None)
    try:
        page = await context.new_page()
        await page.set_content("<main><p>No button here</p></main>")
        with pytest.raises(LayoutChanged) as raised:
            async with traced_operation(context, config, "click missing"):
                await page.get_by_role("button", name="Withdraw").click()
        trace = raised.value.trace_path
        assert trace is not None and trace.is_file() and trace.suffix == ".zip"
        assert "click-missing" in trace.name

        # A successful operation right after leaves no file behind.
        async with traced_operation(context, config, "read"):
            await page.get_by_text("No button here").wait_for()
        assert list((tmp_path / "traces").iterdir()) == [trace]

        # Our own errors keep their type and gain the trace path.
        with pytest.raises(InvitationNotFound) as not_found:
            async with traced_operation(context, config, "withdraw"):
                raise InvitationNotFound("nobody")
        assert not_found.value.trace_path is not None and not_found.value.trace_path.is_file()
    finally:
        await context.close()


async def test_context_uses_the_configured_timeout(browser: Browser) -> None:
    config = AutomationConfig(timeout_ms=200)
    context = await new_account_context(browser, config, None)
    try:
        page = await context.new_page()
        await page.set_content("<p>empty</p>")
        with pytest.raises(LayoutChanged, match="timed out"):
            async with traced_operation(context, config, "wait"):
                await page.get_by_role("button").click()
    finally:
        await context.close()


async def test_browser_flows_queue_for_their_slot() -> None:
    access = LinkedInAccess(AutomationConfig(), max_concurrent_flows=1)
    order: list[str] = []

    async def flow(name: str, hold: asyncio.Event | None) -> None:
        async with access.slot():
            order.append(f"{name} in")
            if hold is not None:
                await hold.wait()
            order.append(f"{name} out")

    release = asyncio.Event()
    first = asyncio.create_task(flow("first", release))
    second = asyncio.create_task(flow("second", None))
    await asyncio.sleep(0.01)
    assert order == ["first in"], "the second flow waits while the first holds the browser"
    release.set()
    await asyncio.gather(first, second)
    assert order == ["first in", "first out", "second in", "second out"]


async def test_the_network_service_runs_in_the_browser_process() -> None:
    async with launch_browser(AutomationConfig()) as browser:
        page = await (await browser.new_context()).new_page()
        await page.set_content("<main><p>Sent invitations</p></main>")
        commands = [command_line(pid) for pid in descendants()]
        assert any(b"--type=renderer" in command for command in commands), "the browser's tree is seen"
        assert not [c for c in commands if b"network.mojom.NetworkService" in c], "no process of its own"


def _driver_environments() -> list[bytes]:
    """The environment of each Playwright driver this test process started."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
            if parent == os.getpid() and b"run-driver" in command:
                found.append((entry / "environ").read_bytes())
        except (OSError, IndexError, ValueError):
            continue
    return found


@pytest.mark.parametrize("user_options", [None, "--trace-warnings"])
async def test_the_driver_runs_with_lean_node_flags(
    monkeypatch: pytest.MonkeyPatch, user_options: str | None
) -> None:
    if user_options is None:
        monkeypatch.delenv("NODE_OPTIONS", raising=False)
    else:
        monkeypatch.setenv("NODE_OPTIONS", user_options)
    before = set(_driver_environments())
    async with launch_browser(AutomationConfig()):
        started = [env for env in _driver_environments() if env not in before]
        assert len(started) == 1
        variables = dict(v.split(b"=", 1) for v in started[0].split(b"\0") if b"=" in v)
        expected = DRIVER_NODE_OPTIONS if user_options is None else f"{DRIVER_NODE_OPTIONS} {user_options}"
        assert variables[b"NODE_OPTIONS"] == expected.encode()
        assert os.environ.get("NODE_OPTIONS") == user_options  # only the driver saw it
