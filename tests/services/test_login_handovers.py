"""A chat sign-in handed from a `web` process to a worker through the store, and its code's NOTIFY."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.db.models import Account, LoginHandover
from bot.db.session import SessionFactory, create_session_factory
from bot.services import login_handovers
from bot.services.clock import FrozenClock
from bot.services.login_checkpoints import open_checkpoint, relay_code, wait_for_code
from bot.services.login_handovers import Credentials
from bot.services.rhythm import ALWAYS
from bot.services.secrets import SessionKeyError, SessionVault
from bot.services.wakeups import CHANNEL, LOGIN_CODE_CHANNEL, LOGIN_HANDOVER_CHANNEL, WorkWaiter
from tests.services.backends import fresh_postgres, postgres_url

WITHIN = timedelta(seconds=60)
SECRET = "correct horse battery staple"
WOKEN_WITHIN = 30  # seconds: far below the waiters' 600 s poll, so True means a notification woke it


async def _account(db: SessionFactory, name: str = "default") -> int:
    async with db.begin() as session:
        account = Account(name=name, owner_telegram_id=1001, chat_id=1001, **ALWAYS)
        session.add(account)
        await session.flush()
        return account.id


async def _rows(db: SessionFactory) -> list[LoginHandover]:
    async with db() as session:
        return list(await session.scalars(select(LoginHandover)))


async def test_credentials_are_sealed_and_erased_by_the_worker_that_takes_them(
    store: SessionFactory, vault: SessionVault, clock: FrozenClock
) -> None:
    account_id = await _account(store)
    given = Credentials(email="me@example.com", password=SECRET)
    await login_handovers.hand_over(store, vault, account_id, given, clock(), WITHIN)
    (row,) = await _rows(store)
    assert SECRET.encode() not in row.credentials and b"me@example.com" not in row.credentials
    assert await login_handovers.waiting(store, clock()) == [account_id]

    assert await login_handovers.take(store, vault, account_id, clock()) == given
    assert await _rows(store) == []  # erased in the statement that read it
    assert await login_handovers.take(store, vault, account_id, clock()) is None  # a second worker: nothing
    assert await login_handovers.lapse(store, clock() + WITHIN) == []  # and no "nobody took it" later
    assert SECRET not in repr(given) and "me@example.com" not in repr(given)


async def test_a_new_login_replaces_the_one_waiting(
    store: SessionFactory, vault: SessionVault, clock: FrozenClock
) -> None:
    account_id = await _account(store)
    await login_handovers.hand_over(store, vault, account_id, Credentials(cookie="first"), clock(), WITHIN)
    clock.advance(timedelta(seconds=30))
    await login_handovers.hand_over(store, vault, account_id, Credentials(cookie="second"), clock(), WITHIN)
    assert len(await _rows(store)) == 1
    clock.advance(timedelta(seconds=45))  # past the first one's bound, within the second's
    assert await login_handovers.take(store, vault, account_id, clock()) == Credentials(cookie="second")


async def test_a_hand_over_nobody_took_lapses_once_and_is_never_taken_after(
    store: SessionFactory, vault: SessionVault, clock: FrozenClock
) -> None:
    late, fresh = await _account(store, "late"), await _account(store, "fresh")
    await login_handovers.hand_over(store, vault, late, Credentials(cookie="c1"), clock(), WITHIN)
    clock.advance(WITHIN / 2)
    await login_handovers.hand_over(store, vault, fresh, Credentials(cookie="c2"), clock(), WITHIN)
    clock.advance(WITHIN / 2)  # `late` reached its bound
    assert await login_handovers.waiting(store, clock()) == [fresh]
    assert await login_handovers.take(store, vault, late, clock()) is None  # a worker too late: refused
    assert await login_handovers.lapse(store, clock()) == [late]
    assert await login_handovers.lapse(store, clock()) == []  # told once, by one web process
    assert [row.account_id for row in await _rows(store)] == [fresh]


async def test_credentials_sealed_under_another_key_are_refused_and_erased(
    store: SessionFactory, vault: SessionVault, clock: FrozenClock
) -> None:
    account_id = await _account(store)
    other = SessionVault(Fernet.generate_key())
    await login_handovers.hand_over(store, other, account_id, Credentials(cookie="x"), clock(), WITHIN)
    with pytest.raises(SessionKeyError):
        await login_handovers.take(store, vault, account_id, clock())
    assert await _rows(store) == []


@pytest.mark.postgres
async def test_a_hand_over_wakes_the_workers_and_a_code_wakes_the_waiting_sign_in(
    vault: SessionVault, clock: FrozenClock
) -> None:
    async with fresh_postgres() as engine:
        db = create_session_factory(engine)
        account_id = await _account(db)
        async with WorkWaiter(postgres_url(), poll=600, channel=LOGIN_HANDOVER_CHANNEL) as workers:
            waiting = asyncio.create_task(workers.wait())
            await login_handovers.hand_over(db, vault, account_id, Credentials(cookie="c"), clock(), WITHIN)
            assert await asyncio.wait_for(waiting, WOKEN_WITHIN) is True
            assert workers.take_announced() == {account_id}

        await open_checkpoint(db, account_id, "email_pin", clock(), timedelta(minutes=5))
        async with WorkWaiter(postgres_url(), poll=600, channel=LOGIN_CODE_CHANNEL) as sign_in:
            assert len({CHANNEL, LOGIN_HANDOVER_CHANNEL, LOGIN_CODE_CHANNEL}) == 3
            woken = asyncio.create_task(sign_in.wait())
            assert await relay_code(db, vault, account_id, "123456", clock())
            assert await asyncio.wait_for(woken, WOKEN_WITHIN) is True
            assert sign_in.take_announced() == {account_id}

        # The waiting sign-in itself, listening on PostgreSQL, gets the code.
        code = await wait_for_code(
            db, vault, account_id, clock, within=60, stopping=lambda: False, database_url=postgres_url()
        )
        assert code == "123456"
