"""The value types of a sandbox world: members, invitations, outcomes and fault switches."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

COOLDOWN = timedelta(days=21)
NOTE_LIMITS = {"free": 200, "premium": 300}
CHECKPOINTS = ("none", "email_pin", "two_step", "captcha", "app_approval")
LOGIN_VARIANTS = ("classic", "formless")
AUTH_REDIRECTS = ("login", "authwall")
FRICTIONS = ("none", "checkpoint", "captcha", "restricted", "unusual_activity", "weekly_limit")
"""What LinkedIn can put in front of any signed-in page (the `friction` fault)."""


class Relation(enum.StrEnum):
    """How the member relates to us, ignoring invitations."""

    NONE = "none"
    CONNECTED = "connected"


class InvitationState(enum.StrEnum):
    PENDING = "pending"
    WITHDRAWN = "withdrawn"
    ACCEPTED = "accepted"


class InviteOutcome(enum.StrEnum):
    """What happened to an attempt to send an invitation."""

    SENT = "sent"
    BLOCKED = "blocked"  # inside the re-invite cooldown after a withdrawal
    WEEKLY_LIMIT = "weekly_limit"
    NOTE_QUOTA = "note_quota"
    NOTE_TOO_LONG = "note_too_long"
    ALREADY_PENDING = "already_pending"
    ALREADY_CONNECTED = "already_connected"
    FOLLOW_ONLY = "follow_only"  # the member accepts followers, not invitations
    UNKNOWN_MEMBER = "unknown_member"


class MessageOutcome(enum.StrEnum):
    """What happened to a message sent from the messaging page."""

    SENT = "sent"
    NOT_CONNECTED = "not_connected"  # only connections can be messaged without InMail
    EMPTY = "empty"
    UNKNOWN_MEMBER = "unknown_member"


class WithdrawOutcome(enum.StrEnum):
    WITHDRAWN = "withdrawn"
    NOT_PENDING = "not_pending"
    IGNORED = "ignored"  # the confirm-does-nothing fault


@dataclass(frozen=True)
class Position:
    """One entry of a member's Experience section; `end` None means they are there now."""

    title: str
    company: str
    start: int  # year
    end: int | None = None
    full_time: bool = False  # shown as "Company · Full-time"


@dataclass(frozen=True)
class ProfileDetails:
    """What a profile shows below and beside the top card; every part may be missing.

    `language` is the language the member wrote their profile in (a `lang` code); `languages`
    the codes of the Languages section; `mutual_names` the (up to two) mutual connections named
    in the top card out of `mutual` in all.
    """

    location: str | None = None
    about: str | None = None
    positions: tuple[Position, ...] = ()
    schools: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    mutual: int = 0
    mutual_names: tuple[str, ...] = ()
    language: str | None = None


@dataclass(frozen=True)
class Person:
    """A member of the sandbox world."""

    slug: str
    first_name: str
    last_name: str
    headline: str
    company: str
    member_id: int
    relation: Relation = Relation.NONE
    connect_in_menu: bool = False  # Connect only behind the "More" menu on the profile
    follow_only: bool = False  # no Connect at all: the member only accepts followers
    details: ProfileDetails = ProfileDetails()

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class Invitation:
    """One sent invitation; a member can have several over time (withdrawn, then re-sent)."""

    id: int
    slug: str
    sent_at: datetime
    note: str | None = None
    state: InvitationState = InvitationState.PENDING
    withdrawn_at: datetime | None = None

    @property
    def sort_key(self) -> tuple[datetime, int]:
        return (self.sent_at, self.id)


@dataclass(frozen=True)
class Faults:
    """Switchable misbehaviours. Every field is a fault or a rendering switch, off by default."""

    delay_ms: int = 0
    checkpoint: str = "none"
    withdraw_holds: bool = True
    confirm_noop: bool = False
    dialog_wrong_person: bool = False  # the confirmation names (and withdraws) the next pending member
    withdraw_error: bool = False  # the confirm request fails with a server error and an error toast
    weekly_limit: bool = False
    weekly_invite_cap: int = 0  # > 0: that many invitations in 7 sandbox days hit the weekly limit
    load_more_button: bool = False  # E4/E3 load further rows with a "Load more" button, not on scroll
    login_variant: str = "classic"
    auth_redirect: str = "login"
    # From the (friction_after + 1)th page load or page action on, every one meets `friction`:
    # a checkpoint or captcha (redirect to /checkpoint/challenge/…), the restriction interstitial,
    # an "unusual activity" warning or the weekly-limit notice (served in place of the page).
    friction: str = "none"
    friction_after: int = 0

    def __post_init__(self) -> None:
        if self.checkpoint not in CHECKPOINTS:
            raise ValueError(f"checkpoint must be one of {CHECKPOINTS}")
        if self.login_variant not in LOGIN_VARIANTS:
            raise ValueError(f"login_variant must be one of {LOGIN_VARIANTS}")
        if self.auth_redirect not in AUTH_REDIRECTS:
            raise ValueError(f"auth_redirect must be one of {AUTH_REDIRECTS}")
        if self.friction not in FRICTIONS:
            raise ValueError(f"friction must be one of {FRICTIONS}")
        if self.delay_ms < 0 or self.weekly_invite_cap < 0 or self.friction_after < 0:
            raise ValueError("delay_ms, weekly_invite_cap and friction_after cannot be negative")
