"""The bot against a Bot API that answers 429, 5xx, slowly or not at all: nothing twice, nothing lost
in silence, and one WARNING line per fault instead of a traceback."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.models import Account, DigestSent
from bot.db.session import SessionFactory
from bot.services.clock import FrozenClock
from bot.settings import Settings
from sandbox import SandboxServer
from tests.bot.conftest import ClientFactory
from tests.bot.seed import seed_pending
from tests.botapi import BotApiServer, ChatMessage, FaultKind
from tests.fixtures.botapi import OWNER, run_job, running_bot, wait_until

DIGEST = "Your weekly invitation digest"
UNCONFIRMED = "Telegram did not confirm that the digest arrived."
CARD = ["Withdraw", "Keep"]


def _digests(botapi: BotApiServer) -> int:
    return sum(1 for m in botapi.bot_messages(OWNER) if (m.text or "").startswith(DIGEST))


def _with_text(botapi: BotApiServer, part: str) -> ChatMessage | None:
    return next((m for m in botapi.bot_messages(OWNER) if part in (m.text or "")), None)


def _no_tracebacks(caplog: pytest.LogCaptureFixture) -> bool:
    return "Traceback" not in caplog.text and all(r.exc_info is None for r in caplog.records)


async def _barrier(botapi: BotApiServer) -> None:
    """Wait until the bot has answered a /help sent now (work started before it has begun too)."""
    before = sum("What I can do" in (m.text or "") for m in botapi.bot_messages(OWNER))
    botapi.send_text(OWNER, "/help")
    await wait_until(
        lambda: sum("What I can do" in (m.text or "") for m in botapi.bot_messages(OWNER)) > before,
        within=20,
        what="/help",
    )


# The summary is the first message the bot sends at start-up: the armed fault meets it.
WEEKLY_FAULTS: list[tuple[str, dict[str, Any], int, bool]] = [
    # (name, fault, digests in the chat, "not confirmed" note)
    ("429", {"kind": FaultKind.TOO_MANY_REQUESTS, "retry_after": 1}, 1, False),
    ("5xx", {"kind": FaultKind.ERROR, "status": 502, "times": 2}, 1, False),
    ("delay", {"kind": FaultKind.DELAY, "seconds": 6.0}, 1, True),  # past PTB's 5 s read timeout
    ("drop-after", {"kind": FaultKind.DROP_AFTER}, 1, True),
    ("drop-before", {"kind": FaultKind.DROP_BEFORE}, 0, True),
]


@pytest.mark.parametrize(
    ("fault", "digests", "noted"), [f[1:] for f in WEEKLY_FAULTS], ids=[f[0] for f in WEEKLY_FAULTS]
)
async def test_the_weekly_digest_is_never_sent_twice_under_a_fault(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    account: Account,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
    fault: dict[str, Any],
    digests: int,
    noted: bool,
) -> None:
    # The account's digest is Monday 09:00 UTC and "now" is Tuesday: due at start-up.
    await seed_pending(db, account, clock(), [75, 120, 200])
    fault = dict(fault)
    botapi.inject("sendMessage", fault.pop("kind"), **fault)
    with caplog.at_level(logging.INFO):
        async with running_bot(settings, clock=clock) as app:
            # The start-up scan may be skipped on a busy machine (APScheduler's misfire grace):
            # scan now as well; the week's claim lets only one of them send.
            await run_job(app, "weekly-digest")
            await wait_until(
                lambda: len([m for m in botapi.bot_messages(OWNER) if m.button_texts == CARD]) == 3,
                within=30,
                what="the digest's cards",
            )
            if noted:
                await wait_until(lambda: _with_text(botapi, UNCONFIRMED), what="the note")
            for _ in range(2):  # later scans, then a restart: the week stays claimed
                await run_job(app, "weekly-digest")
                await _barrier(botapi)
        async with running_bot(settings, clock=clock) as app:
            await run_job(app, "weekly-digest")
            await _barrier(botapi)

    assert _digests(botapi) == digests
    assert len([m for m in botapi.bot_messages(OWNER) if m.button_texts == CARD]) == 3  # once each
    assert bool(_with_text(botapi, UNCONFIRMED)) is noted
    async with db() as session:
        claims = (await session.scalars(select(DigestSent))).all()
    assert [c.iso_week for c in claims] == ["2026-W48"]
    assert (claims[0].message_id is not None) is (not noted)
    assert _no_tracebacks(caplog)


async def test_a_weekly_digest_telegram_certainly_did_not_take_is_sent_by_the_next_scan(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    account: Account,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await seed_pending(db, account, clock(), [120])
    botapi.inject(
        "sendMessage", FaultKind.ERROR, status=403, description="Forbidden: bot was blocked by the user"
    )
    with caplog.at_level(logging.INFO):
        async with running_bot(settings, clock=clock) as app:
            await run_job(app, "weekly-digest")  # (the start-up scan may be skipped on a busy machine)
            await wait_until(lambda: botapi.calls_of("sendMessage"), what="the refused digest")
            for _ in range(500):  # until the claim is released (polling the store, not sleeping blind)
                async with db() as session:
                    if not (await session.scalars(select(DigestSent))).all():
                        break
                await asyncio.sleep(0.02)
            else:
                raise AssertionError("the claim of the refused digest was never released")
            assert _digests(botapi) == 0
            await run_job(app, "weekly-digest")
            await wait_until(lambda: _digests(botapi) == 1, what="the digest, sent again")
            await run_job(app, "weekly-digest")
            await _barrier(botapi)
    assert _digests(botapi) == 1
    assert _no_tracebacks(caplog)


@pytest.mark.parametrize("kind", [FaultKind.ERROR, FaultKind.DROP_BEFORE])
async def test_digest_on_demand_arrives_when_its_first_reply_fails(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    owned: Account,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
    kind: FaultKind,
) -> None:
    await seed_pending(db, owned, clock(), [120])
    with caplog.at_level(logging.INFO):
        async with running_bot(settings, clock=clock):
            botapi.inject("sendMessage", kind, status=502)  # meets "Checking LinkedIn…"
            botapi.send_text(OWNER, "/digest")
            await wait_until(lambda: _digests(botapi) == 1, within=20, what="the digest")
            await wait_until(
                lambda: [m for m in botapi.bot_messages(OWNER) if m.button_texts == CARD], what="its card"
            )
    working = _with_text(botapi, "Checking LinkedIn")
    assert (working is not None) is (kind is FaultKind.ERROR)  # a 5xx is retried; a drop is not
    assert _no_tracebacks(caplog)


async def test_a_refused_over_long_reply_arrives_in_plain_parts(
    botapi: BotApiServer, settings: Settings, owned: Account, caplog: pytest.LogCaptureFixture
) -> None:
    name = "Zed " * 1020  # the reply quotes it, which takes it past Telegram's 4096 characters
    with caplog.at_level(logging.INFO):
        async with running_bot(settings):
            botapi.send_text(OWNER, f"/keep {name}")
            parts = await wait_until(
                lambda: len(botapi.bot_messages(OWNER)) == 2 and botapi.bot_messages(OWNER)
            )
    joined = "".join(m.text or "" for m in parts)
    assert joined.startswith('Nobody called "Zed Zed') and joined.endswith('" among your invitations.')
    assert [c.status for c in botapi.calls_of("sendMessage")] == [400, 200, 200]
    assert _no_tracebacks(caplog)


async def test_a_refusal_outside_the_delivery_path_is_told_not_swallowed(
    botapi: BotApiServer, settings: Settings, owned: Account, caplog: pytest.LogCaptureFixture
) -> None:
    description = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    with caplog.at_level(logging.INFO):
        async with running_bot(settings):
            botapi.send_text(OWNER, "/settings")
            screen = await wait_until(lambda: next(iter(botapi.bot_messages(OWNER)), None), what="settings")
            botapi.inject("answerCallbackQuery", FaultKind.ERROR, status=400, description=description)
            botapi.tap(OWNER, "Language", message_id=screen.message_id)
            notice = await wait_until(
                lambda: _with_text(botapi, "Telegram refused a reply"), what="the notice"
            )
    assert "Query is too old" in (notice.text or "")
    assert _no_tracebacks(caplog)
    assert any(r.levelno == logging.WARNING and "refused" in r.getMessage() for r in caplog.records)


async def test_the_withdrawal_outcome_lands_on_its_card_after_a_502(
    botapi: BotApiServer,
    settings: Settings,
    signed_in: Account,
    sandbox: SandboxServer,
    fake_clients: ClientFactory,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO):
        async with running_bot(settings, linkedin_client_factory=fake_clients, clock=clock) as app:
            botapi.send_text(OWNER, "/digest")
            card = await wait_until(
                lambda: next((m for m in botapi.bot_messages(OWNER) if m.button_texts == CARD), None),
                within=60,
                what="a card",
            )

            def shown() -> ChatMessage:
                return botapi.message(OWNER, card.message_id)

            botapi.tap(OWNER, "Withdraw", message_id=card.message_id)
            await wait_until(lambda: "Yes, withdraw" in shown().button_texts, what="the confirmation")
            botapi.tap(OWNER, "Yes, withdraw", message_id=card.message_id)
            await wait_until(lambda: shown().button_texts == ["Undo"], what="[Undo]")

            botapi.inject("editMessageText", FaultKind.ERROR, status=502, times=2)
            clock.advance(timedelta(seconds=11))
            await run_job(app, "action-worker")
            await wait_until(
                lambda: (shown().text or "").startswith("✅ Withdrawn"), within=30, what="the outcome"
            )
    assert shown().buttons == []
    statuses = [c.status for c in botapi.calls_of("editMessageText")]
    assert statuses[-3:] == [502, 502, 200]
    retries = [r for r in caplog.records if r.name == "bot.delivery" and "retrying" in r.getMessage()]
    assert len(retries) == 2 and all(r.levelno == logging.WARNING for r in retries)
    assert _no_tracebacks(caplog)
