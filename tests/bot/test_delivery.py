"""The one send/edit path against our Bot API over real HTTP: retries, refusals, ambiguity, notices."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Defaults, ExtBot
from telegram.request import HTTPXRequest

from bot.delivery import Delivery, Receipt, RetryPolicy, Status, plain_text, split_text
from bot.rendering import Renderer
from tests.botapi import BotApiServer, FaultKind
from tests.fixtures.botapi import OWNER

READ_TIMEOUT = 0.5
FAST = RetryPolicy(attempts=3, first_delay=0.05)
MARKUP = InlineKeyboardMarkup([[InlineKeyboardButton("Undo", callback_data="un:1")]])
UNDELIVERED = "A message could not be delivered"


def _bot(base_url: str, token: str) -> ExtBot[None]:
    """A bot configured like the application's: HTML by default, PTB's rate limiter, a short read timeout."""
    return ExtBot(
        token,
        base_url=base_url,
        request=HTTPXRequest(read_timeout=READ_TIMEOUT),
        defaults=Defaults(parse_mode=ParseMode.HTML),
        rate_limiter=AIORateLimiter(max_retries=3),
    )


@pytest.fixture
async def delivery(botapi: BotApiServer) -> AsyncIterator[Delivery]:
    async with _bot(botapi.base_url, botapi.token) as bot:
        yield Delivery(bot, Renderer(), policy=FAST)


def _statuses(botapi: BotApiServer, method: str) -> list[int]:
    return [c.status for c in botapi.calls_of(method)]


def _texts(botapi: BotApiServer) -> list[str]:
    return [m.text or "" for m in botapi.bot_messages(OWNER)]


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and r.name == "bot.delivery"
    ]


def _no_tracebacks(caplog: pytest.LogCaptureFixture) -> bool:
    return "Traceback" not in caplog.text and all(r.exc_info is None for r in caplog.records)


async def test_5xx_is_retried_with_one_warning_per_fault(
    botapi: BotApiServer, delivery: Delivery, caplog: pytest.LogCaptureFixture
) -> None:
    botapi.inject("sendMessage", FaultKind.ERROR, status=502, times=1)
    botapi.inject("sendMessage", FaultKind.ERROR, status=503, times=1)
    with caplog.at_level(logging.INFO):
        receipt = await delivery.send(OWNER, "<b>hello</b>", markup=MARKUP)
    assert receipt.status is Status.DELIVERED
    assert _statuses(botapi, "sendMessage") == [502, 503, 200]
    (message,) = botapi.bot_messages(OWNER)
    assert (message.text, message.button_texts, message.message_id) == ("hello", ["Undo"], receipt.message_id)
    warnings = _warnings(caplog)
    assert len(warnings) == 2 and all("retrying" in w for w in warnings), warnings
    assert _no_tracebacks(caplog)


async def test_429_is_left_to_ptbs_rate_limiter(
    botapi: BotApiServer, delivery: Delivery, caplog: pytest.LogCaptureFixture
) -> None:
    botapi.fail_next("sendMessage", retry_after=1)
    with caplog.at_level(logging.INFO):
        receipt = await delivery.send(OWNER, "after the flood wait")
    assert receipt.delivered
    assert _statuses(botapi, "sendMessage") == [429, 200]  # one wait, one retry: not doubled up
    assert _texts(botapi) == ["after the flood wait"]
    assert _no_tracebacks(caplog)


@pytest.mark.parametrize(
    ("kind", "arrived"),
    [(FaultKind.DROP_BEFORE, False), (FaultKind.DROP_AFTER, True), (FaultKind.DELAY, True)],
)
async def test_a_send_without_an_answer_is_never_repeated(
    botapi: BotApiServer,
    delivery: Delivery,
    caplog: pytest.LogCaptureFixture,
    kind: FaultKind,
    arrived: bool,
) -> None:
    botapi.inject("sendMessage", kind, seconds=READ_TIMEOUT * 3)
    with caplog.at_level(logging.INFO):
        receipt = await delivery.send(OWNER, "maybe")
    assert receipt == Receipt(Status.UNCERTAIN)
    assert len(botapi.calls_of("sendMessage")) == 1
    assert _texts(botapi) == (["maybe"] if arrived else [])
    (warning,) = _warnings(caplog)
    assert "not sent again" in warning
    assert _no_tracebacks(caplog)


@pytest.mark.parametrize("kind", [FaultKind.DROP_BEFORE, FaultKind.DROP_AFTER, FaultKind.ERROR])
async def test_an_edit_is_retried_through_drops_and_5xx(
    botapi: BotApiServer, delivery: Delivery, caplog: pytest.LogCaptureFixture, kind: FaultKind
) -> None:
    sent = await delivery.send(OWNER, "Withdraw Jane?", markup=MARKUP)
    assert sent.message_id is not None
    botapi.inject("editMessageText", kind, status=502)
    with caplog.at_level(logging.INFO):
        receipt = await delivery.edit(OWNER, sent.message_id, "✅ Withdrawn: Jane.")
    assert receipt == Receipt(Status.DELIVERED, sent.message_id)
    shown = botapi.message(OWNER, sent.message_id)
    assert (shown.text, shown.buttons) == ("✅ Withdrawn: Jane.", [])
    assert len(_statuses(botapi, "editMessageText")) == 2
    assert len(botapi.bot_messages(OWNER)) == 1
    assert _no_tracebacks(caplog)


async def test_an_identical_edit_is_done_and_an_edit_of_a_deleted_message_is_sent_anew(
    botapi: BotApiServer, delivery: Delivery
) -> None:
    sent = await delivery.send(OWNER, "same")
    assert sent.message_id is not None
    assert (await delivery.edit(OWNER, sent.message_id, "same")).delivered
    assert _statuses(botapi, "editMessageText") == [400]
    async with _bot(botapi.base_url, botapi.token) as bot:
        await bot.delete_message(OWNER, sent.message_id)
    receipt = await delivery.edit(OWNER, sent.message_id, "the outcome", markup=MARKUP)
    assert receipt.delivered and receipt.message_id != sent.message_id
    assert [(m.text, m.button_texts) for m in botapi.bot_messages(OWNER)] == [("the outcome", ["Undo"])]


async def test_an_edit_that_keeps_failing_is_told_to_the_owner(
    botapi: BotApiServer, delivery: Delivery, caplog: pytest.LogCaptureFixture
) -> None:
    sent = await delivery.send(OWNER, "Withdraw Jane?")
    assert sent.message_id is not None
    botapi.inject("editMessageText", FaultKind.ERROR, status=500, times=FAST.attempts)
    with caplog.at_level(logging.INFO):
        receipt = await delivery.edit(OWNER, sent.message_id, "done")
    assert receipt.status is Status.FAILED
    assert _statuses(botapi, "editMessageText") == [500] * FAST.attempts
    notice = _texts(botapi)[-1]
    assert notice.startswith(UNDELIVERED) and "Error 500" in notice
    assert sum("failed for good" in w for w in _warnings(caplog)) == 1
    assert _no_tracebacks(caplog)


async def test_a_refused_connection_is_retried_then_given_up_without_a_traceback(
    botapi: BotApiServer, delivery: Delivery, caplog: pytest.LogCaptureFixture
) -> None:
    botapi.stop()  # nobody listens on its port any more: every connection is refused
    with caplog.at_level(logging.INFO):
        receipt = await delivery.send(OWNER, "into the void")
    assert receipt.status is Status.FAILED
    warnings = _warnings(caplog)
    assert sum("retrying" in w for w in warnings) == FAST.attempts - 1 + 1  # and the notice's one retry
    assert any("could not tell" in w for w in warnings)
    assert _no_tracebacks(caplog)


async def test_an_over_long_reply_arrives_as_plain_text_in_parts(
    botapi: BotApiServer, delivery: Delivery
) -> None:
    lines = [f"<b>Person {i}</b> &amp; co · {'x' * 90}" for i in range(100)]
    receipt = await delivery.send(OWNER, "\n".join(lines), markup=MARKUP)
    assert receipt.delivered
    parts = botapi.bot_messages(OWNER)
    assert len(parts) == 3 and all(len(p.text or "") <= 4096 for p in parts)
    assert "\n".join(p.text or "" for p in parts) == plain_text("\n".join(lines))
    assert [p.button_texts for p in parts] == [[], [], ["Undo"]]
    assert receipt.message_id == parts[-1].message_id
    assert _statuses(botapi, "sendMessage") == [400, 200, 200, 200]


async def test_unparsable_html_arrives_as_plain_text(botapi: BotApiServer, delivery: Delivery) -> None:
    receipt = await delivery.send(OWNER, "<b>Jane <Doe></b> & co", markup=MARKUP)
    assert receipt.delivered
    (message,) = botapi.bot_messages(OWNER)
    assert (message.text, message.button_texts) == ("Jane  & co", ["Undo"])
    assert "parse_mode" not in botapi.calls_of("sendMessage")[-1].params


async def test_another_refusal_becomes_a_notice_with_telegrams_reason(
    botapi: BotApiServer, delivery: Delivery
) -> None:
    botapi.inject("sendMessage", FaultKind.ERROR, status=400, description="Bad Request: BUTTON_DATA_INVALID")
    receipt = await delivery.send(OWNER, "a card", markup=MARKUP)
    assert receipt.status is Status.FAILED
    assert _texts(botapi) == [
        "Telegram refused a reply: “Button_data_invalid”. Nothing else was changed; "
        "the bot's log has the details."
    ]


async def test_a_refused_file_is_named_and_a_refused_caption_follows_its_file(
    botapi: BotApiServer, delivery: Delivery
) -> None:
    refused = await delivery.send_document(OWNER, b"", "invitesweep.csv", caption="0 invitations")
    assert refused.status is Status.FAILED
    assert _texts(botapi) == [
        "Telegram refused the file invitesweep.csv: “File must be non-empty”. Nothing else was changed."
    ]
    long_caption = "<b>Export</b> " + "y" * 1100
    botapi.inject(
        "sendDocument", FaultKind.ERROR, status=400, description="Bad Request: message caption is too long"
    )
    receipt = await delivery.send_document(OWNER, b"a,b\n", "export.csv", caption=long_caption)
    assert receipt.delivered
    document, caption = botapi.bot_messages(OWNER)[-2:]
    assert document.document == ("export.csv", b"a,b\n") and document.caption is None
    assert caption.text == plain_text(long_caption)


def test_split_text_cuts_at_lines_and_counts_like_telegram() -> None:
    assert split_text("a\nb\nc", limit=3) == ["a\nb", "c"]
    assert split_text("abcdefg", limit=3) == ["abc", "def", "g"]
    emoji = "😀" * 3  # two UTF-16 code units each, as Telegram counts
    assert split_text(emoji, limit=4) == ["😀😀", "😀"]
    assert all(part for part in split_text("\n\n\nx\n\n", limit=2))
