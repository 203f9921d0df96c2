"""Updates run side by side: taps at once (a double [Yes] still queues one withdrawal), while one
chat's messages keep the order they were sent in."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, Chat, Message, Update, User

from bot.callback_data import Op, build
from bot.db.models import Account, Action, SessionStatus
from bot.db.session import SessionFactory
from bot.services.clock import FrozenClock
from bot.settings import Settings
from bot.update_order import ChatOrderedProcessor
from tests.bot.seed import seed_pending
from tests.botapi import BotApiServer
from tests.fixtures.botapi import OWNER, bot_settings, running_bot, wait_until

USER = User(OWNER, "Owner", is_bot=False)


def _message(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, datetime.now(UTC), chat, from_user=USER, text="hi"))


def _tap(update_id: int, chat_id: int) -> Update:
    message = Message(1, datetime.now(UTC), Chat(chat_id, Chat.PRIVATE), from_user=USER)
    return Update(
        update_id, callback_query=CallbackQuery(str(update_id), USER, "x", message=message, data="st:1")
    )


async def _together(
    processor: ChatOrderedProcessor, first: Update, second: Update, within: float = 30
) -> bool:
    """Whether the two updates' handlers ran at the same time: each waits to see the other start.

    Two handlers that may run together see each other at once (`within` only bounds a broken
    run); two that may not can never see each other, however long they wait.
    """
    started = [asyncio.Event(), asyncio.Event()]

    async def handle(mine: int) -> bool:
        started[mine].set()
        try:
            await asyncio.wait_for(started[1 - mine].wait(), within)
        except TimeoutError:
            return False
        return True

    results: list[bool] = []

    async def process(update: Update, mine: int) -> None:
        async def coroutine() -> None:
            results.append(await handle(mine))

        await processor.process_update(update, coroutine())

    await asyncio.gather(process(first, 0), process(second, 1))
    return all(results)


async def test_taps_run_together_and_one_chats_messages_in_turn() -> None:
    async with ChatOrderedProcessor() as processor:
        assert await _together(processor, _tap(1, OWNER), _tap(2, OWNER))
        assert await _together(processor, _message(3, OWNER), _message(4, OWNER + 1))
        assert await _together(processor, _message(5, OWNER), _tap(6, OWNER))
        assert not await _together(processor, _message(7, OWNER), _message(8, OWNER), within=0.5)


async def test_one_chats_messages_keep_their_order_and_leave_no_lock_behind() -> None:
    order: list[int] = []

    async def handled(index: int, gate: asyncio.Event | None) -> None:
        if gate is not None:
            await gate.wait()  # the first message is slow; the second must still come after it
        order.append(index)

    async with ChatOrderedProcessor() as processor:
        gate = asyncio.Event()
        first = asyncio.create_task(processor.process_update(_message(1, OWNER), handled(1, gate)))
        await asyncio.sleep(0)
        second = asyncio.create_task(processor.process_update(_message(2, OWNER), handled(2, None)))
        await asyncio.sleep(0)
        assert order == []
        gate.set()
        await asyncio.gather(first, second)
        assert order == [1, 2]
        assert processor._chats == {}


async def _action_count(db: SessionFactory) -> int:
    async with db() as session:
        return int(await session.scalar(select(func.count()).select_from(Action)) or 0)


async def test_two_yes_taps_at_once_queue_one_withdrawal(
    botapi: BotApiServer,
    db_path: Path,
    db: SessionFactory,
    owned: Account,
    tmp_path: Path,
    clock: FrozenClock,
) -> None:
    (invitation,) = await seed_pending(db, owned, clock(), [100])
    async with running_bot(bot_settings(botapi, db_path, tmp_path), clock=clock):
        botapi.send_text(OWNER, "/pending")
        card = await wait_until(
            lambda: next((m for m in botapi.bot_messages(OWNER) if m.buttons), None), what="the card"
        )
        # Both taps are delivered before the bot has answered either.
        queries = [botapi.press(OWNER, card.message_id, f"wy:{invitation.id}") for _ in range(2)]
        await wait_until(lambda: all(botapi.answer(q).answered_at for q in queries), what="both answers")
        await wait_until(lambda: botapi.message(OWNER, card.message_id).button_texts == ["Undo"], what="Undo")
    assert [botapi.answer(q).show_alert for q in queries] == [False, False]
    assert await _action_count(db) == 1


async def test_taps_are_answered_before_the_work_after_the_answer_gets_a_turn(
    botapi: BotApiServer, db_path: Path, owned: Account, tmp_path: Path
) -> None:
    async with running_bot(bot_settings(botapi, db_path, tmp_path)) as application:
        botapi.send_text(OWNER, "/settings")
        screen = await wait_until(
            lambda: next((m for m in botapi.bot_messages(OWNER) if m.buttons), None), what="the settings"
        )
        turns = application.bot_data.after_answer
        taken = 0
        while not turns.locked():  # every turn for work after an answer is busy
            await turns.acquire()
            taken += 1
        queries = [botapi.press(OWNER, screen.message_id, f"st:{i}") for i in (1, 2, 3)]  # three screens
        await wait_until(lambda: all(botapi.answer(q).answered_at for q in queries), what="the answers")
        assert botapi.message(OWNER, screen.message_id).edits == 0
        for _ in range(taken):
            turns.release()
        await wait_until(lambda: botapi.message(OWNER, screen.message_id).edits == 3, what="the edits")


class _HeldStore:
    """The store, except that every session waits until `opened` is set; counts those asked for."""

    def __init__(self, db: SessionFactory) -> None:
        self.db = db
        self.opened = asyncio.Event()
        self.asked = 0

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncSession]:
        self.asked += 1
        await self.opened.wait()
        async with self.db() as session:
            yield session


async def test_a_known_owners_plain_tap_is_answered_before_any_read(
    botapi: BotApiServer, db_path: Path, owned: Account, tmp_path: Path
) -> None:
    async with running_bot(bot_settings(botapi, db_path, tmp_path)) as application:
        botapi.send_text(OWNER, "/settings")  # the process reads, and keeps, whose account is which
        screen = await wait_until(
            lambda: next((m for m in botapi.bot_messages(OWNER) if m.buttons), None), what="the settings"
        )
        store = application.bot_data.db
        assert store is not None
        held = _HeldStore(store)
        application.bot_data.db = cast(Any, held)
        try:
            query = botapi.press(OWNER, screen.message_id, "st:1")
            await wait_until(lambda: botapi.answer(query).answered_at, what="the answer, the store held")
            assert botapi.answer(query).answer_text is None and not botapi.answer(query).show_alert
            await wait_until(lambda: held.asked, what="the account's read, after the answer")
            assert botapi.message(OWNER, screen.message_id).edits == 0
            held.opened.set()
            await wait_until(lambda: botapi.message(OWNER, screen.message_id).edits == 1, what="the edit")
            # A screen that does not exist is not a plain answer: refused as before, after a read.
            asked = held.asked
            forged = botapi.press(OWNER, screen.message_id, "st:99")
            await wait_until(lambda: botapi.answer(forged).answered_at, what="the refusal")
            assert botapi.answer(forged).answer_text == "This button is no longer valid. Nothing was changed."
            assert held.asked > asked and botapi.message(OWNER, screen.message_id).edits == 1
        finally:
            held.opened.set()
            application.bot_data.db = store


async def test_logout_tap_answers_then_forgets_the_session(
    botapi: BotApiServer, settings: Settings, db: SessionFactory, signed_in: Account
) -> None:
    async with running_bot(settings):
        botapi.send_text(OWNER, "/logout")
        confirm = await wait_until(
            lambda: next((m for m in botapi.bot_messages(OWNER) if m.buttons), None), what="the confirmation"
        )
        query = botapi.press(OWNER, confirm.message_id, build(Op.LOGOUT_YES))
        await wait_until(lambda: botapi.answer(query).answered_at, what="the answer")
        await wait_until(lambda: botapi.message(OWNER, confirm.message_id).edits, what="the edit")
    async with db() as session:
        account = await session.get_one(Account, signed_in.id)
    assert account.session_state is None and account.session_status is SessionStatus.NONE


def test_tap_handlers_answer_through_the_tap() -> None:
    """`Tap.answer` takes the turn for the work after the answer; answering the query directly
    would let that work compete with the answers of a burst."""
    handlers = Path(__file__).parents[2] / "bot" / "handlers"
    direct = [path.name for path in sorted(handlers.glob("*.py")) if "tap.query.answer(" in path.read_text()]
    assert direct == []
