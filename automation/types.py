"""Plain data the automation returns to its callers."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import timedelta
from typing import Any

StorageState = dict[str, Any]
"""Playwright's storage_state: cookies and origins. Secret: never log it."""


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


@dataclass(frozen=True)
class MessageResult:
    """A message seen in the member's conversation after it was sent (or found already there)."""

    slug: str
    already_sent: bool  # the conversation already held this text: nothing was typed again


@dataclass(frozen=True)
class SharedFacts:
    """What a member has in common with the viewer (the signed-in owner), as the pages show it.

    `companies` and `schools` appear in both profiles, now or before (names as the member's
    profile writes them); `same_company_now` says both work at one of them today.
    `mutual_connections` is the count the member's top card gives, None when it names none.
    """

    companies: tuple[str, ...] = ()
    same_company_now: bool = False
    schools: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    mutual_connections: int | None = None


@dataclass(frozen=True)
class ProfileContext:
    """What a member's profile tells a note drafter; every part is None or empty if not shown.

    `role` and `company` are the current position (the Experience section, else the top
    card); `about` is one line of the About section; `companies` every company of the
    Experience section, current first (the top card's company when there is none);
    `languages` the Languages section as written; `language` the code of the language the
    profile is written in (from the page's `lang` markup), not the viewer's interface language.
    """

    headline: str | None = None
    role: str | None = None
    company: str | None = None
    location: str | None = None
    about: str | None = None
    companies: tuple[str, ...] = ()
    schools: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    language: str | None = None
    shared: SharedFacts = SharedFacts()

    def shared_with(self, viewer: ProfileContext) -> ProfileContext:
        """This context with the companies, schools and languages `viewer` has too."""

        def common(mine: tuple[str, ...], theirs: tuple[str, ...]) -> tuple[str, ...]:
            known = {_folded(item) for item in theirs}
            return tuple(item for item in mine if _folded(item) in known)

        same_now = (
            self.company is not None
            and viewer.company is not None
            and _folded(self.company) == _folded(viewer.company)
        )
        shared = SharedFacts(
            companies=common(self.companies, viewer.companies),
            same_company_now=same_now,
            schools=common(self.schools, viewer.schools),
            languages=common(self.languages, viewer.languages),
            mutual_connections=self.shared.mutual_connections,
        )
        return replace(self, shared=shared)

    def as_dict(self) -> dict[str, Any]:
        """The context as JSON-ready data (to store it with the member)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProfileContext:
        """A context stored with `as_dict` (through JSON too); keys it does not know are ignored."""
        shared = data.get("shared") or {}
        return cls(
            **_known(cls, {key: value for key, value in data.items() if key != "shared"}),
            shared=SharedFacts(**_known(SharedFacts, shared)),
        )


def _known(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    """`data`'s fields of the dataclass `cls`, lists made tuples again."""
    names = {field.name for field in fields(cls)}
    return {
        key: tuple(value) if isinstance(value, list) else value for key, value in data.items() if key in names
    }


def _folded(text: str) -> str:
    return " ".join(text.replace("’", "'").casefold().split())
