"""The store side of chat state: awaited answers (`conversations`) and login checkpoints."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.db.models import Account, Conversation, LoginCheckpoint
from bot.db.session import SessionFactory
from bot.services.clock import FrozenClock
from bot.services.conversations import ANSWER_WINDOW, Asking, Awaiting, Conversations
from bot.services.login_checkpoints import (
    ALIVE_LEASE,
    close_checkpoint,
    open_checkpoint,
    relay_code,
    take_code,
    wait_for_code,
)
from bot.services.secrets import SessionVault

USER = 1001
WAIT = timedelta(minutes=5)


async def test_a_question_is_answered_once_and_replaced_by_the_next(
    db: SessionFactory, clock: FrozenClock
) -> None:
    questions = Conversations(db, clock)
    await questions.ask(USER, Awaiting(Asking.NOTE, target=7))
    await questions.ask(USER, Awaiting(Asking.PASSWORD, email="me@example.com"))
    assert await questions.take(USER) == Awaiting(Asking.PASSWORD, email="me@example.com")
    assert await questions.take(USER) is None  # taken: the next text is not an answer
    assert await questions.take(USER + 1) is None  # nobody asked this user anything


async def test_an_expired_question_is_forgotten_and_removed(db: SessionFactory, clock: FrozenClock) -> None:
    questions = Conversations(db, clock)
    await questions.ask(USER, Awaiting(Asking.TEMPLATE, name="hello"))
    clock.advance(ANSWER_WINDOW)
    assert await questions.take(USER) is None
    async with db() as session:
        assert (await session.scalars(select(Conversation))).all() == []


async def test_forgetting_one_kind_of_question_leaves_another(db: SessionFactory, clock: FrozenClock) -> None:
    questions = Conversations(db, clock)
    await questions.ask(USER, Awaiting(Asking.NOTE, target=3))
    await questions.forget(USER, Asking.PIN)
    assert await questions.take(USER) == Awaiting(Asking.NOTE, target=3)


async def test_a_code_is_stored_encrypted_and_erased_when_read(
    db: SessionFactory, account: Account, vault: SessionVault, clock: FrozenClock
) -> None:
    await open_checkpoint(db, account.id, "email_pin", clock(), WAIT)
    assert await relay_code(db, vault, account.id, " 123456 ", clock())
    async with db() as session:
        row = await session.get_one(LoginCheckpoint, account.id)
    assert row.code is not None and b"123456" not in row.code
    assert await take_code(db, vault, account.id, clock()) == (True, "123456")
    assert await take_code(db, vault, account.id, clock()) == (True, None)  # erased as it was read
    async with db() as session:
        assert (await session.get_one(LoginCheckpoint, account.id)).code is None


async def test_a_code_for_an_ended_expired_or_abandoned_sign_in_changes_nothing(
    db: SessionFactory, account: Account, vault: SessionVault, clock: FrozenClock
) -> None:
    assert not await relay_code(db, vault, account.id, "111111", clock())  # none ever started

    await open_checkpoint(db, account.id, "email_pin", clock(), WAIT)
    await close_checkpoint(db, account.id)
    assert not await relay_code(db, vault, account.id, "222222", clock())  # it ended

    await open_checkpoint(db, account.id, "email_pin", clock(), WAIT)
    clock.advance(ALIVE_LEASE)  # its task stopped renewing: the process died
    assert not await relay_code(db, vault, account.id, "333333", clock())
    async with db() as session:
        assert await session.get(LoginCheckpoint, account.id) is None

    await open_checkpoint(db, account.id, "email_pin", clock(), timedelta(seconds=5))
    clock.advance(timedelta(seconds=5))  # past the question's expiry, while still held
    assert not await relay_code(db, vault, account.id, "444444", clock())
    assert await take_code(db, vault, account.id, clock()) == (False, None)


async def test_the_waiting_sign_in_renews_its_hold_and_gets_the_code(
    db: SessionFactory, account: Account, vault: SessionVault, clock: FrozenClock
) -> None:
    await open_checkpoint(db, account.id, "email_pin", clock(), WAIT)
    clock.advance(ALIVE_LEASE - timedelta(seconds=1))
    assert await take_code(db, vault, account.id, clock()) == (True, None)  # renewed the hold
    clock.advance(timedelta(seconds=2))
    waiting = asyncio.create_task(
        wait_for_code(db, vault, account.id, clock, within=30, stopping=lambda: False)
    )
    assert await relay_code(db, vault, account.id, "654321", clock())  # still held: accepted
    assert await asyncio.wait_for(waiting, 10) == "654321"


async def test_waiting_ends_when_the_process_stops_or_the_sign_in_closes(
    db: SessionFactory, account: Account, vault: SessionVault, clock: FrozenClock
) -> None:
    await open_checkpoint(db, account.id, "email_pin", clock(), WAIT)
    assert await wait_for_code(db, vault, account.id, clock, within=30, stopping=lambda: True) is None
    waiting = asyncio.create_task(
        wait_for_code(db, vault, account.id, clock, within=30, stopping=lambda: False)
    )
    await close_checkpoint(db, account.id)
    assert await asyncio.wait_for(waiting, 10) is None
