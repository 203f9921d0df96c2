"""Who may use the bot: owners from `TELEGRAM_OWNER_IDS`, or paired once with a start-up code.

An owner is a Telegram user id; what they own is the accounts whose `owner_telegram_id` is theirs.
With `TELEGRAM_OWNER_IDS` unset, the first person to send `/start <code>` with the code printed at
start-up becomes the owner, and that is stored on the account, so a restart keeps the pairing
and prints no new code. Functions take the caller's session and leave committing to it.

An owner may switch, add and remove accounts (`owner_accounts`), in any process: so what
`KnownOwners` remembers only decides whether a tap may be answered plainly before any read; the
account a tap acts on is always read fresh after that answer.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, Action, Followup, Invitation, Reminder
from bot.services.accounts import DEFAULT_ACCOUNT_NAME, find_account_by_owner, get_or_create_account
from bot.services.events import record_event

_OWNED_KINDS: dict[str, type[Invitation | Action | Reminder | Followup]] = {
    "invitation": Invitation,
    "action": Action,
    "reminder": Reminder,
    "followup": Followup,
}

PAIRING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: it is read off a console
PAIRING_CODE_LENGTH = 8  # 40 bits: guessing through Telegram is hopeless


def new_pairing_code() -> str:
    """A fresh one-time pairing code."""
    return "".join(secrets.choice(PAIRING_ALPHABET) for _ in range(PAIRING_CODE_LENGTH))


def code_matches(expected: str | None, given: str) -> bool:
    """Compare a typed code with the expected one in constant time, ignoring case and spaces."""
    if not expected:
        return False
    typed = given.strip().upper().replace(" ", "").replace("-", "")
    return hmac.compare_digest(typed.encode(), expected.encode())


async def stored_owner_ids(session: AsyncSession) -> set[int]:
    """Every Telegram user that owns an account (the pairings made so far)."""
    rows = await session.scalars(
        select(Account.owner_telegram_id).where(Account.owner_telegram_id.is_not(None))
    )
    return {int(row) for row in rows if row is not None}


async def claim_account(
    session: AsyncSession, *, user_id: int, chat_id: int, timezone: str, now: datetime
) -> Account:
    """The account this owner works on, made theirs: their own, else an unowned one, else a new one.

    An unowned account is what `invitesweep login`/`sync` created before the bot first ran; the
    owner adopts it so the chat sees the same invitations as the command line. The chat id is
    refreshed, because it is where digests and reminders go.
    """
    account = await find_account_by_owner(session, user_id) or await session.scalar(
        select(Account).where(Account.owner_telegram_id.is_(None)).order_by(Account.id).limit(1)
    )
    if account is None:
        taken = await session.scalar(select(Account.id).where(Account.name == DEFAULT_ACCOUNT_NAME))
        name = DEFAULT_ACCOUNT_NAME if taken is None else f"telegram-{user_id}"
        account = await get_or_create_account(session, name, timezone=timezone)
    if account.owner_telegram_id != user_id or account.chat_id != chat_id:
        account.owner_telegram_id = user_id
        account.chat_id = chat_id
        await session.flush()
        record_event(session, account_id=account.id, kind="owner_paired", at=now, telegram_user_id=user_id)
    return account


class KnownOwners:
    """Which accounts each owner was seen to own, as this process has read them from the store.

    It lets a plain tap (one whose answer says nothing of the store) be answered before any read.
    A memory that turned false since (an account removed, here or by another process) costs only
    that: the tap is answered plainly, and the fresh read after the answer finds no account and
    does nothing. A stranger, never seen to own anything, is never answered from memory.
    """

    def __init__(self) -> None:
        self._accounts: dict[int, set[int]] = {}

    def knows(self, user_id: int, account_id: int | None) -> bool:
        """Whether `user_id` was seen to own `account_id` (None: to own any account)."""
        owned = self._accounts.get(user_id)
        return bool(owned) if account_id is None else owned is not None and account_id in owned

    def remember(self, user_id: int, account_id: int) -> None:
        """Keep what a read from the store said: `user_id` owns `account_id`."""
        self._accounts.setdefault(user_id, set()).add(account_id)


async def owned_account(session: AsyncSession, user_id: int, *, kind: str, target_id: int) -> Account | None:
    """The account behind the thing a button names, if `user_id` owns it; else None.

    `kind` is "invitation", "action", "reminder", "followup" or "account" (the account itself). A forged
    id, a deleted row and someone else's row all give None alike, so a button can never reach another
    owner's data.
    """
    if kind == "account":
        mine = select(Account).where(Account.id == target_id, Account.owner_telegram_id == user_id)
        return await session.scalar(mine)
    table: type[Invitation | Action | Reminder | Followup] = _OWNED_KINDS[kind]
    query = (
        select(Account)
        .join(table, table.account_id == Account.id)
        .where(table.id == target_id, Account.owner_telegram_id == user_id)
    )
    account: Account | None = await session.scalar(query)
    return account
