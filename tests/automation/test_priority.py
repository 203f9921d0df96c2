"""The browser runs below the bot's scheduling priority, so that taps are answered first."""

import os
import subprocess

import pytest

from automation.browser import launch_browser
from automation.client import LinkedInClient
from automation.config import AutomationConfig
from automation.priority import BROWSER_NICENESS, browser_processes, lower_priority
from sandbox import SandboxServer
from tests.fixtures.browser import sandbox_automation_config
from tests.fixtures.process_tree import command_line, descendants, threads


def _niceness(thread: int) -> int | None:
    try:
        return os.getpriority(os.PRIO_PROCESS, thread)
    except OSError:
        return None  # ended meanwhile


def _drivers_started_since(earlier: set[int]) -> set[int]:
    """The Playwright drivers this process started that were not among `earlier`."""
    return {pid for pid in browser_processes() if pid not in earlier and b"run-driver" in command_line(pid)}


def _tree_niceness(roots: set[int]) -> set[int]:
    """The nice values of every thread of `roots` and of the processes below them."""
    tree = [*roots, *(pid for root in roots for pid in descendants(root))]
    assert any(b"--type=renderer" in command_line(pid) for pid in tree), "a renderer is running"
    return {n for pid in tree for thread in threads(pid) if (n := _niceness(thread)) is not None}


async def test_every_browser_process_runs_below_the_bot_when_an_operation_starts(
    sandbox: SandboxServer,
) -> None:
    own = os.getpriority(os.PRIO_PROCESS, 0)
    earlier = set(browser_processes())  # the session's shared browser
    config = sandbox_automation_config(sandbox.base_url)
    async with launch_browser(config) as browser:
        drivers = _drivers_started_since(earlier)
        assert len(drivers) == 1
        async with LinkedInClient(browser, config, sandbox.storage_state()) as client:
            await client.list_sent()  # a renderer, with threads Chromium gave priorities of its own
            async with client._operation("probe", traced=False):
                niceness = _tree_niceness(drivers)
        assert min(niceness) >= max(own, BROWSER_NICENESS), niceness
    assert os.getpriority(os.PRIO_PROCESS, 0) == own, "the bot's own priority is left alone"


async def test_a_browser_launched_here_starts_below_the_bot() -> None:
    earlier = set(browser_processes())
    async with launch_browser(AutomationConfig()) as browser:
        await (await browser.new_context()).new_page()  # no operation yet: what it inherited
        drivers = _drivers_started_since(earlier)
        niceness = _tree_niceness(drivers)
        assert BROWSER_NICENESS in niceness and (os.geteuid() == 0 or min(niceness) >= BROWSER_NICENESS)


@pytest.mark.parametrize(("started_at", "expected"), [(0, BROWSER_NICENESS), (15, 15)])
def test_lowering_never_raises_a_priority(started_at: int, expected: int) -> None:
    sleeper = subprocess.Popen(["sleep", "30"], preexec_fn=lambda: os.nice(started_at))
    try:
        lower_priority(sleeper.pid)
        assert _niceness(sleeper.pid) == expected
    finally:
        sleeper.kill()
        sleeper.wait()
