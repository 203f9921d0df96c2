"""Active hours in Telegram: /settings changes them, a tap outside them says when it will run."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.callback_data import Op, build
from bot.db.models import Account, Action, ActionState
from bot.db.session import SessionFactory
from bot.handlers.preferences import PREFERENCES
from bot.services.clock import FrozenClock
from bot.services.rhythm import EVERY_DAY, WEEKDAYS
from bot.settings import Settings
from tests.bot.seed import seed_pending
from tests.botapi import BotApiServer
from tests.fixtures.botapi import OWNER, running_bot, wait_until

SATURDAY = datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
PRODUCT_DEFAULTS = {
    "active_weekdays": WEEKDAYS,
    "active_from_hour": 9,
    "active_until_hour": 18,
    "spread_work": True,
}


async def _product_defaults(db: SessionFactory, account: Account, language: str = "en") -> None:
    async with db.begin() as session:
        row = await session.get_one(Account, account.id)
        for name, value in PRODUCT_DEFAULTS.items():
            setattr(row, name, value)
        row.language = language


async def _account(db: SessionFactory, account: Account) -> Account:
    async with db() as session:
        return await session.get_one(Account, account.id)


@pytest.mark.parametrize(
    ("language", "waits", "hours", "queue_hours", "undo"),
    [
        ("en", "Monday at", "Mon–Fri 09:00–18:00", "Active hours: Mon–Fri 09:00–18:00 (UTC)", "Undo"),
        ("nl", "maandag om", "ma–vr 09:00–18:00", "Actieve uren: ma–vr 09:00–18:00 (UTC)", "Ongedaan maken"),
    ],
)
async def test_a_tap_on_saturday_waits_for_monday_and_says_so(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    owned: Account,
    language: str,
    waits: str,
    hours: str,
    queue_hours: str,
    undo: str,
) -> None:
    await _product_defaults(db, owned, language)
    clock = FrozenClock(SATURDAY)
    await seed_pending(db, owned, clock(), [95])
    async with running_bot(settings, clock=clock):
        botapi.send_text(OWNER, "/pending")
        card = await wait_until(
            lambda: botapi.message_with_button(OWNER, "Withdraw" if language == "en" else "Intrekken"),
            what="the card",
        )
        botapi.press(OWNER, card.message_id, card.buttons[0].callback_data or "")
        confirmation = await wait_until(
            lambda: (m := botapi.message(OWNER, card.message_id)).edits == 1 and m, what="the confirmation"
        )
        botapi.press(OWNER, card.message_id, confirmation.buttons[0].callback_data or "")
        queued = await wait_until(
            lambda: (m := botapi.message(OWNER, card.message_id)).edits == 2 and m, what="queued"
        )
        async with db() as session:
            action = (await session.execute(select(Action))).scalar_one()
        at = action.not_before.strftime("%H:%M")
        text = queued.text or ""
        assert f"{waits} {at}" in text, text
        assert hours in text
        assert "10" not in text.split(at)[0]  # no "in 10 seconds": it does not run after Undo
        assert queued.button_texts == [undo]  # Undo works until it starts
        assert action.state is ActionState.QUEUED and action.not_before.weekday() == 0
        assert 9 <= action.not_before.hour < 18

        botapi.send_text(OWNER, "/queue")
        listing = await wait_until(
            lambda: next((m for m in botapi.bot_messages(OWNER) if queue_hours in (m.text or "")), None),
            what="/queue",
        )
        assert f"{waits} {at}" in (listing.text or "")
        assert "UTC\n" not in (listing.text or "").split(queue_hours)[1]  # times on the account's clock


async def test_settings_show_and_change_active_hours_and_refuse_a_window_across_midnight(
    botapi: BotApiServer, settings: Settings, db: SessionFactory, owned: Account, clock: FrozenClock
) -> None:
    await _product_defaults(db, owned)
    index = next(i for i, p in enumerate(PREFERENCES) if p.name == "active_hours")
    every_day = next(
        n
        for n, c in enumerate(PREFERENCES[index].choices)
        if c["active_weekdays"] == EVERY_DAY and c["spread_work"]
    )
    async with running_bot(settings, clock=clock):
        botapi.send_text(OWNER, "/settings")
        screen = await wait_until(
            lambda: next((m for m in botapi.bot_messages(OWNER) if len(m.buttons) == len(PREFERENCES)), None),
            what="the settings screen",
        )
        assert "Active hours: Mon–Fri 09:00–18:00" in (screen.text or "")

        botapi.send_text(OWNER, "/settings active_hours 18-9")
        refused = await wait_until(
            lambda: next((m for m in botapi.bot_messages(OWNER) if "Not saved" in (m.text or "")), None),
            what="the refusal",
        )
        assert "must end after they start" in (refused.text or "")
        assert (await _account(db, owned)).active_until_hour == 18  # nothing changed

        botapi.send_text(OWNER, "/settings active_days sat,sun")
        await wait_until(
            lambda: any((m.text or "") == "Saved." for m in botapi.bot_messages(OWNER)), what="saved"
        )
        assert (await _account(db, owned)).active_weekdays == 0b1100000

        botapi.press(OWNER, screen.message_id, build(Op.SET, index, every_day))
        redrawn = await wait_until(
            lambda: (m := botapi.message(OWNER, screen.message_id)).edits >= 1 and m, what="the new value"
        )
        chosen = PREFERENCES[index].choices[every_day]
        assert f"Active hours: every day {chosen['active_from_hour']:02d}:00–" in (redrawn.text or "")
    stored = await _account(db, owned)
    assert (
        stored.active_weekdays,
        stored.active_from_hour,
        stored.active_until_hour,
        stored.spread_work,
    ) == (
        EVERY_DAY,
        chosen["active_from_hour"],
        chosen["active_until_hour"],
        True,
    )
