"""LinkedIn in memory at the `LinkedInClient` boundary: for tests of its users, not of the automation.

    site = FakeLinkedInSite(sandbox.state)
    async with site.open(sandbox.storage_state()) as client:   # what an opener returns
        await client.list_sent()

The world is the sandbox's own (`SandboxState`): its members, invitations, sessions, clock and
fault switches. A test therefore arranges and inspects the fake exactly as it does the sandbox
(`sandbox.state.accept(slug)`, `sandbox.set_faults(expire_sessions=True)`, `sandbox.advance_clock`),
and the contract test (tests/fakes/test_contract.py) runs one scenario through Chromium and through
this fake on the same world and compares what both return. What the fake leaves out is the page:
no HTML, no pacing, no traces. Faults that only a page can show (a dialog naming the wrong member,
a failing confirm request) are refused with `NotImplementedError`, so no test can pass on them here
by accident; those tests keep real Chromium.

Beyond the world, `FakeLinkedInSite.fail_next(operation, error)` makes the next call of one
operation raise any `automation.errors` error, for failures the world has no switch for.

`LinkedInOperations` is the client's contract as a Protocol: mypy checks that both the real
`LinkedInClient` and `FakeLinkedIn` satisfy it (`_both_satisfy_the_contract`), and
tests/fakes/test_contract.py checks that it names every public operation of the real client with
the same signature, so the fake cannot drift from the real one unnoticed.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, Self, cast
from urllib.parse import urlsplit

from automation.access import ClientOpener
from automation.config import AutomationConfig
from automation.errors import (
    AccountRestricted,
    AutomationError,
    BadLogin,
    CaptchaRequired,
    CheckpointRequired,
    HumanRequired,
    InvitationNotFound,
    InviteBlocked,
    LayoutChanged,
    NotConnected,
    NoteQuotaExhausted,
    NoteTooLong,
    SecurityCheckpoint,
    SessionExpired,
    UnsupportedLanguage,
    UnusualActivity,
    WeeklyLimit,
    WithdrawNotVerified,
)
from automation.identity import BrowserIdentity
from automation.pages.friction import SUPPORTED_LANGUAGES
from automation.pages.profile_context import about_line
from automation.slugs import profile_path
from automation.text import clean_text
from automation.timeparse import parse_age
from automation.types import (
    InviteResult,
    MessageResult,
    Profile,
    ProfileContext,
    ProfileState,
    SentInvitation,
    SentList,
    SharedFacts,
    WithdrawResult,
)
from sandbox.ages import Age, relative_age
from sandbox.model import InviteOutcome, Person, Relation, WithdrawOutcome
from sandbox.rendering import PageRenderer
from sandbox.state import SandboxState

if TYPE_CHECKING:
    from automation.client import LinkedInClient

StorageState = dict[str, Any]
"""Playwright's storage_state, as `automation.client.StorageState` (spelled out: no Playwright import)."""

ProgressCallback = Callable[[int, int | None], None]
"""As `automation.client.ProgressCallback`: (rows loaded so far, the pill's total or None)."""

Opener = ClientOpener
"""The seam services and the bot take to open a client on a decrypted storage_state and an
account's browser identity."""

PAGE_SIZE = 10
"""Rows per lazy load of the sandbox's Sent page: the fake reports progress in the same steps."""

OPERATIONS = (
    "check_session", "list_sent", "withdraw", "profile", "read_profile", "invite", "login",
    "login_with_cookie", "send_message", "messages",
)  # fmt: skip
"""The operations `fail_next` can make fail."""

UNMODELLED_FAULTS = ("dialog_wrong_person", "withdraw_error")
"""Sandbox faults that live in the page (its dialog, its requests): Chromium tests cover them."""

_FRICTION_ERRORS: dict[str, Callable[[], AutomationError]] = {
    "checkpoint": lambda: SecurityCheckpoint("LinkedIn stopped the page at a security checkpoint"),
    "captcha": lambda: CaptchaRequired("LinkedIn put a captcha in front of the page"),
    "restricted": lambda: AccountRestricted("LinkedIn says the account is restricted"),
    "unusual_activity": lambda: UnusualActivity("LinkedIn warns of unusual activity on the account"),
    "weekly_limit": lambda: WeeklyLimit("LinkedIn says the weekly invitation limit is reached"),
}

_PROFILE_STATES = {
    "connected": ProfileState.CONNECTED,
    "pending": ProfileState.PENDING,
    "blocked": ProfileState.BLOCKED,
    "follow_only": ProfileState.FOLLOW_ONLY,
    "connect_in_menu": ProfileState.CONNECTABLE,
    "connectable": ProfileState.CONNECTABLE,
}


class LinkedInOperations(Protocol):
    """What services and the bot may call on a LinkedIn client (`automation.client.LinkedInClient`)."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc_info: object) -> None: ...

    async def check_session(self) -> None: ...

    async def list_sent(self, *, on_progress: ProgressCallback | None = None) -> SentList: ...

    async def withdraw(self, slug: str, *, name: str | None = None) -> WithdrawResult: ...

    async def profile(self, slug: str) -> Profile: ...

    async def read_profile(
        self, slug: str = "me", *, viewer: ProfileContext | None = None
    ) -> ProfileContext: ...

    async def invite(self, slug: str, note: str | None) -> InviteResult: ...

    async def send_message(self, slug: str, text: str, *, name: str | None = None) -> MessageResult: ...

    async def messages(self, slug: str, *, name: str | None = None) -> tuple[str, ...]: ...

    async def login(self, email: str, password: str) -> StorageState: ...

    async def login_with_cookie(self, li_at: str) -> StorageState: ...

    async def storage_state(self) -> StorageState: ...


class FakeLinkedInSite:
    """LinkedIn as the fake sees it: the sandbox's world, and failures a test asked for.

    `open(state)` is an opener: it returns a `FakeLinkedIn` for `async with`. Every client it
    opened is kept in `opened` (a test can ask whether LinkedIn was touched at all).
    """

    def __init__(self, world: SandboxState, config: AutomationConfig | None = None) -> None:
        self.world = world
        self.config = config or AutomationConfig(base_url="http://127.0.0.1")
        self.opened: list[FakeLinkedIn] = []
        self._failures: defaultdict[str, deque[AutomationError]] = defaultdict(deque)
        self._strings = PageRenderer()

    def open(
        self, storage_state: StorageState | None, /, identity: BrowserIdentity | None = None
    ) -> FakeLinkedIn:
        """A client on `storage_state` (None: signed out) as `identity`, to be used as `async with`."""
        client = FakeLinkedIn(self, storage_state, identity)
        self.opened.append(client)
        return client

    @property
    def opener(self) -> Opener:
        """`open`, typed as the seam takes it: the product's signatures name `LinkedInClient`.

        The cast is the one place the fake stands in for the real class; `LinkedInOperations`
        and its tests guarantee the two have the same operations and signatures.
        """
        return cast(Opener, self.open)

    def fail_next(self, operation: str, error: AutomationError, *, times: int = 1) -> None:
        """Make the next `times` calls of `operation` (one of `OPERATIONS`) raise `error`."""
        if operation not in OPERATIONS:
            raise ValueError(f"operation must be one of {OPERATIONS}, not {operation!r}")
        self._failures[operation].extend([error] * times)

    def take_failure(self, operation: str) -> AutomationError | None:
        queued = self._failures[operation]
        return queued.popleft() if queued else None

    def age_text(self, age: Age) -> str:
        """The Sent page's words for `age` in the world's locale (the sandbox's own templates)."""
        words = self._strings.strings(self.world.locale).sent_age(age)
        return " ".join(str(words).split())

    def language_name(self, code: str) -> str:
        """What a profile's Languages section calls `code` in the world's locale (the sandbox's words)."""
        return " ".join(str(self._strings.strings(self.world.locale).language_name(code)).split())

    def cookies(self, li_at: str, jsessionid: str) -> list[dict[str, Any]]:
        """Cookie dicts of a session, as a browser on `config.base_url` would store them."""
        host = urlsplit(self.config.base_url).hostname or "127.0.0.1"
        common = {"domain": host, "path": "/", "expires": -1, "secure": False, "sameSite": "Lax"}
        return [
            {"name": "li_at", "value": li_at, "httpOnly": True, **common},
            {"name": "JSESSIONID", "value": jsessionid, "httpOnly": False, **common},
        ]


class FakeLinkedIn:
    """One LinkedIn identity on a `FakeLinkedInSite`: the operations of `LinkedInClient`, in memory.

    Every signed-in operation first meets what the real client would meet on its first page:
    a failure from `fail_next`, the sign-in wall (an li_at the world no longer knows), the
    world's `friction` fault (counted once per operation, where a browser counts every page
    load and page action), or a language the automation does not read.
    """

    def __init__(
        self,
        site: FakeLinkedInSite,
        storage_state: StorageState | None,
        identity: BrowserIdentity | None = None,
    ) -> None:
        self.site = site
        self.identity = identity
        """The browser identity it was opened as (what a real context would have taken)."""
        self.user_agent: str | None = None
        """No browser, so no user agent of its own to choose: nothing is stored for the account."""
        self._cookies: list[dict[str, Any]] = list((storage_state or {}).get("cookies", []))
        self._open = False
        self.operations: list[str] = []
        """The operations called, in order (`withdraw slug`, `profile slug`, ...)."""

    async def __aenter__(self) -> FakeLinkedIn:
        self._open = True
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._open = False

    @property
    def world(self) -> SandboxState:
        return self.site.world

    # ---- operations ----------------------------------------------------------------------------

    async def check_session(self) -> None:
        """Raise `SessionExpired` unless the stored session still opens the Sent page."""
        await self._enter("check_session")

    async def list_sent(self, *, on_progress: ProgressCallback | None = None) -> SentList:
        """Every pending sent invitation, newest first, and the pill count."""
        await self._enter("list_sent")
        now = self.world.now()
        rows = [self._row(invitation.slug, invitation.sent_at, invitation.note, now) for invitation in
                self.world.pending()]  # fmt: skip
        pill = len(rows)
        if on_progress is not None:
            for loaded in range(min(PAGE_SIZE, pill), pill + 1, PAGE_SIZE):
                on_progress(loaded, pill)
            if pill % PAGE_SIZE:
                on_progress(pill, pill)
        return SentList(tuple(rows), pill)

    async def withdraw(self, slug: str, *, name: str | None = None) -> WithdrawResult:
        """Withdraw the pending invitation to `slug`, verified by reading the world back."""
        await self._enter(f"withdraw {slug}", "withdraw")
        pill_before = self.world.pill_count()
        person = self.world.person(slug)
        if person is None or not self.world.is_pending(slug):
            raise InvitationNotFound(f"no pending invitation to {slug} on the Sent page")
        outcome = self.world.withdraw(slug)
        if outcome is WithdrawOutcome.IGNORED:
            raise WithdrawNotVerified(f"the row for {slug} is still there after confirming")
        if self.world.is_pending(slug):
            raise WithdrawNotVerified(
                f"the withdrawal of {slug} did not hold: the invitation is back after a reload"
            )
        return WithdrawResult(
            slug=slug,
            name=clean_text(person.name),
            pill_before=pill_before,
            pill_after=self.world.pill_count(),
        )

    async def profile(self, slug: str) -> Profile:
        """Name, headline and our relationship state, as the profile's top card shows them."""
        await self._enter(f"profile {slug}", "profile")
        person = self.world.person(slug)
        if person is None:
            raise LayoutChanged(f"the profile of {slug} has 0 top cards")
        state = _PROFILE_STATES[self.world.profile_state(slug)]
        return Profile(
            slug=slug, name=clean_text(person.name), headline=clean_text(person.headline), state=state
        )

    async def read_profile(self, slug: str = "me", *, viewer: ProfileContext | None = None) -> ProfileContext:
        """What `slug`'s profile tells a note drafter (`me`: the owner's), shared facts with `viewer`."""
        await self._enter(f"read_profile {slug}", "read_profile")
        owner = self.world.owner()
        person = owner if slug in ("me", owner.slug) else self.world.person(slug)
        if person is None:
            raise LayoutChanged(f"the profile of {slug} has 0 top cards")
        context = self._context(person)
        return context if viewer is None else context.shared_with(viewer)

    async def invite(self, slug: str, note: str | None) -> InviteResult:
        """Send a connection invitation (with `note` if given), as the custom-invite dialog does."""
        await self._enter(f"invite {slug}", "invite")
        note = note or None
        outcome = self.world.check_invite(slug, note)
        if outcome is InviteOutcome.UNKNOWN_MEMBER:
            raise LayoutChanged(f"no invite dialog for {slug}")
        if outcome is InviteOutcome.BLOCKED:
            raise InviteBlocked(f"LinkedIn will not re-invite {slug} yet (3 weeks after a withdrawal)")
        if outcome is InviteOutcome.WEEKLY_LIMIT:
            raise WeeklyLimit("LinkedIn says the weekly invitation limit is reached")
        if outcome is InviteOutcome.NOTE_QUOTA:
            raise NoteQuotaExhausted("no personalized notes left this month")
        if outcome is InviteOutcome.NOTE_TOO_LONG:
            limit, length = self.world.note_limit, len(note or "")
            raise NoteTooLong(
                f"the note has {length} characters; this account allows {limit}", limit=limit, length=length
            )
        if outcome is not InviteOutcome.SENT:
            # Already invited, already connected, follow-only: the page's toast, not ours to name.
            raise AutomationError(f"LinkedIn did not send the invitation to {slug}: {outcome.value}")
        free = self.world.plan == "free"
        remaining = self.world.notes_remaining if free else None
        self.world.invite(slug, note)
        return InviteResult(
            slug=slug,
            note_sent=bool(note),
            note_limit=self.world.note_limit if note else None,
            notes_remaining=None if remaining is None or not note else max(0, remaining - 1),
        )

    async def send_message(self, slug: str, text: str, *, name: str | None = None) -> MessageResult:
        """Send `text` to a connection, as the messaging page does; not again if the thread ends with it."""
        await self._enter(f"message {slug}", "send_message")
        before = self._conversation(slug, name)
        wanted = " ".join(text.split())
        if before and before[-1] == wanted:
            return MessageResult(slug=slug, already_sent=True)
        self.world.send_message(slug, text)
        return MessageResult(slug=slug, already_sent=False)

    async def messages(self, slug: str, *, name: str | None = None) -> tuple[str, ...]:
        """The conversation with `slug` as the messaging page shows it, oldest first."""
        await self._enter(f"messages {slug}", "messages")
        return tuple(self._conversation(slug, name))

    def _conversation(self, slug: str, name: str | None) -> list[str]:
        person = self.world.person(slug)
        if person is None:
            raise LayoutChanged(f"no messaging page for {slug}")
        if person.relation is not Relation.CONNECTED:
            raise NotConnected(f"{slug} is not a connection: LinkedIn offers no message box")
        if name is not None and clean_text(person.name) != name:
            raise LayoutChanged(f"the messaging page for {slug} shows no conversation with {name}")
        return [" ".join(clean_text(text).split()) for text in self.world.thread(slug)]

    async def login(self, email: str, password: str) -> StorageState:
        """Sign in with credentials; returns the new storage_state.

        Raises `CheckpointRequired` (whose `submit(code)` finishes the login), `HumanRequired`
        (captcha, app approval) or `BadLogin`, as the world's `checkpoint` fault and config say.
        """
        self._enter_unsigned("login", "login")
        if self.world.sessions.valid(self._li_at()):
            return await self.storage_state()  # still signed in: /login goes straight to the feed
        config = self.world.config
        if email.strip().lower() != config.email.lower() or password != config.password:
            raise BadLogin("LinkedIn rejected the email or password")
        return await self._after_credentials()

    async def login_with_cookie(self, li_at: str) -> StorageState:
        """Adopt a session from the user's `li_at` cookie; raises `SessionExpired` if it is not valid."""
        self._cookies = [c for c in self._cookies if c.get("name") != "li_at"]
        self._cookies.extend(cookie for cookie in self.site.cookies(li_at, "") if cookie["name"] == "li_at")
        await self._enter("login_with_cookie")
        return await self.storage_state()

    async def storage_state(self) -> StorageState:
        """The client's current storage_state (to persist, encrypted, after login)."""
        if not self._open:
            raise SessionExpired("the client is closed")
        return {"cookies": [dict(cookie) for cookie in self._cookies], "origins": []}

    # ---- the world's answers --------------------------------------------------------------------

    def _row(self, slug: str, sent_at: Any, note: str | None, now: Any) -> SentInvitation:
        person = self.world.person(slug)
        assert person is not None, "every invitation names a member of the world"
        age = relative_age(
            sent_at, now, today_for_hours=self.world.rendering == "e2", convention=self.world.month_convention
        )
        age_text = self.site.age_text(age)
        return SentInvitation(
            slug=slug,
            name=" ".join(clean_text(person.name).split()),
            headline=" ".join(clean_text(person.headline).split()),
            profile_url=self.site.config.url(profile_path(slug)),
            age_text=age_text,
            age=parse_age(age_text),
            note=" ".join(clean_text(note).split()) or None if note else None,
        )

    def _context(self, person: Person) -> ProfileContext:
        """The member's profile as the sandbox renders it, read as the page reader reads it.

        The current role is the first position without an end; with none, only e4's top card
        names a company ("<Company> · 500+ connections"; Ember's skip link needs a current role).
        The profile's language is the `lang` of what the member wrote, its primary subtag.
        """
        details = person.details
        current = next((p for p in details.positions if p.end is None), None)
        companies = tuple(dict.fromkeys(c for c in (_typed(p.company) for p in details.positions) if c))
        company = _typed(current.company) if current else None
        if company is None and self.world.rendering == "e4":
            company = _typed(person.company)
            companies = companies or ((company,) if company else ())
        paragraphs = [line for line in map(_typed, (details.about or "").split("\n")) if line]
        return ProfileContext(
            headline=_typed(person.headline),
            role=_typed(current.title) if current else None,
            company=company,
            location=_typed(details.location),
            about=about_line(paragraphs),
            companies=companies,
            schools=tuple(dict.fromkeys(s for s in map(_typed, details.schools) if s)),
            languages=tuple(dict.fromkeys(map(self.site.language_name, details.languages))),
            language=details.language.split("-")[0].lower() if details.language else None,
            shared=SharedFacts(mutual_connections=details.mutual or None),
        )

    async def _after_credentials(self) -> StorageState:
        kind = self.world.faults.checkpoint
        if kind == "captcha":
            raise HumanRequired(
                "LinkedIn asks for a captcha: sign in once with `invitesweep login` in a visible browser"
            )
        if kind == "app_approval":
            raise HumanRequired("LinkedIn waits for an approval in the LinkedIn app")
        if kind == "none":
            return await self._start_session()
        raise self._checkpoint(kind, rejected=False)

    def _checkpoint(self, kind: str, *, rejected: bool) -> CheckpointRequired:
        """The code challenge: `submit` takes the world's PIN, and asks again for any other code."""

        async def submit(code: str) -> dict[str, object]:
            self._enter_unsigned("login checkpoint", "login")
            if code.strip() != self.world.config.pin:
                raise self._checkpoint(kind, rejected=True)
            return dict(await self._start_session())

        async def cancel() -> None:
            return None

        message = (
            "LinkedIn did not accept the code and asks again" if rejected else "LinkedIn asks for a code"
        )
        return CheckpointRequired(f"{message} ({kind})", kind=kind, submit=submit, cancel=cancel)

    async def _start_session(self) -> StorageState:
        li_at, jsessionid = self.world.sessions.mint()
        self._cookies = [c for c in self._cookies if c.get("name") not in ("li_at", "JSESSIONID")]
        self._cookies.extend(self.site.cookies(li_at, jsessionid))
        self.world.clear_friction("checkpoint", "captcha")
        return await self.storage_state()

    def _li_at(self) -> str | None:
        for cookie in self._cookies:
            if cookie.get("name") == "li_at":
                return str(cookie.get("value"))
        return None

    def _enter_unsigned(self, operation: str, kind: str) -> None:
        if not self._open:
            raise RuntimeError("use FakeLinkedIn as `async with site.open(state) as client`")
        self.operations.append(operation)
        failure = self.site.take_failure(kind)
        if failure is not None:
            raise failure

    async def _enter(self, operation: str, kind: str | None = None) -> None:
        """Start a signed-in operation: what stands in front of its first page raises here.

        The world's `delay_ms` (every sandbox page answers that late) makes each operation take
        that long, so work that is slow on LinkedIn is slow here too.
        """
        if not self._open:
            raise RuntimeError("use FakeLinkedIn as `async with site.open(state) as client`")
        self.operations.append(operation)
        failure = self.site.take_failure(kind or operation)
        if failure is not None:
            raise failure
        if not self.world.sessions.valid(self._li_at()):
            raise SessionExpired("LinkedIn sent the page to the sign-in wall")
        friction = self.world.friction_now()
        if friction is not None:
            raise _FRICTION_ERRORS[friction]()
        if self.world.locale not in SUPPORTED_LANGUAGES:
            raise UnsupportedLanguage(self.world.locale, SUPPORTED_LANGUAGES)
        faults = self.world.faults
        if faults.delay_ms:
            await asyncio.sleep(faults.delay_ms / 1000)
        for name in UNMODELLED_FAULTS:
            if getattr(faults, name):
                raise NotImplementedError(f"the fake does not model the {name} fault: test it in Chromium")


def _typed(text: str | None) -> str | None:
    """What a member typed, as a page shows it: printable, whitespace collapsed, None when empty."""
    return " ".join(clean_text(text or "").split()) or None


def _both_satisfy_the_contract(real: LinkedInClient, fake: FakeLinkedIn) -> list[LinkedInOperations]:
    """Never called: mypy checks here that the real client and the fake both fit the contract."""
    return [real, fake]
