"""Owners only: pairing with the start-up code, and strangers refused politely and once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.models import Account
from bot.db.session import SessionFactory
from tests.botapi import BotApiServer
from tests.fixtures.botapi import OWNER, STRANGER, bot_settings, running_bot, wait_until

FIRST = 5001
SECOND = 5002


async def test_first_user_pairs_with_the_printed_code_and_nobody_after(
    botapi: BotApiServer,
    db_path: Path,
    db: SessionFactory,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = bot_settings(botapi, db_path, tmp_path, telegram_owner_ids=())
    async with running_bot(settings) as app:
        code = app.bot_data.pairing_code
        assert code is not None
        assert f"/start {code}" in capsys.readouterr().out

        botapi.send_text(FIRST, "/start WRONGCODE")
        await wait_until(lambda: botapi.bot_messages(FIRST), what="the wrong-code answer")
        assert "pairing code is not right" in (botapi.bot_messages(FIRST)[0].text or "")

        botapi.send_text(FIRST, f"/start {code.lower()}")
        await wait_until(lambda: len(botapi.bot_messages(FIRST)) == 2, what="the onboarding")
        assert "I keep your LinkedIn sent invitations healthy" in (botapi.bot_messages(FIRST)[1].text or "")

        botapi.send_text(SECOND, f"/start {code}")
        await wait_until(lambda: botapi.bot_messages(SECOND), what="the refusal")
        botapi.send_text(SECOND, "/status")
        botapi.send_text(FIRST, "/help")  # processed after SECOND's /status: a barrier for "no reply"
        await wait_until(lambda: len(botapi.bot_messages(FIRST)) == 3, what="the help")
        assert [m.text for m in botapi.bot_messages(SECOND)] == [
            "Sorry, this is a private assistant and it only works for its owner."
        ]

    async with db() as session:
        owners = (await session.scalars(select(Account.owner_telegram_id))).all()
    assert owners == [FIRST]

    # The pairing is stored: a restart knows the owner and prints no new code.
    async with running_bot(settings) as app:
        assert app.bot_data.pairing_code is None
        assert app.bot_data.owner_ids == {FIRST}
    assert "/start" not in capsys.readouterr().out


async def test_strangers_get_one_refusal_and_their_buttons_do_nothing(
    botapi: BotApiServer, db_path: Path, db: SessionFactory, owned: Account, tmp_path: Path
) -> None:
    async with running_bot(bot_settings(botapi, db_path, tmp_path)) as app:
        botapi.send_text(OWNER, "/settings")
        await wait_until(lambda: botapi.bot_messages(OWNER), what="the settings screen")
        settings_message = botapi.bot_messages(OWNER)[0]

        botapi.send_text(STRANGER, "/status")
        await wait_until(lambda: botapi.bot_messages(STRANGER), what="the refusal")
        # A stranger pressing the owner's button (a forwarded message, or forged data) is refused.
        query = botapi.press(OWNER, settings_message.message_id, "sv:8:1", user_id=STRANGER)
        await wait_until(lambda: botapi.answer(query).answered_at, what="the answer")
        botapi.send_text(STRANGER, "/pending")
        botapi.send_text(OWNER, "/help")
        await wait_until(lambda: len(botapi.bot_messages(OWNER)) == 2, what="the owner's help")

        assert len(botapi.bot_messages(STRANGER)) == 1
        assert botapi.message(OWNER, settings_message.message_id).edits == 0
        assert app.bot_data.refused_users == {STRANGER}
    async with db() as session:
        assert (await session.get_one(Account, owned.id)).language == "en"  # "sv:8:1" would be Dutch
