"""How one LinkedIn account looks to LinkedIn: its proxy, locale, time zone and user agent.

Accounts are never seen together: each flow runs in its own browser context (its own cookies and
storage), and `BrowserIdentity` adds what a context can differ in besides — the address it comes
from (a proxy, with credentials), its language and clock, and a user agent that stays the same
for the account from one flow to the next. The user agent is never invented: it is the running
browser's own, with the "HeadlessChrome" tell replaced and the version reduced to the major
number, as Chrome itself sends it (`stable_user_agent`); it is chosen once, stored with the
account, and chosen again only when the browser's major version changes (as a person's Chrome
updates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_CHROME_VERSION = re.compile(r"(?:Headless)?Chrome/(\d+)[.\d]*")


@dataclass(frozen=True)
class Proxy:
    """A proxy a context's traffic goes through: `server` (`http://host:port`, `socks5://…`) and
    optional credentials. The password never appears in `repr`, logs or messages."""

    server: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def as_playwright(self) -> dict[str, str]:
        """The `proxy` option of `Browser.new_context`."""
        options = {"server": self.server}
        if self.username is not None:
            options["username"] = self.username
            options["password"] = self.password or ""
        return options


@dataclass(frozen=True)
class BrowserIdentity:
    """One account's context options; `label` names the account in error messages."""

    label: str
    proxy: Proxy | None = None
    locale: str | None = None
    timezone_id: str | None = None
    user_agent: str | None = None

    def context_options(self, user_agent: str) -> dict[str, Any]:
        """Options for `Browser.new_context`, with the user agent this flow uses."""
        options: dict[str, Any] = {"user_agent": user_agent}
        if self.proxy is not None:
            options["proxy"] = self.proxy.as_playwright()
        if self.locale is not None:
            options["locale"] = self.locale
        if self.timezone_id is not None:
            options["timezone_id"] = self.timezone_id
        return options


def major_version(user_agent: str) -> int | None:
    """The Chrome major version a user agent claims, or None if it claims none."""
    found = _CHROME_VERSION.search(user_agent)
    return int(found.group(1)) if found else None


def stable_user_agent(stored: str | None, browser_default: str) -> str:
    """The user agent an account's flow uses: the stored one while the browser's major version is
    the one it names; else the browser's own, as a headed Chrome of that version sends it."""
    version = major_version(browser_default)
    if stored is not None and major_version(stored) == version:
        return stored
    return _CHROME_VERSION.sub(lambda found: f"Chrome/{found.group(1)}.0.0.0", browser_default)
