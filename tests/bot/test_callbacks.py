"""Buttons are answered, and forged, malformed, replayed and other owners' taps change nothing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot.db.models import Account, Action, Invitation, InvitationState, Person
from bot.db.session import SessionFactory
from bot.services.clock import FrozenClock
from tests.bot.seed import seed_pending
from tests.botapi import BotApiServer
from tests.fixtures.botapi import OWNER, bot_settings, running_bot, wait_until

OTHER_OWNER = 2002
INVALID = "This button is no longer valid. Nothing was changed."


async def _action_count(db: SessionFactory) -> int:
    async with db() as session:
        return int(await session.scalar(select(func.count()).select_from(Action)) or 0)


async def test_forged_malformed_replayed_and_foreign_taps_change_nothing(
    botapi: BotApiServer,
    db_path: Path,
    db: SessionFactory,
    owned: Account,
    tmp_path: Path,
    clock: FrozenClock,
) -> None:
    async with db.begin() as session:
        other = Account(name="other", owner_telegram_id=OTHER_OWNER, chat_id=OTHER_OWNER, digest_weekday=6)
        session.add(other)
    (mine,) = await seed_pending(db, owned, clock(), [100])
    (theirs,) = await seed_pending(db, other, clock(), [120], prefix="o")
    settings = bot_settings(botapi, db_path, tmp_path, telegram_owner_ids=(OWNER, OTHER_OWNER))

    async with running_bot(settings, clock=clock):
        botapi.send_text(OWNER, "/pending")
        card = await wait_until(
            lambda: next((m for m in botapi.bot_messages(OWNER) if m.buttons), None), what="the card"
        )

        async def press(data: str) -> str | None:
            query = botapi.press(OWNER, card.message_id, data)
            await wait_until(lambda: botapi.answer(query).answered_at, what=f"the answer to {data!r}")
            return botapi.answer(query).answer_text

        # Malformed and unknown data: refused with an explanation.
        for data in ("wd:abc", "zz:1", "wd:1:2", "wd:" + "9" * 17, "st:99"):
            assert await press(data) == INVALID, data
        # Forged ids: a row that does not exist, and another owner's invitation and settings.
        assert await press("wd:999999") == INVALID
        assert await press(f"wy:{theirs.id}") == INVALID
        assert await press(f"kp:{theirs.id}") == INVALID
        assert botapi.message(OWNER, card.message_id).edits == 0
        assert await _action_count(db) == 0

        # A real withdrawal request, then the same [Yes] replayed: still one action.
        assert await press(f"wy:{mine.id}") is None
        await wait_until(lambda: botapi.message(OWNER, card.message_id).button_texts == ["Undo"], what="Undo")
        assert await press(f"wy:{mine.id}") is None
        assert await _action_count(db) == 1

        # Once the invitation is closed, its old buttons say so and change nothing.
        async with db.begin() as session:
            (await session.get_one(Invitation, mine.id)).state = InvitationState.WITHDRAWN
        edits = botapi.message(OWNER, card.message_id).edits
        for replay in (f"wd:{mine.id}", f"wn:{mine.id}", f"kp:{mine.id}"):
            assert await press(replay) == "Already done: this invitation is no longer pending.", replay
        assert botapi.message(OWNER, card.message_id).edits == edits
        async with db() as session:
            person = await session.get_one(Person, (await session.get_one(Invitation, mine.id)).person_id)
            assert not person.keep  # the replayed [Keep] did not keep-list anyone
        # Non-ASCII digits that int() would read as this very invitation's id are refused.
        arabic = str(mine.id).translate({ord(d): chr(0x0660 + int(d)) for d in "0123456789"})
        assert await press(f"kp:{arabic}") == INVALID

    async with db() as session:
        untouched = await session.get_one(Invitation, theirs.id)
        assert untouched.state is InvitationState.PENDING
        assert (await session.get_one(Account, other.id)).language == "en"
    assert botapi.messages(OTHER_OWNER) == []
