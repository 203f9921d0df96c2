"""Sessions of the one sandbox member: li_at cookies, login checkpoints and one-time messages.

Kept apart from the world so a reset (a new world) leaves signed-in browsers signed in.
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Challenge:
    """A login checkpoint waiting for a PIN (or a captcha)."""

    id: str
    kind: str
    redirect: str
    approved: bool = False  # app approval: the member tapped "Yes, it's me" on their phone


class SessionBook:
    """Valid sessions, open checkpoints and flashes, safe to use from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, str] = {}  # li_at -> JSESSIONID value
        self._challenges: dict[str, Challenge] = {}
        self._flashes: dict[str, str] = {}  # li_at -> message kind for the next page

    def mint(self) -> tuple[str, str]:
        """A new valid session: (li_at, JSESSIONID value with its quotes, `"ajax:<n>"`)."""
        li_at = "AQEDAR" + secrets.token_urlsafe(48)
        jsessionid = f'"ajax:{secrets.randbelow(10**19):019d}"'
        with self._lock:
            self._sessions[li_at] = jsessionid
        return li_at, jsessionid

    def valid(self, li_at: str | None) -> bool:
        with self._lock:
            return li_at is not None and li_at in self._sessions

    def count(self) -> int:
        with self._lock:
            return len(self._sessions)

    def expire_all(self) -> int:
        """Invalidate every li_at (the session-expiry fault); returns how many there were."""
        with self._lock:
            count = len(self._sessions)
            self._sessions.clear()
            return count

    def open_challenge(self, kind: str, redirect: str) -> Challenge:
        challenge = Challenge(id=secrets.token_hex(12), kind=kind, redirect=redirect)
        with self._lock:
            self._challenges[challenge.id] = challenge
        return challenge

    def challenge(self, challenge_id: str) -> Challenge | None:
        with self._lock:
            return self._challenges.get(challenge_id)

    def approve_challenges(self) -> int:
        """Tap "Yes, it's me" on every open app-approval challenge; returns how many."""
        with self._lock:
            waiting = [c for c in self._challenges.values() if c.kind == "app_approval" and not c.approved]
            for challenge in waiting:
                self._challenges[challenge.id] = dataclasses.replace(challenge, approved=True)
            return len(waiting)

    def close_challenge(self, challenge_id: str) -> None:
        with self._lock:
            self._challenges.pop(challenge_id, None)

    def push_flash(self, li_at: str, kind: str) -> None:
        """Remember a one-time message (an `InviteOutcome` value) for the session's next page."""
        with self._lock:
            self._flashes[li_at] = kind

    def pop_flash(self, li_at: str | None) -> str | None:
        with self._lock:
            return self._flashes.pop(li_at, None) if li_at else None
