"""Telegram's 429 Too Many Requests: the bot waits `retry_after`, retries, and loses nothing."""

from __future__ import annotations

from bot.db.models import Account
from bot.settings import Settings
from tests.botapi import BotApiServer
from tests.fixtures.botapi import OWNER, running_bot, wait_until


async def test_429_is_waited_out_and_every_reply_arrives_once(
    botapi: BotApiServer, settings: Settings, owned: Account
) -> None:
    async with running_bot(settings):
        botapi.send_text(OWNER, "/settings")
        screen = await wait_until(lambda: next(iter(botapi.bot_messages(OWNER)), None), what="settings")

        botapi.fail_next("sendMessage", retry_after=1, times=2)
        botapi.fail_next("answerCallbackQuery", retry_after=1)
        botapi.fail_next("editMessageText", retry_after=1)
        for command in ("/help", "/status", "/queue"):
            botapi.send_text(OWNER, command)
        query = botapi.tap(OWNER, "Language", message_id=screen.message_id)

        await wait_until(lambda: len(botapi.bot_messages(OWNER)) == 4, within=20, what="three replies")
        await wait_until(lambda: botapi.answer(query).answered_at, within=20, what="the answer")
        await wait_until(
            lambda: botapi.message(OWNER, screen.message_id).edits == 1, within=20, what="the edit"
        )

    texts = [m.text or "" for m in botapi.bot_messages(OWNER)[1:]]
    assert [t.split("\n")[0] for t in texts] == [
        "What I can do",
        "0 / 500 pending (0%)",
        "The queue is empty.",
    ]
    assert [c.status for c in botapi.calls_of("sendMessage")].count(429) == 2
    assert [c.status for c in botapi.calls_of("answerCallbackQuery")] == [429, 200]
    assert [c.status for c in botapi.calls_of("editMessageText")] == [429, 200]
    assert "Language" in (botapi.message(OWNER, screen.message_id).text or "")
