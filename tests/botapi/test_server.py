"""The fake Bot API behaves like Telegram's where the bot depends on it, over real HTTP with PTB."""

from __future__ import annotations

import httpx
import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter, Application, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.botapi import DROPPED, BotApiServer, FaultKind
from tests.fixtures.botapi import wait_until

USER = 4242


def _app(botapi: BotApiServer, *, rate_limiter: bool = False) -> Application:  # type: ignore[type-arg]
    builder = Application.builder().token(botapi.token).base_url(botapi.base_url)
    if rate_limiter:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=2))
    return builder.build()


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ping", callback_data="ping:1")]])
    await update.effective_message.reply_text(
        f"<b>hi</b> {context.args}", reply_markup=keyboard, parse_mode="HTML"
    )


async def _button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("pong")
    await query.edit_message_text(f"pressed {query.data} by {query.from_user.id}")


async def test_polling_bot_receives_commands_and_button_taps(botapi: BotApiServer) -> None:
    app = _app(botapi)
    app.add_handler(CommandHandler("start", _echo))
    app.add_handler(CallbackQueryHandler(_button))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=5)
        botapi.send_text(USER, "/start abc")
        await wait_until(lambda: botapi.bot_messages(USER), what="the reply")
        reply = botapi.bot_messages(USER)[0]
        assert reply.text == "hi ['abc']"
        assert reply.button_texts == ["Ping"]

        query_id = botapi.tap(USER, "Ping", user_id=USER + 1)
        await wait_until(lambda: botapi.answer(query_id).answered_at, what="the answer")
        await wait_until(lambda: botapi.message(USER, reply.message_id).edits, what="the edit")
        assert botapi.answer(query_id).answer_text == "pong"
        assert botapi.message(USER, reply.message_id).text == f"pressed ping:1 by {USER + 1}"
        assert botapi.message(USER, reply.message_id).buttons == []
        await app.updater.stop()
        await app.stop()


async def test_telegram_like_errors(botapi: BotApiServer) -> None:
    app = _app(botapi)
    async with app:
        me = await app.bot.get_me()
        assert me.is_bot
        sent = await app.bot.send_message(USER, "same")
        with pytest.raises(BadRequest, match="not modified"):
            await app.bot.edit_message_text("same", chat_id=USER, message_id=sent.message_id)
        with pytest.raises(BadRequest, match="(?i)can't parse entities"):
            await app.bot.send_message(USER, "<b>open", parse_mode="HTML")
        with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
            markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x" * 65)]])
            await app.bot.send_message(USER, "too long data", reply_markup=markup)
        assert await app.bot.delete_message(USER, sent.message_id)
        with pytest.raises(BadRequest, match="not found"):
            await app.bot.delete_message(USER, sent.message_id)


async def test_uploads_are_kept(botapi: BotApiServer) -> None:
    app = _app(botapi)
    async with app:
        await app.bot.send_document(USER, InputFile(b"a,b\n1,2\n", filename="export.csv"), caption="csv")
        await app.bot.send_photo(USER, b"\x89PNG\r\n\x1a\nrest")
    document, photo = botapi.bot_messages(USER)
    assert document.document == ("export.csv", b"a,b\n1,2\n")
    assert document.caption == "csv"
    assert photo.photo is not None and photo.photo.startswith(b"\x89PNG")


async def test_429_once_then_the_retry_goes_through(botapi: BotApiServer) -> None:
    botapi.fail_next("sendMessage", retry_after=1)
    async with _app(botapi, rate_limiter=True) as app:
        await app.bot.send_message(USER, "eventually")
    statuses = [c.status for c in botapi.calls_of("sendMessage")]
    assert statuses == [429, 200]
    assert [m.text for m in botapi.bot_messages(USER)] == ["eventually"]


async def test_429_surfaces_without_a_rate_limiter(botapi: BotApiServer) -> None:
    botapi.fail_next("sendMessage", retry_after=3)
    async with _app(botapi) as app:
        with pytest.raises(RetryAfter):
            await app.bot.send_message(USER, "no")


def test_wrong_token_is_unauthorized(botapi: BotApiServer) -> None:
    response = httpx.post(f"{botapi.base_url}wrong/getMe")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_fault_switch_each_fault_as_the_bot_meets_it(botapi: BotApiServer) -> None:
    """5xx and refusals change nothing; a drop before does nothing; a drop after and a delay do."""
    botapi.inject("sendMessage", FaultKind.ERROR, status=502)
    botapi.inject("sendMessage", FaultKind.ERROR, status=400, description="Bad Request: chat not found")
    botapi.inject("sendMessage", FaultKind.DROP_BEFORE)
    botapi.inject("sendMessage", FaultKind.DROP_AFTER)
    botapi.inject("sendMessage", FaultKind.DELAY, seconds=1.5)
    builder = Application.builder().token(botapi.token).base_url(botapi.base_url).read_timeout(0.5)
    async with builder.build() as app:
        with pytest.raises(NetworkError, match="Bad Gateway") as bad_gateway:
            await app.bot.send_message(USER, "502")
        assert not isinstance(bad_gateway.value, BadRequest)
        with pytest.raises(BadRequest, match="(?i)chat not found"):
            await app.bot.send_message(USER, "400")
        with pytest.raises(NetworkError, match="disconnected without sending a response"):
            await app.bot.send_message(USER, "dropped before")
        with pytest.raises(NetworkError, match="disconnected without sending a response"):
            await app.bot.send_message(USER, "dropped after")
        with pytest.raises(TimedOut):
            await app.bot.send_message(USER, "slow")
        await app.bot.send_message(USER, "fine again")
    statuses = [c.status for c in botapi.calls_of("sendMessage")]
    assert statuses[:4] == [502, 400, DROPPED, DROPPED]
    assert [m.text for m in botapi.bot_messages(USER)] == ["dropped after", "slow", "fine again"]


async def test_an_empty_file_is_refused(botapi: BotApiServer) -> None:
    async with _app(botapi) as app:
        with pytest.raises(BadRequest, match="(?i)file must be non-empty"):
            await app.bot.send_document(USER, InputFile(b"", filename="empty.csv"))
    assert botapi.bot_messages(USER) == []
