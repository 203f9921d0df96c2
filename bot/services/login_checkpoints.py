"""A sign-in waiting at LinkedIn's code question, and the owner's code on its way to it, in the store.

The login task holds the browser page. When LinkedIn asks for a code it `opens` a row for the
account (the question, when asked, until when) and `wait_for_code`s; the owner's code, typed in
chat and received by whichever process, is written by `relay_code`, encrypted with the session
vault, announced on PostgreSQL with NOTIFY (`wakeups.LOGIN_CODE_CHANNEL`), and erased by
`take_code` in the same transaction that reads it. The waiting task listens for that NOTIFY and
polls as the fallback (SQLite, or the listening connection lost), so a code reaches the page
whichever process, on whichever machine, holds it. While it waits, the task
keeps `alive_until` a little ahead of now; a row whose task stopped or crashed lapses within
`ALIVE_LEASE`, and a code for it is refused ("that sign-in ended"), never kept. `close` ends it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete

from bot.db.models import LoginCheckpoint
from bot.db.session import SessionFactory
from bot.services.clock import Clock
from bot.services.secrets import SessionKeyError, SessionVault
from bot.services.wakeups import LOGIN_CODE_CHANNEL, WorkWaiter, notify_work

CODE_POLL_SECONDS = 0.5
"""How often a waiting sign-in looks for the owner's code when nothing announces it (SQLite, or
LISTEN not possible). The code is typed by a person, so half a second is unnoticeable, and the
read is one primary-key row."""
CODE_POLL_LISTENING_SECONDS = 3.0
"""The same while listening for the code's NOTIFY: the poll is then only a fallback, and each look
also renews `alive_until` (it must come well within `_RENEW_BEFORE`)."""

ALIVE_LEASE = timedelta(seconds=15)
"""How long a checkpoint counts as held after its task last said it was alive: a crashed process's
sign-in is known to have ended this long after the crash at most."""
_RENEW_BEFORE = timedelta(seconds=10)  # renew once less than this is left: a write every ~5 s


async def open_checkpoint(
    db: SessionFactory, account_id: int, kind: str, now: datetime, within: timedelta
) -> None:
    """Record that `account_id`'s sign-in waits for a code for `kind`, until `now + within`."""
    async with db.begin() as session:
        row = await session.get(LoginCheckpoint, account_id)
        if row is None:
            row = LoginCheckpoint(account_id=account_id)
            session.add(row)
        row.kind, row.asked_at, row.expires_at = kind, now, now + within
        row.alive_until, row.code = now + ALIVE_LEASE, None


async def close_checkpoint(db: SessionFactory, account_id: int) -> None:
    """The sign-in ended (signed in, given up, stopped): a code for it is refused from now on."""
    async with db.begin() as session:
        await session.execute(delete(LoginCheckpoint).where(LoginCheckpoint.account_id == account_id))


async def relay_code(
    db: SessionFactory, vault: SessionVault, account_id: int, code: str, now: datetime
) -> bool:
    """Hand `code` to the sign-in waiting for it; False (and nothing stored) if none waits any more."""
    async with db.begin() as session:
        row = await session.get(LoginCheckpoint, account_id, with_for_update=True)
        if row is None:
            return False
        if not _held(row, now):
            await session.delete(row)  # its task is gone: nothing will ever read a code for it
            return False
        row.code = vault.encrypt({"code": code.strip()})  # the vault's Fernet key; only `take_code` reads it
        await notify_work(session, account_id, channel=LOGIN_CODE_CHANNEL)  # delivered at commit
        return True


async def take_code(
    db: SessionFactory, vault: SessionVault, account_id: int, now: datetime
) -> tuple[bool, str | None]:
    """(still open, the code if one came): the code is erased in the transaction that reads it.

    Also renews the task's hold on the checkpoint. Not open: closed by someone else, or expired.
    """
    async with db.begin() as session:
        row = await session.get(LoginCheckpoint, account_id, with_for_update=True)
        if row is None or row.expires_at <= now:
            return False, None
        if row.alive_until - now < _RENEW_BEFORE:
            row.alive_until = now + ALIVE_LEASE
        if row.code is None:
            return True, None
        token, row.code = row.code, None
    try:
        return True, str(vault.decrypt(token)["code"])
    except (SessionKeyError, KeyError):
        return True, None  # written under another key: as if no code came


async def wait_for_code(
    db: SessionFactory,
    vault: SessionVault,
    account_id: int,
    clock: Clock,
    *,
    within: float,
    stopping: Callable[[], bool],
    database_url: str | None = None,
) -> str | None:
    """The owner's code, once it arrives; None after `within` seconds, if the checkpoint closed,
    or as soon as `stopping()` (the process is shutting down: its page goes with it).

    With a PostgreSQL `database_url` it wakes on the code's NOTIFY and polls only as the fallback.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    async with WorkWaiter(
        database_url or "sqlite://", poll=CODE_POLL_SECONDS, channel=LOGIN_CODE_CHANNEL
    ) as waiter:
        while not stopping() and loop.time() < deadline:
            still_open, code = await take_code(db, vault, account_id, clock())
            if code is not None or not still_open:
                return code
            await waiter.wait(CODE_POLL_LISTENING_SECONDS if waiter.listening else CODE_POLL_SECONDS)
    return None


def _held(row: LoginCheckpoint, now: datetime) -> bool:
    return row.expires_at > now and row.alive_until > now
