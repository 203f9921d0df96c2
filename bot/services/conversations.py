"""What a user's next text message answers: a question the bot asked, kept in the store.

One row per Telegram user (`conversations`): which question (`Asking`), what it is about, and
until when it is awaited. Asking replaces whatever was asked before; `take` reads and clears the
question in one step, so the answer is handed to exactly one handler, whichever process receives
it; an expired question is simply forgotten (the text then gets the ordinary "unknown" reply).
Because the row is in the store, a restart or a second `web` process continues the conversation.
A question remembers the account it was asked for (`account_id`): an owner who switches accounts
before answering still answers for the account that asked; removing that account removes its question.

Nothing secret is ever stored here: the cookie, the password and the PIN are answers, and pass
through; only the e-mail address given before the password is kept, to sign in with.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete

from bot.db.models import Conversation
from bot.db.session import SessionFactory
from bot.services.clock import Clock

ANSWER_WINDOW = timedelta(minutes=30)
"""How long a question stays open: long enough to look something up, short enough that a text
sent the next day is not taken for an answer to a question the owner has forgotten."""


class Asking(enum.Enum):
    """What the owner's next text message answers (`bot.handlers.replies` routes it)."""

    NOTE = "note"  # the reminder's new connection note; `target` is the reminder
    CONTEXT = "context"  # what the owner knows about the person; `target` is the reminder
    LOGIN = "login"  # the li_at cookie, or the email address to sign in with
    PASSWORD = "password"  # the password for `email`
    PIN = "pin"  # the code LinkedIn sent; `target` is the account whose sign-in waits for it
    TEMPLATE = "template"  # the text of the owner's note template `name`
    FOLLOWUP = "followup"  # the follow-up's new first message; `target` is the follow-up
    ACCOUNT_NAME = "account_name"  # the name of a new LinkedIn account
    ACCOUNT_RENAME = "account_rename"  # the new name of the account `target`

    @property
    def secret(self) -> bool:
        """Whether the answer is a secret (its message is deleted as soon as it arrives)."""
        return self in (Asking.LOGIN, Asking.PASSWORD, Asking.PIN)


@dataclass(frozen=True)
class Awaiting:
    """The next text message from this user answers a question the bot asked."""

    asking: Asking
    target: int = 0
    email: str = ""  # for PASSWORD: the address the owner gave first
    name: str = ""  # for TEMPLATE: the template's name
    account_id: int | None = None  # the account asked for: the answer lands there, whatever is current


class Conversations:
    """Sets, takes and clears the question a user's next message answers, on one store and clock."""

    def __init__(self, db: SessionFactory, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def ask(self, user_id: int, awaiting: Awaiting, *, within: timedelta = ANSWER_WINDOW) -> None:
        """From now on, until `within` has passed, `user_id`'s next text answers `awaiting`."""
        now = self._clock()
        async with self._db.begin() as session:
            row = await session.get(Conversation, user_id)
            if row is None:
                row = Conversation(user_id=user_id)
                session.add(row)
            row.asking, row.target = awaiting.asking.value, awaiting.target
            row.email, row.name = awaiting.email, awaiting.name
            row.account_id = awaiting.account_id
            row.asked_at, row.expires_at = now, now + within

    async def take(self, user_id: int) -> Awaiting | None:
        """The open question `user_id`'s text answers, no longer open; None if none (or expired).

        Read and cleared together: of two processes handed messages of the same user at once,
        only the one whose delete removed the row gets the question.
        """
        now = self._clock()
        async with self._db.begin() as session:
            row = await session.get(Conversation, user_id)
            if row is None:
                return None
            awaiting = _awaiting(row) if row.expires_at > now else None
            removed = await session.execute(
                delete(Conversation)
                .where(Conversation.user_id == user_id, Conversation.asked_at == row.asked_at)
                .execution_options(synchronize_session=False)
            )
            return awaiting if removed.rowcount == 1 else None  # type: ignore[attr-defined]

    async def forget(self, user_id: int, asking: Asking | None = None) -> None:
        """Close `user_id`'s question (only if it is `asking`, when given)."""
        async with self._db.begin() as session:
            query = delete(Conversation).where(Conversation.user_id == user_id)
            if asking is not None:
                query = query.where(Conversation.asking == asking.value)
            await session.execute(query)


def _awaiting(row: Conversation) -> Awaiting | None:
    try:
        asking = Asking(row.asking)
    except ValueError:
        return None  # a question a newer version asked: forgotten, like an expired one
    return Awaiting(asking, target=row.target, email=row.email, name=row.name, account_id=row.account_id)
