"""An owner's several LinkedIn accounts: the list with each one's state, add, switch, rename, remove.

Chat (/accounts) and the CLI (`invitesweep accounts …`) share these functions, so a name is
checked, a clash refused and a removal guarded the same way on both. Which account the chat acts
on is `bot.services.accounts.find_account_by_owner` (the `owners` row, else the first account).
Every function takes the caller's session and leaves committing to it.

Removal deletes the account row; the store's foreign keys (ON DELETE CASCADE) take its people,
invitations, actions, reminders, follow-ups, events, digests, lease, sign-in checkpoint and open
question with it, and an owner whose current account it was falls back to their first. It is
refused while a worker may be in the middle of the account's browser work: an action RUNNING, or
its lease held by a live process. On PostgreSQL the account row is locked first, as a claim locks
it, so no claim can start between the check and the delete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Account,
    Action,
    ActionState,
    Event,
    Followup,
    Invitation,
    InvitationState,
    Person,
    Reminder,
    SessionStatus,
)
from bot.services.accounts import (
    AccountExists,
    check_account_name,
    choose_account,
    create_account,
    find_account_by_owner,
    get_account,
)
from bot.services.actions.leases import current_lease, holder_dead
from bot.services.events import record_event


class AccountInUse(RuntimeError):
    """The account cannot be removed now: a worker is doing its browser work (`reason`:
    "running", an action in flight, or "leased", its lease held by a live process)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AccountLine:
    """One of an owner's accounts as /accounts and `accounts list` show it."""

    id: int
    name: str
    owner_telegram_id: int | None
    session_status: SessionStatus
    paused: bool
    paused_reason: str | None
    pending: int
    current: bool


@dataclass(frozen=True)
class RemovalSummary:
    """What removing an account deletes with it, counted, for the question that confirms it."""

    name: str
    invitations: int
    people: int
    actions: int
    reminders: int
    followups: int
    events: int


async def account_lines(session: AsyncSession, telegram_user_id: int | None = None) -> list[AccountLine]:
    """The owner's accounts (every account when `telegram_user_id` is None), by name, with their state."""
    pending = (
        select(func.count())
        .where(Invitation.account_id == Account.id, Invitation.state == InvitationState.PENDING)
        .scalar_subquery()
    )
    query = select(Account, pending).order_by(Account.name)
    current_id = None
    if telegram_user_id is not None:
        query = query.where(Account.owner_telegram_id == telegram_user_id)
        current = await find_account_by_owner(session, telegram_user_id)
        current_id = current.id if current is not None else None
    return [
        AccountLine(
            id=account.id,
            name=account.name,
            owner_telegram_id=account.owner_telegram_id,
            session_status=account.session_status,
            paused=account.paused,
            paused_reason=account.paused_reason,
            pending=count,
            current=account.id == current_id,
        )
        for account, count in (await session.execute(query)).all()
    ]


async def add_owned_account(
    session: AsyncSession, *, telegram_user_id: int, chat_id: int, name: str, like: Account, now: datetime
) -> Account:
    """Create the account `name` for this owner (time zone and language as `like`) and make it current.

    Raises:
        InvalidAccountName: `name` cannot name an account.
        AccountExists: there is one by that name already.
    """
    account = await create_account(session, name, timezone=like.timezone)
    account.language = like.language
    account.owner_telegram_id, account.chat_id = telegram_user_id, chat_id
    await session.flush()
    await choose_account(session, telegram_user_id, account.id)
    record_event(
        session, account_id=account.id, kind="account_added", at=now, telegram_user_id=telegram_user_id
    )
    return account


async def switch_to(session: AsyncSession, telegram_user_id: int, account: Account) -> None:
    """Make `account` (owned by this user: the caller checked) the one the chat acts on."""
    await choose_account(session, telegram_user_id, account.id)


async def rename_account(session: AsyncSession, account: Account, new_name: str, now: datetime) -> str:
    """Rename `account` to `new_name`; returns the old name. Renaming to its own name changes nothing.

    Raises:
        InvalidAccountName: `new_name` cannot name an account (the CLI's rule, `check_account_name`).
        AccountExists: another account has that name.
    """
    check_account_name(new_name)
    old = account.name
    if new_name == old:
        return old
    if await get_account(session, new_name) is not None:
        raise AccountExists(new_name)
    account.name = new_name
    await session.flush()
    record_event(session, account_id=account.id, kind="account_renamed", at=now, old=old, new=new_name)
    return old


async def removal_summary(session: AsyncSession, account: Account) -> RemovalSummary:
    """How much of the account's data removing it would delete."""

    async def count(model: type[Invitation | Person | Action | Reminder | Followup | Event]) -> int:
        found = await session.scalar(select(func.count()).where(model.account_id == account.id))
        return found or 0

    return RemovalSummary(
        name=account.name,
        invitations=await count(Invitation),
        people=await count(Person),
        actions=await count(Action),
        reminders=await count(Reminder),
        followups=await count(Followup),
        events=await count(Event),
    )


async def remove_account(session: AsyncSession, account_id: int, now: datetime) -> str | None:
    """Delete the account and everything of it; returns its name, or None if it was already gone.

    Raises:
        AccountInUse: an action of it is RUNNING, or a live process holds its lease; nothing changed.
    """
    locked = select(Account).where(Account.id == account_id).with_for_update()
    account = await session.scalar(locked)
    if account is None:
        return None
    running = await session.scalar(
        select(func.count()).where(Action.account_id == account_id, Action.state == ActionState.RUNNING)
    )
    if running:
        raise AccountInUse("running")
    lease = await current_lease(session, account_id)
    if lease is not None and lease.expires_at > now and not holder_dead(lease):
        raise AccountInUse("leased")
    name = account.name
    await session.execute(
        delete(Account).where(Account.id == account_id).execution_options(synchronize_session=False)
    )
    session.expunge(account)
    return name
