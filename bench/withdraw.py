"""Benchmark: time per withdrawal through `LinkedInClient.withdraw` vs a bare click + confirm.

    python bench/withdraw.py [--count 10] [--pending 200]

The bare version is the least a script can do with raw Playwright: open the Sent page, click the
row's "Withdraw invitation sent to <Name>" link, click the same-named button in the open dialog,
wait for the row to go. The client also finds the row by slug, cross-checks the name, checks the
dialog, waits for the pill to drop and reads the Sent page's server HTML afresh to verify the
withdrawal held (the tab keeps its rows, where bare loads the page each time). Pacing is off for
both. Goal: client with tracing ≤ 1.5 × bare. Both withdraw the newest `count` invitations of a freshly
reset sandbox (rows of the first, server-rendered batch), in one browser context each.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from playwright.async_api import Browser

from automation.browser import launch_browser, new_account_context
from automation.client import LinkedInClient
from automation.config import AutomationConfig, Pacing
from sandbox import SandboxConfig, SandboxServer
from sandbox.sent import SENT_PATH


def targets(server: SandboxServer, count: int) -> list[tuple[str, str]]:
    slugs = server.state.pending_slugs()[:count]
    return [(slug, server.state.person(slug).name) for slug in slugs]  # type: ignore[union-attr]


async def bare(server: SandboxServer, browser: Browser, config: AutomationConfig, count: int) -> list[float]:
    """Raw Playwright: navigate, click, confirm, wait for the row to go."""
    context = await new_account_context(browser, config, server.storage_state())
    page = await context.new_page()
    times = []
    for slug, name in targets(server, count):
        started = time.perf_counter()
        await page.goto(server.url(SENT_PATH), wait_until="domcontentloaded")
        label = f"Withdraw invitation sent to {name}"
        # Scoped to the row that links to the slug: two members can share a name.
        row = page.get_by_role("listitem").filter(has=page.locator(f'a[href$="/in/{slug}/"]'))
        control = row.get_by_role("link", name=label, exact=True)
        await control.click()
        await page.get_by_role("dialog").get_by_role("button", name=label, exact=True).click()
        await control.wait_for(state="detached")
        times.append(time.perf_counter() - started)
        assert not server.state.is_pending(slug)
    await context.close()
    return times


async def client(
    server: SandboxServer, browser: Browser, config: AutomationConfig, count: int
) -> list[float]:
    """`LinkedInClient.withdraw`, verified by readback."""
    times = []
    async with LinkedInClient(browser, config, server.storage_state()) as linkedin:
        for slug, name in targets(server, count):
            started = time.perf_counter()
            await linkedin.withdraw(slug, name=name)
            times.append(time.perf_counter() - started)
            assert not server.state.is_pending(slug)
    return times


async def main(count: int, pending: int, rounds: int) -> None:
    with SandboxServer(SandboxConfig(pending=pending)) as server, tempfile.TemporaryDirectory() as traces:
        config = AutomationConfig(base_url=server.base_url, pacing=Pacing.off())
        traced = AutomationConfig(base_url=server.base_url, pacing=Pacing.off(), trace_dir=Path(traces))
        results: dict[str, list[float]] = {"bare": [], "client": [], "client+tracing": []}
        async with launch_browser(config) as browser:
            server.reset(pending=pending)
            await bare(server, browser, config, 2)  # warm-up
            for _ in range(rounds):
                for name, run, run_config in (
                    ("bare", bare, config),
                    ("client", client, config),
                    ("client+tracing", client, traced),
                ):
                    server.reset(pending=pending)
                    results[name] += await run(server, browser, run_config, count)
    medians = {name: statistics.median(times) for name, times in results.items()}
    print(
        f"machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"withdrawals per variant: {count * rounds} (newest rows of a {pending}-pending world); medians")
    for name, median in medians.items():
        print(f"{name:>15}: {median * 1000:.0f} ms per withdrawal")
    print(f"ratio client/bare: {medians['client'] / medians['bare']:.2f}x")
    print(f"ratio client+tracing/bare: {medians['client+tracing'] / medians['bare']:.2f}x (goal <= 1.5x)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--pending", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.count, arguments.pending, arguments.rounds))
