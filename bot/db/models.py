"""The data model: accounts, people, invitations, the action queue, reminders, digests and events.

Every timestamp is timezone-aware UTC (see `UTCDateTime`). Relationships are `lazy="raise"`:
load them explicitly with `selectinload`, never by accident inside async code.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, UniqueConstraint, func, text
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base, partial_index


class Plan(enum.StrEnum):
    FREE = "free"
    PREMIUM = "premium"


class SessionStatus(enum.StrEnum):
    NONE = "none"
    VALID = "valid"
    EXPIRED = "expired"


class InvitationState(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    WITHDRAWN = "withdrawn"
    VANISHED = "vanished"  # gone from Sent without our doing: withdrawn elsewhere, declined, expired


class ActionKind(enum.StrEnum):
    WITHDRAW = "withdraw"
    INVITE = "invite"
    MESSAGE = "message"  # a first message to a new connection (a follow-up's [Send])


class ActionState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE_ACTION_STATES = (ActionState.QUEUED, ActionState.RUNNING)


class ReminderState(enum.StrEnum):
    DUE = "due"  # waiting for due_at (also after a snooze)
    SENT = "sent"  # delivered; waiting for the owner's answer
    DONE = "done"  # re-invited
    DISMISSED = "dismissed"  # "Not now"


class FollowupState(enum.StrEnum):
    DUE = "due"  # waiting for due_at (also after [Later])
    SHOWN = "shown"  # the card was delivered; waiting for the owner (also while [Send] is queued)
    SENT = "sent"  # the message was sent and seen in the thread
    DONE = "done"  # the owner marked it done without sending


def _enum(cls: type[enum.StrEnum]) -> Any:
    """Store enums as their short string values (portable, readable in SQL)."""
    from sqlalchemy import Enum

    return Enum(cls, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class Account(Base):
    """One LinkedIn identity and its owner's preferences."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    owner_telegram_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    session_state: Mapped[bytes | None]  # Fernet-encrypted Playwright storage_state
    session_status: Mapped[SessionStatus] = mapped_column(_enum(SessionStatus), default=SessionStatus.NONE)
    session_notified_at: Mapped[datetime | None]  # "your session expired" told once
    plan: Mapped[Plan] = mapped_column(_enum(Plan), default=Plan.FREE)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    language: Mapped[str] = mapped_column(String(8), default="en")
    digest_weekday: Mapped[int] = mapped_column(default=0)  # Monday = 0
    digest_hour: Mapped[int] = mapped_column(default=9)
    review_days: Mapped[int] = mapped_column(default=30)
    suggest_days: Mapped[int] = mapped_column(default=60)
    withdraw_days: Mapped[int] = mapped_column(default=90)
    daily_withdraw_cap: Mapped[int] = mapped_column(default=30)
    # Active hours: browser work runs only on these local weekdays (bit 0 = Monday) between these
    # local hours, spread over the window unless `spread_work` is off (see bot.services.rhythm).
    active_weekdays: Mapped[int] = mapped_column(default=0b0011111, server_default=text("31"))
    active_from_hour: Mapped[int] = mapped_column(default=9, server_default=text("9"))
    active_until_hour: Mapped[int] = mapped_column(default=18, server_default=text("18"))
    spread_work: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    cap_override: Mapped[bool] = mapped_column(default=False)  # owner allowed a cap above 40
    cooldown_days: Mapped[int] = mapped_column(default=21)
    pending_ceiling: Mapped[int] = mapped_column(default=500)
    paused: Mapped[bool] = mapped_column(default=False)
    paused_reason: Mapped[str | None] = mapped_column(String(200))
    paused_at: Mapped[datetime | None]
    pill_count: Mapped[int | None]  # the Sent page's "People (N)" at the last sync
    last_synced_at: Mapped[datetime | None]
    notes_remaining: Mapped[int | None]  # monthly note quota as the page last showed it
    notes_remaining_seen_at: Mapped[datetime | None]
    # The owner's own profile as `automation.types.ProfileContext.as_dict` (see
    # bot.services.profile_context): what "shared" is measured against. None until first read.
    owner_context: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    owner_context_read_at: Mapped[datetime | None]
    # Days from an acceptance to its follow-up card (moved into the active hours).
    followup_days: Mapped[int] = mapped_column(default=3, server_default=text("3"))
    # How the account looks to LinkedIn (`automation.identity.BrowserIdentity`, built by
    # bot.services.identity): its proxy (credentials Fernet-encrypted like the session), the
    # browser's locale and time zone (None: the browser's own), and the user agent chosen once.
    proxy_server: Mapped[str | None] = mapped_column(String(300))
    proxy_credentials: Mapped[bytes | None]
    browser_locale: Mapped[str | None] = mapped_column(String(35))
    browser_timezone: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Person(Base):
    """A LinkedIn member seen by an account."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("account_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    headline: Mapped[str] = mapped_column(String(500), default="")
    company: Mapped[str | None] = mapped_column(String(200))
    profile_url: Mapped[str] = mapped_column(String(500))
    context: Mapped[str | None] = mapped_column(String(500))  # the owner's words: "met at Denver Tech"
    keep: Mapped[bool] = mapped_column(default=False)  # never withdraw
    tags: Mapped[str] = mapped_column(String(200), default="")
    # What the member's profile showed when last read (`ProfileContext.as_dict`, shared facts
    # measured against the owner's context), for drafting the reminder's note and showing why.
    profile_context: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    profile_read_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    invitations: Mapped[list[Invitation]] = relationship(back_populates="person", lazy="raise")


class Invitation(Base):
    """One sent invitation. A person can have several over time; at most one is pending."""

    __tablename__ = "invitations"
    __table_args__ = (
        Index("ix_invitations_account_state", "account_id", "state"),
        partial_index(
            "uq_invitations_one_pending_per_person", "person_id", unique=True, where="state = 'pending'"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    state: Mapped[InvitationState] = mapped_column(_enum(InvitationState), default=InvitationState.PENDING)
    sent_at_earliest: Mapped[datetime]  # narrowed at each sync; exact when the bot sent it
    sent_at_latest: Mapped[datetime]
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    sent_by_us: Mapped[bool] = mapped_column(default=False)
    had_note: Mapped[bool] = mapped_column(default=False)
    note_text: Mapped[str | None] = mapped_column(String(600))
    note_template: Mapped[str | None] = mapped_column(String(80))  # which template drafted the note
    closed_at: Mapped[datetime | None]  # when it stopped being pending (accepted/withdrawn/vanished)
    withdrawn_at: Mapped[datetime | None]
    cooldown_ends_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship(back_populates="invitations", lazy="raise")


class Action(Base):
    """The durable queue of browser work.

    `active_key` is "<kind>:<target>" while the action is queued or running and NULL once it
    ends; its unique constraint makes a second request for the same work impossible on every
    backend (NULLs never collide), so a second tap never makes a second withdrawal.
    """

    __tablename__ = "actions"
    __table_args__ = (Index("ix_actions_due", "state", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ActionKind] = mapped_column(_enum(ActionKind))
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="SET NULL"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(String(600))  # for invites
    note_template: Mapped[str | None] = mapped_column(String(80))  # the template behind `note`
    state: Mapped[ActionState] = mapped_column(_enum(ActionState), default=ActionState.QUEUED)
    active_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    not_before: Mapped[datetime]  # undo window, pacing, daily cap, retry backoff
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    error_kind: Mapped[str | None] = mapped_column(String(40))  # AutomationError class name
    batch_id: Mapped[str | None] = mapped_column(String(36), index=True)  # a bulk request's actions
    requested_by: Mapped[int | None] = mapped_column(BigInteger)  # Telegram user id; None from the CLI
    chat_id: Mapped[int | None] = mapped_column(BigInteger)  # the Telegram message to edit
    message_id: Mapped[int | None]
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # Who holds it while RUNNING (see bot.services.actions.holders): a dead holder's work is
    # settled at once, an unknown one's after the lease. NULL whenever the action is not running.
    holder_host: Mapped[str | None] = mapped_column(String(255))
    holder_pid: Mapped[int | None]
    holder_pid_space: Mapped[str | None] = mapped_column(String(100))
    holder_started: Mapped[int | None] = mapped_column(BigInteger)
    # The fencing token of the account lease it was claimed or taken over under (see
    # bot.services.actions.leases): an outcome is recorded only while it still matches. NULL for claims
    # made without a lease (before leases existed).
    lease_token: Mapped[int | None] = mapped_column(BigInteger)


class AccountLease(Base):
    """Which worker may do an account's browser work now, until when (see bot.services.actions.leases).

    One row per account, kept after release so `token` only ever grows: every new acquisition
    takes the next token, and an action records the token it was claimed under.
    """

    __tablename__ = "account_leases"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    holder: Mapped[str] = mapped_column(String(255))  # one lease-taking instance: "host pid #id"
    holder_pid: Mapped[int | None]
    holder_pid_space: Mapped[str | None] = mapped_column(String(100))
    holder_started: Mapped[int | None] = mapped_column(BigInteger)
    token: Mapped[int] = mapped_column(BigInteger)
    acquired_at: Mapped[datetime]
    renewed_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class Reminder(Base):
    """A cooldown-ended reminder for a withdrawn invitation; scanned by `due_at`, sent once."""

    __tablename__ = "reminders"
    __table_args__ = (
        partial_index("ix_reminders_due_unsent", "due_at", where="sent_at IS NULL"),
        UniqueConstraint("invitation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    state: Mapped[ReminderState] = mapped_column(_enum(ReminderState), default=ReminderState.DUE)
    due_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    draft_note: Mapped[str | None] = mapped_column(String(600))
    draft_template: Mapped[str | None] = mapped_column(String(80))  # None once the owner edits it
    # The owner's language model on this draft: None when not asked (or the owner wrote the note),
    # "ok" when its draft is proposed, else the check it failed (bot.services.note_model.ModelProblem).
    model_verdict: Mapped[str | None] = mapped_column(String(20))
    model_verdict_detail: Mapped[str | None] = mapped_column(String(100))
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None]


class Followup(Base):
    """A first message after an accepted invitation: one per acceptance, its card due at `due_at`.

    The card is delivered at least once, like a reminder's (`card_sent_at` stamps it); the
    message itself goes through the action queue and `message_sent_at` is when it was verified.
    """

    __tablename__ = "followups"
    __table_args__ = (
        Index("ix_followups_state_due", "state", "due_at"),
        UniqueConstraint("invitation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    state: Mapped[FollowupState] = mapped_column(_enum(FollowupState), default=FollowupState.DUE)
    accepted_at: Mapped[datetime]  # when the sync saw the acceptance
    due_at: Mapped[datetime]
    card_sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    draft_message: Mapped[str | None] = mapped_column(String(600))
    draft_template: Mapped[str | None] = mapped_column(String(80))  # None once the owner edits it
    model_verdict: Mapped[str | None] = mapped_column(String(20))  # as `Reminder.model_verdict`
    message_sent_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None]


class DigestSent(Base):
    """One weekly digest per account and ISO week: the unique key keeps restarts from repeating it."""

    __tablename__ = "digests_sent"
    __table_args__ = (UniqueConstraint("account_id", "iso_week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    iso_week: Mapped[str] = mapped_column(String(8))  # "2026-W48"
    sent_at: Mapped[datetime]
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None]


class Event(Base):
    """Append-only audit log of everything the product did or saw."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_account_created", "account_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="SET NULL"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id", ondelete="SET NULL"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]


class Conversation(Base):
    """What a Telegram user's next text message answers, until `expires_at` (bot.services.conversations).

    Kept in the store so that a restart, or another `web` process, continues the conversation.
    Never holds a secret: the cookie, the password and the PIN pass through and are not stored here.
    """

    __tablename__ = "conversations"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    asking: Mapped[str] = mapped_column(String(16))  # an `Asking` value
    # The account the question was asked for: its answer lands there even if the owner switched
    # accounts meanwhile. NULL only for rows written before accounts could be switched.
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    target: Mapped[int] = mapped_column(default=0)  # the reminder, or the account awaiting a PIN
    email: Mapped[str] = mapped_column(String(320), default="")  # for PASSWORD: the address given
    name: Mapped[str] = mapped_column(String(80), default="")  # for TEMPLATE: the template's name
    asked_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class Owner(Base):
    """A Telegram user who owns accounts, and the one the chat acts on now (bot.services.accounts).

    In the store so that every `web` process sees the same choice and a restart keeps it. With no
    row, or the current account removed (SET NULL), the owner's first account is the current one.
    """

    __tablename__ = "owners"

    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    current_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))


class LoginCheckpoint(Base):
    """A sign-in stopped at LinkedIn's code question (bot.services.login_checkpoints).

    The login task holding the page keeps `alive_until` ahead of now; a row left behind by a
    stopped or crashed process lapses, and a code for it is refused. `code` is the owner's code,
    encrypted with the session vault, and erased as soon as the login task reads it.
    """

    __tablename__ = "login_checkpoints"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    kind: Mapped[str] = mapped_column(String(32))  # the question LinkedIn asked ("email_pin", ...)
    asked_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    alive_until: Mapped[datetime]
    code: Mapped[bytes | None]


class LoginHandover(Base):
    """A chat sign-in handed by a `web` process to whichever worker takes it (bot.services.login_handovers).

    `credentials` (the cookie, or the e-mail and password) are encrypted with the session vault.
    The row lives only while no worker has taken it: the worker that takes it deletes it in the
    same statement that reads it, and a row not taken by `expires_at` is deleted by a `web`
    process, which tells the owner that no worker took the sign-in.
    """

    __tablename__ = "login_handovers"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    credentials: Mapped[bytes]
    requested_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
