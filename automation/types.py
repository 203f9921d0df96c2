"""Plain data the automation returns to its callers."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class AgeRange:
    """How long ago something happened, as LinkedIn's rounded-down relative text allows.

    "Sent 3 months ago" means at least three months and less than four: `min_age <= age < max_age`.
    """

    min_age: timedelta
    max_age: timedelta


@dataclass(frozen=True)
class SentInvitation:
    """One row of the Sent invitations page."""

    slug: str
    name: str
    headline: str
    profile_url: str
    age_text: str
    age: AgeRange
    note: str | None = None


@dataclass(frozen=True)
class SentList:
    """Every pending invitation the page showed, and the count its `People (N)` pill claimed."""

    invitations: tuple[SentInvitation, ...]
    pill_count: int | None


@dataclass(frozen=True)
class WithdrawResult:
    """A withdrawal that was confirmed in the dialog and verified by readback."""

    slug: str
    name: str
    pill_before: int | None
    pill_after: int | None


class ProfileState(enum.StrEnum):
    """Our relationship with a member, as their profile's top card shows it."""

    CONNECTED = "connected"
    PENDING = "pending"
    CONNECTABLE = "connectable"
    BLOCKED = "blocked"  # withdrawn recently: Connect is a button without the custom-invite link
    FOLLOW_ONLY = "follow_only"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Profile:
    """What the profile page says about a member."""

    slug: str
    name: str
    headline: str
    state: ProfileState


@dataclass(frozen=True)
class InviteResult:
    """An invitation that was sent and verified as Pending on the profile."""

    slug: str
    note_sent: bool
    note_limit: int | None
    notes_remaining: int | None
