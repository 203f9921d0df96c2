"""Several members in one sandbox, each with its own world, chosen by the session cookie.

The default member is the sandbox as it always was (`SandboxState` of the app, name "default");
`Identities.add` makes more, each a `SandboxState` of its own (its invitations, people, faults,
clock and sessions). A request belongs to the member whose session its `li_at` cookie is; with
no valid session it belongs to the default member (the sign-in pages, the control API).

`Identities` also records, per member, how many of its sessions were busy at once: a page load
or a page action (`counted`: a document request or any POST, the same work the friction fault
counts) holds the member's session from the request's arrival until its answer is sent. One
browser context with one page does these one at a time, so a member seen with two at once had
two browser sessions working in parallel; `most_at_once` keeps the highest number seen, so a test
can prove that no account was ever driven by two browsers at once. That counts requests in flight
and misses two browsers taking turns between requests; `browser_sessions`
(`sandbox.browser_sessions`) is the exact record: each browser context's span, first request to
last answer, and the pairs of one member's sessions whose spans intersect (`overlaps`).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sandbox.browser_sessions import BrowserSessions
from sandbox.config import SandboxConfig
from sandbox.state import SandboxState

DEFAULT_IDENTITY = "default"
SESSION_COOKIE = "li_at"


def counted(method: str, headers: Any) -> bool:
    """A page load (a document) or a page action (any POST); not images, scripts or fetched fragments."""
    if method == "POST":
        return True
    return method == "GET" and headers.get("sec-fetch-dest", "document") == "document"


class UnknownIdentity(KeyError):
    """No member by that name."""


class Identities:
    """The sandbox's members by name and their sessions' overlaps; safe to use from any thread."""

    def __init__(self, default: SandboxState) -> None:
        self._lock = threading.Lock()
        self._default = default
        self._extra: dict[str, SandboxState] = {}
        self._busy: Counter[str] = Counter()
        self._most: Counter[str] = Counter()
        self.browser_sessions = BrowserSessions()

    def add(self, name: str, config: SandboxConfig) -> SandboxState:
        """A new member called `name` with a world built from `config`.

        Raises:
            ValueError: the name is empty or taken.
        """
        if not name or name == DEFAULT_IDENTITY:
            raise ValueError(f"an identity needs a name other than {DEFAULT_IDENTITY!r}")
        state = SandboxState(config)
        with self._lock:
            if name in self._extra:
                raise ValueError(f"there is already an identity called {name!r}")
            self._extra[name] = state
        return state

    def get(self, name: str) -> SandboxState:
        """The member called `name` ("default" for the default one).

        Raises:
            UnknownIdentity: there is none.
        """
        if name == DEFAULT_IDENTITY:
            return self._default
        with self._lock:
            found = self._extra.get(name)
        if found is None:
            raise UnknownIdentity(name)
        return found

    def names(self) -> list[str]:
        with self._lock:
            return [DEFAULT_IDENTITY, *self._extra]

    def of_session(self, li_at: str | None) -> tuple[str, SandboxState] | None:
        """The member whose valid session `li_at` is, or None."""
        if li_at is None:
            return None
        if self._default.sessions.valid(li_at):
            return DEFAULT_IDENTITY, self._default
        with self._lock:
            extra = list(self._extra.items())
        for name, state in extra:
            if state.sessions.valid(li_at):
                return name, state
        return None

    def clear(self) -> None:
        """Forget every member but the default one, and every overlap seen (a new test's world)."""
        with self._lock:
            self._extra.clear()
            self._busy.clear()
            self._most.clear()
        self.browser_sessions.clear()

    @contextmanager
    def working(self, name: str) -> Iterator[None]:
        """Hold one of `name`'s sessions busy for the block (one page load or page action)."""
        with self._lock:
            self._busy[name] += 1
            self._most[name] = max(self._most[name], self._busy[name])
        try:
            yield
        finally:
            with self._lock:
                self._busy[name] -= 1

    def most_at_once(self) -> dict[str, int]:
        """For every member, the most page loads and actions of its sessions seen at once (0: none yet)."""
        with self._lock:
            return {name: self._most[name] for name in (DEFAULT_IDENTITY, *self._extra)}

    def summary(self) -> dict[str, dict[str, int]]:
        """What `GET /__sandbox/identities` serves: per member, its counts and overlaps."""
        with self._lock:
            members = [(DEFAULT_IDENTITY, self._default), *self._extra.items()]
            busy = dict(self._busy)
            most = dict(self._most)
        browsers = self.browser_sessions.sessions()
        overlaps = self.browser_sessions.overlaps()
        return {
            name: {
                "pending": len(state.pending_slugs()),
                "withdrawn": len(state.withdrawn_slugs()),
                "sessions": state.sessions.count(),
                "busy": busy.get(name, 0),
                "most_at_once": most.get(name, 0),
                "browser_sessions": browsers.get(name, 0),
                "overlaps": overlaps.get(name, 0),
            }
            for name, state in members
        }
