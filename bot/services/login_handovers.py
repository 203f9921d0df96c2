"""A chat sign-in handed from a `web` process (no browser) to a worker, through the store.

    web:     hand_over(db, vault, account_id, credentials, now, within)   # the owner typed them
    worker:  for account_id in await waiting(db, now):      # woken by NOTIFY invitesweep_login, or polling
                 (under the account's lease) credentials = await take(db, vault, account_id, now)
    web:     for account_id in await lapse(db, now): tell the owner no worker took it

One row per account (a new /login replaces a waiting one). The credentials — the `li_at` cookie,
or the e-mail and password — are encrypted with the session vault and live only while no worker
has them: `take` deletes the row in the statement that reads it, and `lapse` deletes a row nobody
took by `expires_at`. Both are one guarded DELETE … RETURNING, so exactly one of them gets a row:
the owner hears either the sign-in's outcome (from the worker) or that no worker took it (from a
web process), never both. Nothing here logs, and `Credentials` never shows its secrets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.db.models import LoginHandover
from bot.db.session import SessionFactory
from bot.services.secrets import SessionVault
from bot.services.wakeups import LOGIN_HANDOVER_CHANNEL, notify_work


@dataclass(frozen=True)
class Credentials:
    """What the owner gave to sign in with: a `li_at` cookie, or an e-mail address and password."""

    cookie: str | None = field(default=None, repr=False)
    email: str = field(default="", repr=False)
    password: str = field(default="", repr=False)

    def sealed(self, vault: SessionVault) -> bytes:
        return vault.encrypt({"cookie": self.cookie, "email": self.email, "password": self.password})

    @classmethod
    def unsealed(cls, vault: SessionVault, token: bytes) -> Credentials:
        """Raises SessionKeyError: sealed under another key, or damaged."""
        opened = vault.decrypt(token)
        cookie = opened.get("cookie")
        return cls(
            cookie=str(cookie) if cookie else None,
            email=str(opened.get("email") or ""),
            password=str(opened.get("password") or ""),
        )


async def hand_over(
    db: SessionFactory,
    vault: SessionVault,
    account_id: int,
    credentials: Credentials,
    now: datetime,
    within: timedelta,
) -> None:
    """Leave `credentials` for a worker until `now + within`, and wake the workers (at commit)."""
    values = {
        "account_id": account_id,
        "credentials": credentials.sealed(vault),
        "requested_at": now,
        "expires_at": now + within,
    }
    async with db.begin() as session:
        dialect = (await session.connection()).dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(LoginHandover).values(**values)
        replace = {key: statement.excluded[key] for key in ("credentials", "requested_at", "expires_at")}
        await session.execute(statement.on_conflict_do_update(index_elements=["account_id"], set_=replace))
        await notify_work(session, account_id, channel=LOGIN_HANDOVER_CHANNEL)


async def waiting(db: SessionFactory, now: datetime) -> list[int]:
    """The accounts whose sign-in waits for a worker (not taken, not lapsed), oldest first."""
    async with db() as session:
        found = await session.scalars(
            select(LoginHandover.account_id)
            .where(LoginHandover.expires_at > now)
            .order_by(LoginHandover.requested_at)
        )
        return list(found)


async def take(db: SessionFactory, vault: SessionVault, account_id: int, now: datetime) -> Credentials | None:
    """The account's handed-over credentials, erased from the store as they are read; None if
    there are none (taken by another worker, lapsed, or never handed over).

    Raises:
        SessionKeyError: they were sealed under another SESSION_KEY (they are erased all the same).
    """
    async with db.begin() as session:
        token = await session.scalar(
            delete(LoginHandover)
            .where(LoginHandover.account_id == account_id, LoginHandover.expires_at > now)
            .returning(LoginHandover.credentials)
        )
    return None if token is None else Credentials.unsealed(vault, token)


async def lapse(db: SessionFactory, now: datetime) -> list[int]:
    """Erase every hand-over no worker took in time; the accounts whose owner is to be told."""
    async with db.begin() as session:
        gone = await session.scalars(
            delete(LoginHandover).where(LoginHandover.expires_at <= now).returning(LoginHandover.account_id)
        )
        return sorted(gone)
