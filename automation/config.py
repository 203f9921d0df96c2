"""How the automation reaches LinkedIn and paces itself: one frozen object, built by the caller."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Pacing:
    """Randomized human-like pauses between browser actions, in seconds.

    Zero in tests; the defaults keep a batch of withdrawals looking like a person clicking.
    """

    min_seconds: float = 4.0
    max_seconds: float = 11.0

    @classmethod
    def off(cls) -> Pacing:
        return cls(0.0, 0.0)


@dataclass(frozen=True)
class AutomationConfig:
    """Where LinkedIn lives and how the browser behaves.

    `base_url` is the only source of LinkedIn URLs, so the sandbox (or any server that renders
    the real markup) can stand in for linkedin.com unchanged.
    """

    base_url: str = "https://www.linkedin.com"
    browser_path: Path | None = None
    headless: bool = True
    timeout_ms: float = 15_000
    navigation_timeout_ms: float = 30_000
    pacing: Pacing = field(default_factory=Pacing)
    trace_dir: Path | None = None
    locale: str = "en-US"
    cdp_url: str | None = None
    """A Chromium to connect to over CDP (`http://host:port` of its `--remote-debugging-port`)."""
    ws_endpoint: str | None = None
    """A Playwright browser server to connect to (`ws://host:port/...`); `cdp_url` wins if both are set."""

    @property
    def remote_browser(self) -> str | None:
        """The endpoint of a browser that runs elsewhere, or None when we launch our own."""
        return self.cdp_url or self.ws_endpoint

    def url(self, path: str) -> str:
        """Absolute URL for a site path such as `/mynetwork/invitation-manager/sent/`."""
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")


def endpoint_label(endpoint: str) -> str:
    """`scheme://host:port` of an endpoint: what messages may show (a path or query can hold a token)."""
    try:
        parts = urlsplit(endpoint)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(an unreadable address)"
    return f"{parts.scheme}://{parts.hostname or ''}{port}"
