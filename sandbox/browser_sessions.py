"""Which browser sessions drove each member, and whether two of one member's ever overlapped.

`Identities.most_at_once` counts requests in flight at once, which misses two browsers that take
turns between requests (one loads a page, the other loads the next, never both at the same
instant). This record is exact instead: every browser context gets a session of its own on first
contact, and each session's span runs from its first request's arrival to its last request's
answer. Two sessions of one member whose spans intersect are an overlap, however short.

The session travels in a cookie (`SESSION_TRACE_COOKIE`, "<lineage>.<generation>"). A client
keeps every cookie it is given (the product stores the whole storage state after each flow and
opens the next context on it), so a cookie alone would make all of an account's contexts one
session. Hence the generation: every page load (a document request) is answered with the next
generation of its lineage, which only the context that made the load receives. A page load that
presents a generation older than its lineage's newest comes from a context opened on an older
kept state, so it starts a session (and a lineage) of its own. A context opened on the newest
kept state continues the session of the context that kept it; it began after that one ended,
or the first page load of whichever comes second presents an older generation.

Limit: one context making two page loads at once would present one generation twice and be
counted as two sessions; the client drives one page per context, one navigation at a time.
Order is a counter taken under a lock, not a clock: no two events tie.
"""

from __future__ import annotations

import itertools
import secrets
import threading
from dataclasses import dataclass, field

SESSION_TRACE_COOKIE = "sandbox_session"


@dataclass
class _Span:
    member: str
    first: int
    last: int
    requests: int = 0


@dataclass(frozen=True)
class Visit:
    """One request of a browser session: which session, and the cookie to answer with (or None)."""

    session: int
    set_cookie: str | None


@dataclass
class BrowserSessions:
    """Every member's browser sessions and their spans; safe to use from any thread."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ticks: itertools.count[int] = field(default_factory=itertools.count)
    _newest: dict[str, int] = field(default_factory=dict)  # lineage -> newest generation handed out
    _session_of: dict[tuple[str, int], int] = field(default_factory=dict)  # (lineage, generation) -> session
    _spans: dict[int, _Span] = field(default_factory=dict)

    def arrive(self, member: str, cookie: str | None, *, page_load: bool) -> Visit:
        """A request of `member`'s presenting `cookie` arrived: the session it belongs to."""
        lineage, generation = _parse(cookie)
        with self._lock:
            tick = next(self._ticks)
            session = self._session_of.get((lineage, generation)) if lineage else None
            if session is not None and self._spans[session].member != member:
                session = None  # the context signed in as someone else: a session of the new member
            stale = session is not None and lineage is not None and generation < self._newest[lineage]
            if session is None or lineage is None or (page_load and stale):
                lineage, generation = secrets.token_hex(8), 0
                session = len(self._spans)
                self._spans[session] = _Span(member, first=tick, last=tick)
                self._session_of[(lineage, generation)] = session
                self._newest[lineage] = generation
            span = self._spans[session]
            span.requests += 1
            if not page_load and span.requests > 1:
                return Visit(session, None)  # a sub-request: the page load's generation stands
            generation = self._newest[lineage] = self._newest[lineage] + 1
            self._session_of[(lineage, generation)] = session
            return Visit(session, f"{lineage}.{generation}")

    def leave(self, session: int) -> None:
        """The answer to one of `session`'s requests went out (or the request ended otherwise)."""
        with self._lock:
            self._spans[session].last = next(self._ticks)

    def clear(self) -> None:
        with self._lock:
            self._newest.clear()
            self._session_of.clear()
            self._spans.clear()

    def sessions(self) -> dict[str, int]:
        """How many browser sessions each member had (members without any are absent)."""
        with self._lock:
            counted: dict[str, int] = {}
            for span in self._spans.values():
                counted[span.member] = counted.get(span.member, 0) + 1
            return counted

    def overlaps(self) -> dict[str, int]:
        """For each member, how many pairs of its browser sessions had intersecting spans."""
        with self._lock:
            by_member: dict[str, list[_Span]] = {}
            for span in self._spans.values():
                by_member.setdefault(span.member, []).append(span)
        found: dict[str, int] = {}
        for member, spans in by_member.items():
            spans.sort(key=lambda span: span.first)
            found[member] = sum(
                1 for i, earlier in enumerate(spans) for later in spans[i + 1 :] if later.first < earlier.last
            )
        return found


def _parse(cookie: str | None) -> tuple[str | None, int]:
    if not cookie:
        return None, 0
    lineage, _, generation = cookie.partition(".")
    try:
        return lineage, int(generation)
    except ValueError:
        return None, 0
