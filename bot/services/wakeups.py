"""Waking workers when work is queued: PostgreSQL's LISTEN/NOTIFY, with polling as the fallback.

    await notify_work(session, account_id)          # inside the transaction that queues the work
    async with WorkWaiter(database_url, poll=5.0) as waiter:
        while running:
            await run_due_actions(...)
            due = await next_due_at(db)             # bot.services.actions: the earliest queued work
            await waiter.wait(at_most=...)          # early on a notification, else until `due` or `poll`

NOTIFY is transactional: a notification is delivered when the transaction that sent it commits,
and not at all if it rolls back, so a woken worker always finds the work committed. On SQLite
`notify_work` does nothing and the waiter only polls (one process: the in-process worker is
kicked directly). The waiter LISTENs on a connection of its own (not the pool's: a pooled
connection would be handed to other work), reconnects after it drops, and counts a reconnect
as a wake-up, since notifications sent while it was disconnected are lost. Work is never found
through notifications alone: they only end a wait early, the queue is what is read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from types import TracebackType
from typing import Any, Self

from sqlalchemy import func, make_url, select
from sqlalchemy.ext.asyncio import AsyncSession

logger = logging.getLogger(__name__)

CHANNEL = "invitesweep_work"
"""The channel every queued piece of browser work is announced on; the payload is the account id."""

LOGIN_HANDOVER_CHANNEL = "invitesweep_login"
"""The channel a chat sign-in handed over by a `web` process is announced on
(`bot.services.login_handovers`); the payload is the account id. Workers listen on it beside the
queue's, so a sign-in never waits behind a batch of queued work."""

LOGIN_CODE_CHANNEL = "invitesweep_login_code"
"""The channel an owner's sign-in code is announced on (`bot.services.login_checkpoints`); the
payload is the account id. The sign-in waiting at LinkedIn's code question listens on it."""

CONNECT_TIMEOUT_CEILING = 10.0
APPLICATION_NAME = "invitesweep-waiter"
"""How the waiter's connection is named in `pg_stat_activity`."""


async def notify_work(session: AsyncSession, account_id: int, *, channel: str = CHANNEL) -> None:
    """Announce work for `account_id` when the caller's transaction commits (PostgreSQL; else nothing)."""
    if (await session.connection()).dialect.name != "postgresql":
        return
    await session.execute(select(func.pg_notify(channel, str(account_id))))


class WorkWaiter:
    """Waits for queued work: returns early when it is announced, else after the poll interval."""

    def __init__(self, database_url: str, *, poll: float = 5.0, channel: str = CHANNEL) -> None:
        url = make_url(database_url)
        self._dsn: str | None = None
        if url.get_backend_name() == "postgresql":
            self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.poll = poll
        self.channel = channel
        self._woken = asyncio.Event()
        self._connection: Any = None  # asyncpg.Connection (asyncpg ships no type information)
        self._failing = False  # a failed LISTEN is logged once until it works again
        self.announced: set[int] = set()  # account ids announced since `take_announced`

    async def __aenter__(self) -> Self:
        await self._listen()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def listening(self) -> bool:
        """Whether notifications reach this waiter now (False on SQLite and while disconnected)."""
        return self._connection is not None and not self._connection.is_closed()

    async def wait(self, at_most: float | None = None) -> bool:
        """Wait up to `at_most` seconds (default: the poll interval); True if woken early by an announcement.

        A waiter that is not listening tries to (again) first; if it cannot, it polls.
        """
        if self._dsn is not None and not self.listening and await self._listen():
            return True  # reconnected: what was announced meanwhile is lost, so look now
        try:
            await asyncio.wait_for(self._woken.wait(), self.poll if at_most is None else at_most)
        except TimeoutError:
            return False
        self._woken.clear()
        return True

    def take_announced(self) -> set[int]:
        """The account ids announced since the last call (a hint: the queue is the truth)."""
        announced, self.announced = self.announced, set()
        return announced

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and not connection.is_closed():
            with contextlib.suppress(Exception):
                await connection.close(timeout=2)

    async def _listen(self) -> bool:
        """Open the dedicated connection and LISTEN; False (logged once) if that is not possible."""
        if self._dsn is None:
            return False
        await self.close()
        import asyncpg  # type: ignore[import-untyped]  # only where PostgreSQL is used

        try:
            connection = await asyncpg.connect(
                self._dsn,
                timeout=min(max(self.poll, 1.0), CONNECT_TIMEOUT_CEILING),
                server_settings={"application_name": APPLICATION_NAME},
            )
            await connection.add_listener(self.channel, self._on_notification)
            connection.add_termination_listener(self._on_termination)
        except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            if not self._failing:
                logger.warning("cannot LISTEN for queued work (%s); polling instead", type(exc).__name__)
            self._failing = True
            return False
        if self._failing:
            logger.info("listening for queued work again")
        self._failing = False
        self._connection = connection
        return True

    def _on_notification(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        if payload.isdigit():
            self.announced.add(int(payload))
        self._woken.set()

    def _on_termination(self, _connection: object) -> None:
        # The next wait reconnects (and returns at once); wake one in progress so it does so now.
        self._woken.set()
