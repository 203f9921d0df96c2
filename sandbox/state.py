"""The live sandbox world: members, invitations, faults, switches and the sandbox clock.

One `SandboxState` per app. Request handlers (on uvicorn's thread) and tests (on theirs) share
it, so every method takes the one re-entrant lock and returns immutable values. Sessions live
in `state.sessions` (a `SessionBook`), which survives resets.

Inspection helpers for tests: `pending_slugs()`, `is_pending(slug)`, `withdrawn_slugs()`,
`invitation(slug)`, `connected_slugs()`, `invited_slugs()`, `person(slug)`, `now()`,
`pill_count()`, `notes_remaining`, `snapshot()` (the JSON the control API serves).
"""

from __future__ import annotations

import dataclasses
import itertools
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.config import LOCALES, RENDERINGS, SandboxConfig
from sandbox.drift import Drift
from sandbox.model import (
    COOLDOWN,
    NOTE_LIMITS,
    Faults,
    Invitation,
    InvitationState,
    InviteOutcome,
    MessageOutcome,
    Person,
    Relation,
    WithdrawOutcome,
)
from sandbox.seed import generate
from sandbox.sessions import SessionBook
from sandbox.snapshot import snapshot

__all__ = [
    "Faults",
    "Invitation",
    "InvitationState",
    "InviteOutcome",
    "MessageOutcome",
    "Person",
    "Relation",
    "SandboxState",
    "WithdrawOutcome",
]


@dataclass
class _World:
    config: SandboxConfig
    people: dict[str, Person] = field(default_factory=dict)
    invitations: dict[int, Invitation] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    rendering: str = "e4"
    locale: str = "en"
    plan: str = "free"
    notes_remaining: int = 5
    clock_offset: timedelta = timedelta(0)
    class_salt: str = ""
    pill_word: str | None = None  # overrides the locale's word in "People (N)"
    friction_passed: int = 0  # page loads and actions served normally since `friction` was set
    owner: Person | None = None  # the signed-in member, set by `reset`
    messages: dict[str, list[str]] = field(default_factory=dict)  # slug → our messages, oldest first
    withdraw_requests: dict[str, int] = field(default_factory=dict)  # slug → confirmed withdraw clicks


class SandboxState:
    """The world behind the sandbox pages, safe to read and change from any thread."""

    def __init__(self, config: SandboxConfig) -> None:
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._base_config = config
        self._world = _World(config=config)
        self.sessions = SessionBook()
        self.reset()

    # ---- lifecycle -------------------------------------------------------------------------

    def reset(self, **overrides: Any) -> None:
        """Rebuild the world from the starting config with `overrides` (seed, pending, rendering, …).

        Overrides apply to this reset only: `reset()` returns to the starting world. Faults go
        off, the clock returns to real time, and sessions survive, so signed-in browsers stay in.
        """
        with self._lock:
            config = dataclasses.replace(self._base_config, **overrides)
            self._world = _World(
                config=config,
                rendering=config.rendering,
                locale=config.locale,
                plan=config.plan,
                notes_remaining=config.notes_quota,
                class_salt=secrets.token_hex(4),
            )
            self._ids = itertools.count(1)
            self._loads = itertools.count(1)
            now = self.now()
            world = generate(config.seed, config.pending)
            if config.drift is not None:
                world = Drift(config.drift).vary_world(world)
            for seed, age, note in world.pending:
                self._add_person(seed, Relation.NONE, connect_in_menu=False)
                self._add_invitation(seed.slug, now - age, note)
            for seed in world.connected:
                self._add_person(seed, Relation.CONNECTED, connect_in_menu=False)
            for index, seed in enumerate(world.connectable):
                # Every third stranger hides Connect behind "More", as many live profiles do.
                self._add_person(seed, Relation.NONE, connect_in_menu=index % 3 == 2)
            for seed in world.follow_only:
                self._add_person(seed, Relation.NONE, connect_in_menu=False, follow_only=True)
            for seed in world.bare:
                self._add_person(seed, Relation.NONE, connect_in_menu=False)
            self._world.owner = self._person_of(world.owner, Relation.NONE)

    def _add_person(
        self, seed: Any, relation: Relation, *, connect_in_menu: bool, follow_only: bool = False
    ) -> None:
        self._world.people[seed.slug] = self._person_of(
            seed, relation, connect_in_menu=connect_in_menu, follow_only=follow_only
        )

    @staticmethod
    def _person_of(
        seed: Any, relation: Relation, *, connect_in_menu: bool = False, follow_only: bool = False
    ) -> Person:
        return Person(
            slug=seed.slug,
            first_name=seed.first_name,
            last_name=seed.last_name,
            headline=seed.headline,
            company=seed.company,
            member_id=seed.member_id,
            relation=relation,
            connect_in_menu=connect_in_menu,
            follow_only=follow_only,
            details=seed.details,
        )

    def _add_invitation(self, slug: str, sent_at: datetime, note: str | None) -> Invitation:
        invitation = Invitation(id=next(self._ids), slug=slug, sent_at=sent_at, note=note)
        self._world.invitations[invitation.id] = invitation
        return invitation

    # ---- clock -----------------------------------------------------------------------------

    def now(self) -> datetime:
        """The sandbox clock: real UTC now plus the offset the control API advanced."""
        with self._lock:
            return datetime.now(UTC) + self._world.clock_offset

    @property
    def clock_offset(self) -> timedelta:
        with self._lock:
            return self._world.clock_offset

    def advance_clock(self, delta: timedelta) -> datetime:
        """Move the sandbox clock forward (or back) by `delta`; returns the new now."""
        with self._lock:
            self._world.clock_offset += delta
            return self.now()

    # ---- switches --------------------------------------------------------------------------

    @property
    def config(self) -> SandboxConfig:
        with self._lock:
            return self._world.config

    @property
    def faults(self) -> Faults:
        with self._lock:
            return self._world.faults

    def set_faults(self, **flags: Any) -> Faults:
        """Change fault switches by name (see `Faults`); unknown names raise `TypeError`."""
        with self._lock:
            self._world.faults = dataclasses.replace(self._world.faults, **flags)
            if "friction" in flags or "friction_after" in flags:
                self._world.friction_passed = 0
            return self._world.faults

    @property
    def friction_passed(self) -> int:
        """Page loads and actions that passed since the `friction` fault was set."""
        with self._lock:
            return self._world.friction_passed

    def friction_now(self) -> str | None:
        """Count one page load or page action; the friction it meets, or None if it passes."""
        with self._lock:
            faults = self._world.faults
            if faults.friction == "none":
                return None
            if self._world.friction_passed < faults.friction_after:
                self._world.friction_passed += 1
                return None
            return faults.friction

    def clear_friction(self, *kinds: str) -> None:
        """The member got past the friction (passed the checkpoint): pages show again."""
        with self._lock:
            if self._world.faults.friction in kinds:
                self._world.faults = dataclasses.replace(self._world.faults, friction="none")

    @property
    def rendering(self) -> str:
        with self._lock:
            return self._world.rendering

    @rendering.setter
    def rendering(self, value: str) -> None:
        if value not in RENDERINGS:
            raise ValueError(f"rendering must be one of {RENDERINGS}")
        with self._lock:
            self._world.rendering = value

    @property
    def locale(self) -> str:
        with self._lock:
            return self._world.locale

    @locale.setter
    def locale(self, value: str) -> None:
        if value not in LOCALES:
            raise ValueError(f"locale must be one of {LOCALES}")
        with self._lock:
            self._world.locale = value

    @property
    def plan(self) -> str:
        with self._lock:
            return self._world.plan

    @property
    def note_limit(self) -> int:
        return NOTE_LIMITS[self.plan]

    @property
    def notes_remaining(self) -> int:
        with self._lock:
            return self._world.notes_remaining

    @notes_remaining.setter
    def notes_remaining(self, value: int) -> None:
        with self._lock:
            self._world.notes_remaining = max(0, value)

    @property
    def pill_word(self) -> str | None:
        with self._lock:
            return self._world.pill_word

    @pill_word.setter
    def pill_word(self, value: str | None) -> None:
        with self._lock:
            self._world.pill_word = value or None

    @property
    def month_convention(self) -> str:
        """How the Sent page counts months and years (`sandbox.ages.MONTH_CONVENTIONS`)."""
        drift = self.drift
        with self._lock:
            return drift.month_convention() if drift else self._world.config.month_convention

    @property
    def drift(self) -> Drift | None:
        """The world's drift (see `sandbox.drift`), or None."""
        with self._lock:
            seed = self._world.config.drift
        return None if seed is None else Drift(seed)

    def next_load(self) -> int:
        """Number the next page served since the reset (drift varies each load differently)."""
        with self._lock:
            return next(self._loads)

    @property
    def class_salt(self) -> str:
        with self._lock:
            return self._world.class_salt

    # ---- people and invitations --------------------------------------------------------------

    def person(self, slug: str) -> Person | None:
        with self._lock:
            return self._world.people.get(slug)

    def owner(self) -> Person:
        """The signed-in member, whose profile `/in/me/` opens (not one of `people()`)."""
        with self._lock:
            assert self._world.owner is not None
            return self._world.owner

    def people(self) -> list[Person]:
        with self._lock:
            return list(self._world.people.values())

    def strangers(self, limit: int) -> list[Person]:
        """Up to `limit` members we could invite and never did (not connected, not follow-only)."""
        with self._lock:
            invited = {i.slug for i in self._world.invitations.values()}
            found = [
                p
                for p in self._world.people.values()
                if p.relation is Relation.NONE and not p.follow_only and p.slug not in invited
            ]
        return found[:limit]

    def pending(self) -> list[Invitation]:
        """Pending invitations, newest first (the Sent page's order)."""
        with self._lock:
            rows = [i for i in self._world.invitations.values() if i.state is InvitationState.PENDING]
        return sorted(rows, key=lambda i: i.sort_key, reverse=True)

    def pending_after(self, cursor: int | None, count: int) -> list[Invitation]:
        """The next `count` pending rows after invitation `cursor` in page order (None: from the top).

        A cursor, not an offset, so rows withdrawn meanwhile cannot shift the page.
        """
        rows = self.pending()
        if cursor is not None:
            with self._lock:
                anchor = self._world.invitations.get(cursor)
            if anchor is not None:
                rows = [i for i in rows if i.sort_key < anchor.sort_key]
        return rows[:count]

    def pill_count(self) -> int:
        return len(self.pending())

    def pending_slugs(self) -> list[str]:
        """Slugs of pending invitations, newest first."""
        return [i.slug for i in self.pending()]

    def is_pending(self, slug: str) -> bool:
        invitation = self.invitation(slug)
        return invitation is not None and invitation.state is InvitationState.PENDING

    def invitation(self, slug: str) -> Invitation | None:
        """The most recent invitation to `slug`, whatever its state."""
        with self._lock:
            mine = [i for i in self._world.invitations.values() if i.slug == slug]
        return max(mine, key=lambda i: i.id) if mine else None

    def invitations(self) -> list[Invitation]:
        with self._lock:
            return sorted(self._world.invitations.values(), key=lambda i: i.id)

    def withdrawn_slugs(self) -> list[str]:
        """Slugs whose latest invitation was withdrawn, most recent withdrawal first."""
        latest = [i for i in self._latest_per_slug() if i.state is InvitationState.WITHDRAWN]
        latest.sort(key=lambda i: (i.withdrawn_at or i.sent_at, i.id), reverse=True)
        return [i.slug for i in latest]

    def withdraw_requests(self) -> dict[str, int]:
        """Per slug, how many times a withdrawal was confirmed (answered or refused) since the last
        reset: a request that reached the site twice shows as 2 even though only one could hold."""
        with self._lock:
            return dict(self._world.withdraw_requests)

    def connected_slugs(self) -> list[str]:
        with self._lock:
            return [p.slug for p in self._world.people.values() if p.relation is Relation.CONNECTED]

    def invited_slugs(self) -> list[str]:
        """Slugs invited through the sandbox's own Connect flow since the last reset, newest first."""
        with self._lock:
            seeded = self._world.config.pending
            fresh = [i for i in self._world.invitations.values() if i.id > seeded]
        fresh.sort(key=lambda i: i.id, reverse=True)
        return [i.slug for i in fresh]

    def _latest_per_slug(self) -> list[Invitation]:
        with self._lock:
            latest: dict[str, Invitation] = {}
            for invitation in self._world.invitations.values():
                if invitation.slug not in latest or invitation.id > latest[invitation.slug].id:
                    latest[invitation.slug] = invitation
            return list(latest.values())

    def cooldown_ends_at(self, slug: str) -> datetime | None:
        """When `slug` can be re-invited, if its latest invitation was withdrawn recently."""
        invitation = self.invitation(slug)
        if invitation is None or invitation.withdrawn_at is None:
            return None
        if invitation.state is not InvitationState.WITHDRAWN:
            return None
        ends = invitation.withdrawn_at + COOLDOWN
        return ends if ends > self.now() else None

    def profile_state(self, slug: str) -> str:
        """The top card's offer: connected, pending, blocked, follow_only, connect_in_menu, connectable."""
        with self._lock:
            person = self._world.people[slug]
            if person.relation is Relation.CONNECTED:
                return "connected"
            if self.is_pending(slug):
                return "pending"
            if self.cooldown_ends_at(slug) is not None:
                return "blocked"
            if person.follow_only:
                return "follow_only"
            return "connect_in_menu" if person.connect_in_menu else "connectable"

    def withdraw(self, slug: str) -> WithdrawOutcome:
        """Withdraw the pending invitation to `slug`, as the confirm button does."""
        with self._lock:
            requests = self._world.withdraw_requests
            requests[slug] = requests.get(slug, 0) + 1
            invitation = self.invitation(slug)
            if invitation is None or invitation.state is not InvitationState.PENDING:
                return WithdrawOutcome.NOT_PENDING
            if self._world.faults.confirm_noop:
                return WithdrawOutcome.IGNORED
            if self._world.faults.withdraw_holds:
                self._world.invitations[invitation.id] = dataclasses.replace(
                    invitation, state=InvitationState.WITHDRAWN, withdrawn_at=self.now()
                )
            # When the withdrawal does not hold, the page is told it worked and nothing changes.
            return WithdrawOutcome.WITHDRAWN

    def rewrite_person(self, slug: str, **texts: str | None) -> bool:
        """Change what a member typed: `first_name`, `last_name`, `headline`, `company`, their
        profile's `location` and `about`, and the `note` of our latest invitation to them. Any text
        goes, control characters included: on LinkedIn a member's own words are not ours to trust.
        False if there is no such member.

        Raises:
            ValueError: a key other than those seven, or a name, headline, company or location
                that is not text.
        """
        person_keys = {"first_name", "last_name", "headline", "company"}
        detail_keys = {"location", "about"}
        unknown = set(texts) - person_keys - detail_keys - {"note"}
        if unknown:
            raise ValueError(f"unknown person keys: {sorted(unknown)}")
        fields: dict[str, object] = {key: value for key, value in texts.items() if key in person_keys}
        details = {key: value for key, value in texts.items() if key in detail_keys}
        if not all(isinstance(value, str) for value in fields.values()) or not all(
            value is None or isinstance(value, str) for value in details.values()
        ):
            raise ValueError("first_name, last_name, headline, company and location must be strings")
        with self._lock:
            person = self._world.people.get(slug)
            invitation = self.invitation(slug)
            if person is None or ("note" in texts and invitation is None):
                return False
            if details:
                fields["details"] = dataclasses.replace(
                    person.details,
                    location=details.get("location", person.details.location),
                    about=details.get("about", person.details.about),
                )
            self._world.people[slug] = dataclasses.replace(person, **fields)  # type: ignore[arg-type]
            if invitation is not None and "note" in texts:
                self._world.invitations[invitation.id] = dataclasses.replace(invitation, note=texts["note"])
            return True

    def accept(self, slug: str) -> bool:
        """The member accepts our pending invitation: it leaves the Sent list and they connect."""
        with self._lock:
            invitation = self.invitation(slug)
            person = self._world.people.get(slug)
            if invitation is None or person is None or invitation.state is not InvitationState.PENDING:
                return False
            self._world.invitations[invitation.id] = dataclasses.replace(
                invitation, state=InvitationState.ACCEPTED
            )
            self._world.people[slug] = dataclasses.replace(person, relation=Relation.CONNECTED)
            return True

    def send_message(self, slug: str, text: str) -> MessageOutcome:
        """Send `text` to `slug` from the messaging page: only to a connection, never empty."""
        with self._lock:
            person = self._world.people.get(slug)
            if person is None:
                return MessageOutcome.UNKNOWN_MEMBER
            if person.relation is not Relation.CONNECTED:
                return MessageOutcome.NOT_CONNECTED
            text = text.replace("\r\n", "\n").strip()  # a form posts line breaks as CRLF
            if not text:
                return MessageOutcome.EMPTY
            self._world.messages.setdefault(slug, []).append(text)
            return MessageOutcome.SENT

    def thread(self, slug: str) -> list[str]:
        """Our messages to `slug`, oldest first (what the conversation shows)."""
        with self._lock:
            return list(self._world.messages.get(slug, ()))

    def check_invite(self, slug: str, note: str | None) -> InviteOutcome:
        """Why an invitation to `slug` with `note` would fail, or SENT if it would go through."""
        with self._lock:
            person = self._world.people.get(slug)
            if person is None:
                return InviteOutcome.UNKNOWN_MEMBER
            if person.relation is Relation.CONNECTED:
                return InviteOutcome.ALREADY_CONNECTED
            if person.follow_only:
                return InviteOutcome.FOLLOW_ONLY
            if self.is_pending(slug):
                return InviteOutcome.ALREADY_PENDING
            if self._world.faults.weekly_limit or self._week_is_full():
                return InviteOutcome.WEEKLY_LIMIT
            if self.cooldown_ends_at(slug) is not None:
                return InviteOutcome.BLOCKED
            if note:
                if len(note) > self.note_limit:
                    return InviteOutcome.NOTE_TOO_LONG
                if self._world.plan == "free" and self._world.notes_remaining <= 0:
                    return InviteOutcome.NOTE_QUOTA
            return InviteOutcome.SENT

    def _week_is_full(self) -> bool:
        """Whether the invitations sent in the last 7 sandbox days reached `weekly_invite_cap`."""
        cap = self._world.faults.weekly_invite_cap
        if not cap:
            return False
        since = self.now() - timedelta(days=7)
        seeded = self._world.config.pending
        sent = [i for i in self._world.invitations.values() if i.id > seeded and i.sent_at > since]
        return len(sent) >= cap

    def invite(self, slug: str, note: str | None) -> InviteOutcome:
        """Send an invitation to `slug` (with `note` if not empty) unless something blocks it."""
        note = note or None
        with self._lock:
            outcome = self.check_invite(slug, note)
            if outcome is InviteOutcome.SENT:
                self._add_invitation(slug, self.now(), note)
                if note and self._world.plan == "free":
                    self._world.notes_remaining -= 1
            return outcome

    # ---- inspection ---------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Everything a test may want to inspect, as JSON-ready data (what GET /__sandbox/state serves)."""
        return snapshot(self)
