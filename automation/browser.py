"""Chromium itself: find and launch a browser, a context per LinkedIn account, default timeouts
in one place, and a Playwright trace per operation that is kept (scrubbed of session cookies)
only on failure.

Who launches when, and how flows share the browser, is `automation.access.LinkedInAccess`;
this module holds the mechanics it (and the tests and bench/) use.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
import uuid
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automation.config import AutomationConfig, endpoint_label
from automation.errors import (
    AutomationError,
    BrowserUnreachable,
    CheckpointRequired,
    LayoutChanged,
    NavigationFailed,
)
from automation.identity import BrowserIdentity, stable_user_agent
from automation.priority import lower_browser_priority
from automation.private_files import private_folder
from automation.trace_redaction import TraceNotScrubbed, scrub_trace

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Playwright
    from playwright.async_api import Error as PlaywrightError

# Playwright is imported where a browser is launched or used, not with this module: the bot
# imports it at start-up and should stay small until browser work is due (docs/benchmarks.md).

SYSTEM_BROWSERS = (
    "/usr/bin/chromium",
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
)
"""Where a system Chromium/Chrome usually is, in the order we try them (absolute path or PATH name)."""

HEADLESS_SHELLS = ("chromium-headless-shell", "/usr/lib/chromium/chromium-headless-shell")
"""Chromium's headless-only build (Debian's `chromium-headless-shell`, the same version as `chromium`).

Headless, it drives the same pages with far less memory (342 MB against 527 MB PSS for driver and
browser with two tabs on the Sent page, docs/benchmarks.md); it cannot show a window, so a visible
browser (the interactive login) always takes a full Chromium.
"""

# Keep the browser from phoning home or updating itself: quieter, faster, and nothing but the
# automation's own traffic reaches the network.
QUIET_FLAGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)

LEAN_FLAGS = ("--enable-features=NetworkServiceInProcess2",)
"""Run Chromium's network service inside its browser process: one process fewer, ~10 MB less PSS
at a batch's peak (measured in docs/benchmarks.md)."""

INSTALL_HINT = (
    "Install Chromium (Debian/Ubuntu: `apt-get install chromium`), or Playwright's own build "
    "(`playwright install chromium`), or set BROWSER_PATH to a Chromium/Chrome binary."
)


RECORDINGS: weakref.WeakKeyDictionary[Browser, Path] = weakref.WeakKeyDictionary()
"""Where each browser we launched lets Playwright record traces while they run (`traces_dir`)."""

OVER_CDP: weakref.WeakSet[Browser] = weakref.WeakSet()
"""Remote browsers we reached over CDP: our own driver records their traces (`_forget_recording`)."""


class BrowserNotFound(AutomationError):
    """No Chromium or Chrome binary could be found."""


def find_browser(
    configured: Path | None,
    playwright_default: Path | None = None,
    *,
    headless: bool = False,
    candidates: tuple[str, ...] = SYSTEM_BROWSERS,
    headless_candidates: tuple[str, ...] = HEADLESS_SHELLS,
) -> Path:
    """The browser binary to launch: the configured one, else a system one, else Playwright's own.

    Headless, a system headless shell comes before the full system browsers.

    Raises:
        BrowserNotFound: nothing usable exists (the message says how to install Chromium).
    """
    if configured is not None:
        if configured.is_file():
            return configured
        raise BrowserNotFound(f"BROWSER_PATH {configured} does not exist. {INSTALL_HINT}")
    for candidate in (*headless_candidates, *candidates) if headless else candidates:
        found = shutil.which(candidate)
        if found:
            return Path(found)
    if playwright_default is not None and playwright_default.is_file():
        return playwright_default
    raise BrowserNotFound(f"No Chromium or Chrome found. {INSTALL_HINT}")


DRIVER_NODE_OPTIONS = "--max-semi-space-size=1 --jitless"
"""Node flags for Playwright's driver: a 1 MB young generation instead of V8's default 16 MB, and
no JIT compiler.

The driver relays protocol messages and short-lived objects; with V8's defaults it held ~150 MB
PSS during a withdrawal batch. The small young generation takes ~25 MB off, and running its
JavaScript interpreted ~17 MB more (no compiled code kept), both at the same batch and withdrawal
times, tracing included (docs/benchmarks.md).
"""


@contextmanager
def driver_node_options() -> Iterator[None]:
    """Give the Node driver started in the block `DRIVER_NODE_OPTIONS` (after any the user set).

    Playwright starts its driver with a copy of this process's environment; the variable is
    restored as soon as the driver has started, so nothing else sees it.
    """
    before = os.environ.get("NODE_OPTIONS")
    os.environ["NODE_OPTIONS"] = f"{DRIVER_NODE_OPTIONS} {before}" if before else DRIVER_NODE_OPTIONS
    try:
        yield
    finally:
        if before is None:
            del os.environ["NODE_OPTIONS"]
        else:
            os.environ["NODE_OPTIONS"] = before


async def start_driver() -> Playwright:
    """Start Playwright's Node driver, lean (`DRIVER_NODE_OPTIONS`) and below the bot's priority
    (`automation.priority`: the browser it launches inherits that)."""
    from playwright.async_api import async_playwright

    with driver_node_options():
        playwright = await async_playwright().start()
    lower_browser_priority()
    return playwright


def launch_args() -> list[str]:
    """Command-line flags for Chromium; its sandbox cannot run as root, so only then is it disabled."""
    args = [*QUIET_FLAGS, *LEAN_FLAGS]
    if os.geteuid() == 0:
        args.insert(0, "--no-sandbox")
    return args


@dataclass(frozen=True)
class LaunchedBrowser:
    """A browser we launched (or connected to), with the Playwright driver and the folder it records
    traces in (None for a remote browser: it records where it runs)."""

    playwright: Playwright
    browser: Browser
    recordings: Path | None
    remote: str | None = None
    """The endpoint of a browser that runs elsewhere; closing only disconnects from it."""

    @property
    def connected(self) -> bool:
        """Whether the browser (or the connection to a remote one) is still there."""
        return self.browser.is_connected()

    async def close(self) -> None:
        """Close the browser and its driver, and delete what the recordings left.

        For a remote browser `Browser.close` closes the contexts we made and disconnects: a
        browser Playwright did not launch is never shut down by it.
        """
        from playwright.async_api import Error as PlaywrightError

        try:
            if self.browser.is_connected():
                await self.browser.close()
        except PlaywrightError:
            if self.remote is None:
                raise  # a remote connection that broke while closing has nothing left to close
        finally:
            await self.playwright.stop()
            if self.recordings is not None:
                await asyncio.to_thread(shutil.rmtree, self.recordings, ignore_errors=True)


async def start_browser(config: AutomationConfig) -> LaunchedBrowser:
    """Connect to the configured remote browser, else launch our own (`connect` or `launch`)."""
    return await (connect(config) if config.remote_browser else launch(config))


async def connect(config: AutomationConfig) -> LaunchedBrowser:
    """Connect to a browser that runs elsewhere: Chromium over CDP (`cdp_url`) or a Playwright server.

    Raises:
        BrowserUnreachable: nothing answers there, or it is not a browser we can drive.
    """
    from playwright.async_api import Error as PlaywrightError

    endpoint = config.remote_browser
    if endpoint is None:
        raise ValueError("no remote browser configured")
    playwright = await start_driver()
    try:
        if config.cdp_url:
            browser = await playwright.chromium.connect_over_cdp(
                config.cdp_url, timeout=config.navigation_timeout_ms
            )
            OVER_CDP.add(browser)
        else:
            browser = await playwright.chromium.connect(endpoint, timeout=config.navigation_timeout_ms)
    except PlaywrightError as exc:
        await playwright.stop()
        # The endpoint's path or query may carry a token: the message names only its host and port.
        raise BrowserUnreachable(
            f"the remote browser at {endpoint_label(endpoint)} cannot be reached ({_first_line(exc)})"
        ) from None
    except BaseException:
        await playwright.stop()
        raise
    return LaunchedBrowser(playwright, browser, None, remote=endpoint)


async def launch(config: AutomationConfig) -> LaunchedBrowser:
    """Start Playwright's driver and launch the configured browser (headless or visible).

    Raises:
        BrowserNotFound: no Chromium or Chrome binary exists.
    """
    playwright = await start_driver()
    # Playwright writes a running trace (cookies in its network entries) to `traces_dir`
    # as it records; a private directory lets `traced_operation` delete each recording
    # as soon as it stops, instead of leaving them all in /tmp until the browser closes.
    recordings = Path(tempfile.mkdtemp(prefix="invitesweep-recording-"))
    try:
        executable = find_browser(
            config.browser_path, Path(playwright.chromium.executable_path), headless=config.headless
        )
        browser = await playwright.chromium.launch(
            executable_path=executable,
            headless=config.headless,
            args=launch_args(),
            traces_dir=recordings,
        )
    except BaseException:
        await playwright.stop()
        shutil.rmtree(recordings, ignore_errors=True)
        raise
    RECORDINGS[browser] = recordings
    lower_browser_priority()  # Chromium set some of its threads' priorities as it started
    return LaunchedBrowser(playwright, browser, recordings)


@asynccontextmanager
async def launch_browser(config: AutomationConfig) -> AsyncIterator[Browser]:
    """A bare browser for the block, for code that manages its own contexts (tests, bench/).

    Product code reaches LinkedIn through `automation.access.LinkedInAccess`, which launches
    with this module's `launch` and adds the flow slot and the idle close.
    """
    launched = await launch(config)
    try:
        yield launched.browser
    finally:
        await launched.close()


DEFAULT_USER_AGENTS: weakref.WeakKeyDictionary[Browser, str] = weakref.WeakKeyDictionary()
"""Each browser's own user agent, asked once per connection."""


async def browser_user_agent(browser: Browser) -> str:
    """The user agent the browser itself sends (its version and platform), asked once."""
    known = DEFAULT_USER_AGENTS.get(browser)
    if known is None:
        session = await browser.new_browser_cdp_session()
        try:
            known = str((await session.send("Browser.getVersion"))["userAgent"])
        finally:
            await session.detach()
        DEFAULT_USER_AGENTS[browser] = known
    return known


async def chosen_user_agent(browser: Browser, identity: BrowserIdentity | None) -> str | None:
    """The user agent a context of `identity` sends (`automation.identity.stable_user_agent`);
    None without an identity: the browser's own."""
    if identity is None:
        return None
    return stable_user_agent(identity.user_agent, await browser_user_agent(browser))


async def new_account_context(
    browser: Browser,
    config: AutomationConfig,
    storage_state: dict[str, Any] | None,
    identity: BrowserIdentity | None = None,
) -> BrowserContext:
    """An isolated context for one LinkedIn account, with the default timeouts.

    With an `identity`, the context takes the account's proxy, locale and time zone, and its
    `chosen_user_agent`; without one (signing in, the scan command, tests) the browser's own.
    """
    options: dict[str, Any] = {"locale": config.locale}
    user_agent = await chosen_user_agent(browser, identity)
    if identity is not None and user_agent is not None:
        options.update(identity.context_options(user_agent))
    context = await browser.new_context(
        storage_state=storage_state,  # type: ignore[arg-type]  # Playwright's TypedDict is stricter
        viewport={"width": 1280, "height": 900},
        **options,
    )
    # The one place timeouts are set; page objects rely on auto-waiting within them.
    context.set_default_timeout(config.timeout_ms)
    context.set_default_navigation_timeout(config.navigation_timeout_ms)
    return context


@asynccontextmanager
async def traced_operation(
    context: BrowserContext, config: AutomationConfig, name: str
) -> AsyncIterator[None]:
    """Run one operation under a Playwright trace; on failure keep it, scrubbed, and name it in the error.

    Tracing runs only while a traced operation does: Playwright records network entries from
    `tracing.start()` on and copies all of them into every chunk, so a context-long recording
    would carry an earlier login's traffic into every later trace. The kept trace has every
    cookie value of the context redacted (`automation.trace_redaction`); a trace that cannot
    be scrubbed is deleted. Errors are converted as in `untraced_operation`.
    """
    from playwright.async_api import Error as PlaywrightError

    if config.trace_dir is None:
        async with untraced_operation(name):
            yield
        return
    # DOM snapshots (what the trace viewer replays) cost little; screencast screenshots made
    # each withdrawal ~50% slower in bench/withdraw.py, so they stay off.
    recording = uuid.uuid4().hex
    await context.tracing.start(name=recording, title=name, screenshots=False, snapshots=True)
    try:
        cookies_before = await _cookie_values(context)
        try:
            yield
        except CheckpointRequired:
            await context.tracing.stop()  # a question for the user, not a failure
            raise
        except BaseException as exc:
            path = await _keep_trace(context, config.trace_dir, name, cookies_before)
            if isinstance(exc, AutomationError):
                exc.trace_path = path
                raise
            if isinstance(exc, PlaywrightError):
                raise _as_automation_error(exc, name, path) from exc
            raise
        else:
            await context.tracing.stop()
    finally:
        await asyncio.to_thread(_forget_recording, context, recording)


@asynccontextmanager
async def untraced_operation(name: str) -> AsyncIterator[None]:
    """Run one operation with no trace at all; Playwright errors become `AutomationError`s.

    Playwright timeouts become `LayoutChanged` (the element we wait for never came) and other
    Playwright errors `NavigationFailed`, so callers only ever see `AutomationError`s.
    """
    from playwright.async_api import Error as PlaywrightError

    try:
        yield
    except PlaywrightError as exc:
        raise _as_automation_error(exc, name, None) from exc


def _forget_recording(context: BrowserContext, recording: str) -> None:
    """Delete what Playwright wrote while recording (`<recording>.trace`, `.network`, copies).

    Only the shared `resources/` (response bodies and DOM snapshots, deduplicated across
    recordings by Playwright) stays until the browser closes. A browser we did not launch
    records where Playwright chose: over CDP that is our driver's temporary folder, and the
    recording is deleted there too; a Playwright server (`ws_endpoint`) records on its own
    machine, out of our reach, and deletes its recordings when we disconnect.
    """
    browser = context.browser
    if browser is None:
        return
    recordings = RECORDINGS.get(browser)
    if recordings is not None:
        folders = [recordings]
    elif browser in OVER_CDP:
        # Over CDP our own driver records, in the `playwright-artifacts-*` folder it made in the
        # temporary directory (no option moves it); the recording's name is a fresh UUID, so
        # only its own files match.
        folders = list(Path(tempfile.gettempdir()).glob("playwright-artifacts-*"))
    else:
        return
    for folder in folders:
        for leftover in folder.glob(f"{recording}*"):
            if leftover.is_file():
                leftover.unlink(missing_ok=True)


async def _cookie_values(context: BrowserContext) -> set[str]:
    return {cookie["value"] for cookie in await context.cookies() if cookie.get("value")}


async def _keep_trace(
    context: BrowserContext, trace_dir: Path, name: str, cookies_before: set[str]
) -> Path | None:
    """Save the running trace, scrubbed, into `trace_dir`; None when there is nothing safe to keep.

    The raw trace only ever exists in a private temporary directory, never in `trace_dir`.
    """
    from playwright.async_api import Error as PlaywrightError

    await asyncio.to_thread(private_folder, trace_dir)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = trace_dir / f"{stamp}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.zip"
    with tempfile.TemporaryDirectory(prefix="invitesweep-trace-") as private:
        raw = Path(private) / "raw.zip"
        try:
            # Cookies set during the operation (a refreshed session) are secrets too.
            secrets = cookies_before | await _cookie_values(context)
            await context.tracing.stop(path=raw)
        except PlaywrightError:
            return None  # the context died with the failure; the error itself still goes up
        try:
            await asyncio.to_thread(scrub_trace, raw, path, secrets)
        except TraceNotScrubbed:
            return None  # scrub_trace left nothing behind; the raw trace goes with `private`
    return path


def _first_line(exc: PlaywrightError) -> str:
    text = exc.message or str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def _as_automation_error(exc: PlaywrightError, operation: str, trace_path: Path | None) -> AutomationError:
    from playwright.async_api import TimeoutError as PlaywrightTimeoutError

    first_line = _first_line(exc)
    if isinstance(exc, PlaywrightTimeoutError):
        return LayoutChanged(f"{operation}: timed out: {first_line}", trace_path=trace_path)
    return NavigationFailed(f"{operation}: {first_line}", trace_path=trace_path)
