"""Benchmark: list 1,000 pending invitations from the sandbox (E4 lazy loading) vs the HTTP floor.

    python bench/sync.py [--pending 1000] [--repeat 5]
    python bench/sync.py --latency 200-400 [--pending 500] [--repeat 3]

The automation (`LinkedInClient.list_sent`: real Chromium, scrolling `<main>`, reading every row)
is compared with the floor: the same page and the same pagination fragments fetched one after
another over raw HTTP with httpx, with no browser and no parsing. Both run against one in-process
sandbox (a uvicorn thread), so they pay the same server costs. Goal: automation ≤ 1.25 × floor.

With `--latency LOW-HIGH` the sandbox answers each fragment after LOW to HIGH milliseconds
(`SandboxConfig.fragment_latency`, seeded, so the floor and the automation wait the same), as the
live site does; the floor is then the fragments' own sequential time. Goal: ≤ 1.10 × floor.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import statistics
import time

import httpx
from playwright.async_api import Browser

from automation.browser import launch_browser
from automation.client import LinkedInClient
from automation.config import AutomationConfig, Pacing
from sandbox import SandboxConfig, SandboxServer
from sandbox.sent import PAGINATION_PATH, PAGINATION_SDUIID, SENT_PATH

_CURSOR = re.compile(r'"cursor":\s*(\d+)')


def floor_once(server: SandboxServer) -> tuple[float, int]:
    """Fetch the Sent page and every pagination fragment over HTTP; (seconds, rows)."""
    cookies = {c["name"]: c["value"] for c in server.mint_session()}
    with httpx.Client(base_url=server.base_url, cookies=cookies) as http:
        started = time.perf_counter()
        page = http.get(SENT_PATH)
        rows = page.text.count('role="listitem"') - 1  # minus the hidden duplicate row
        match = _CURSOR.search(page.text)
        cursor = int(match[1]) if match else None
        has_more = cursor is not None
        while has_more:
            fragment = http.post(f"{PAGINATION_PATH}?sduiid={PAGINATION_SDUIID}", json={"cursor": cursor})
            rows += fragment.text.count('role="listitem"')
            has_more = fragment.headers.get("x-sandbox-has-more") == "true"
            cursor = int(fragment.headers.get("x-sandbox-cursor", cursor))
        return time.perf_counter() - started, rows


async def automation_once(server: SandboxServer, config: AutomationConfig, browser) -> tuple[float, int]:
    """`list_sent` in a fresh context; (seconds, rows)."""
    async with LinkedInClient(browser, config, server.storage_state()) as client:
        started = time.perf_counter()
        listed = await client.list_sent()
        elapsed = time.perf_counter() - started
    assert listed.pill_count == len(listed.invitations), "the listing must be complete"
    return elapsed, len(listed.invitations)


# The page's own loading loop and nothing else: scroll `<main>` to the bottom whenever it changes,
# until the rows number the floor's count. No row is judged or read.
_BARE_SCROLL = """
target => new Promise(resolve => {
  const main = document.querySelector("main");
  const rows = () => document.querySelectorAll('[role="listitem"]').length - 1;  // as the floor counts
  const scroll = () => {
    if (rows() >= target) { observer.disconnect(); resolve(rows()); return; }
    main.scrollTo(0, main.scrollHeight);
  };
  const observer = new MutationObserver(scroll);
  observer.observe(main, { childList: true, subtree: true });
  scroll();
})
"""


async def bare_once(server: SandboxServer, browser: Browser, pending: int) -> float:
    """Open the Sent page and run only the page's scroll-to-load loop in Chromium; seconds."""
    context = await browser.new_context(storage_state=server.storage_state())  # type: ignore[arg-type]
    try:
        page = await context.new_page()
        started = time.perf_counter()
        await page.goto(server.url(SENT_PATH), wait_until="domcontentloaded")
        rows = await page.evaluate(_BARE_SCROLL, pending)
        elapsed = time.perf_counter() - started
    finally:
        await context.close()
    assert rows == pending, f"the bare loop saw {rows} rows"
    return elapsed


async def main(pending: int, repeat: int, latency: tuple[float, float] | None) -> None:
    load_before = os.getloadavg()[0]
    with SandboxServer(SandboxConfig(pending=pending, fragment_latency=latency)) as server:
        config = AutomationConfig(base_url=server.base_url, pacing=Pacing.off())
        floor_once(server)  # warm-up: templates compiled, connections made
        floors, runs = [], []
        async with launch_browser(config) as browser:
            await automation_once(server, config, browser)  # warm-up
            bares = []
            # Alternated, so that each pair sees about the same load from the machine's other users.
            for _ in range(repeat):
                seconds, rows = floor_once(server)
                assert rows == pending, f"the floor read {rows} rows, not {pending}"
                floors.append(seconds)
                seconds, rows = await automation_once(server, config, browser)
                assert rows == pending
                runs.append(seconds)
                bares.append(await bare_once(server, browser, pending))
    floor, automation = statistics.median(floors), statistics.median(runs)
    pairs = sorted(run / floor_ for run, floor_ in zip(runs, floors, strict=True))
    print(
        f"machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}, "
        f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    print(f"rows: {pending}, repeats: {repeat} (medians; min..max)")
    if latency:
        print(
            f"latency per fragment: {latency[0] * 1000:.0f}-{latency[1] * 1000:.0f} ms (seeded, same draws)"
        )
    spread = f"({min(floors):.2f}..{max(floors):.2f})"
    print(f"floor (httpx, page + {pending // 10 - 1} fragments): {floor:.2f} s {spread}")
    print(f"automation (list_sent, Chromium):      {automation:.2f} s ({min(runs):.2f}..{max(runs):.2f})")
    print(f"ratio: {automation / floor:.2f}x (goal <= {1.10 if latency else 1.25}x)")
    bare = statistics.median(bares)
    print(
        f"the page's own scroll loop in Chromium, nothing read: {bare:.2f} s "
        f"({min(bares):.2f}..{max(bares):.2f}), {bare / floor:.2f}x the floor"
    )
    print(f"ratio of each pair run back to back: {', '.join(f'{r:.2f}' for r in pairs)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pending", type=int, default=None, help="rows (default 1000; 500 with --latency)")
    parser.add_argument("--repeat", type=int, default=None, help="runs of each (default 5; 3 with --latency)")
    parser.add_argument("--latency", default=None, metavar="LOW-HIGH", help="milliseconds per fragment")
    arguments = parser.parse_args()
    low, _, high = (arguments.latency or "").partition("-")
    fragment_latency = (int(low) / 1000, int(high or low) / 1000) if low else None
    asyncio.run(
        main(
            arguments.pending or (500 if fragment_latency else 1000),
            arguments.repeat or (3 if fragment_latency else 5),
            fragment_latency,
        )
    )
