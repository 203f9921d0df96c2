"""Every command and settings screen answers from its templates, in English and Dutch."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.app import COMMANDS, LANGUAGES, build_application
from bot.callback_data import ARITY, Op, build
from bot.db.models import Account
from bot.db.session import SessionFactory
from bot.handlers.preferences import PREFERENCES
from bot.rendering import Renderer
from bot.services.clock import FrozenClock
from bot.settings import Settings
from tests.bot.seed import seed_pending
from tests.botapi import BotApiServer
from tests.fixtures.botapi import OWNER, running_bot, wait_until

UNEXPECTED = "Something went wrong"
TEMPLATES = Renderer().env


def test_every_english_template_has_a_dutch_one() -> None:
    def names(language: str) -> set[str]:
        return {
            name.removeprefix(f"telegram/{language}/")
            for name in TEMPLATES.list_templates(extensions=["j2"])
            if name.startswith(f"telegram/{language}/")
        }

    english = names("en")
    assert "cards/invitation.html.j2" in english
    assert english == names("nl")


def test_every_command_and_button_has_a_handler(settings: Settings) -> None:
    application = build_application(settings)
    handlers = [h for group in application.handlers.values() for h in group]
    commands = {c for h in handlers if isinstance(h, CommandHandler) for c in h.commands}
    assert set(COMMANDS) <= commands
    patterns = [h.pattern for h in handlers if isinstance(h, CallbackQueryHandler) and h.pattern is not None]
    for op in Op:
        data = build(op, *([1] * ARITY[op]))
        assert any(isinstance(p, re.Pattern) and p.match(data) for p in patterns), op


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_command_menu_describes_every_command(language: str) -> None:
    assert TEMPLATES.loader is not None
    source, _, _ = TEMPLATES.loader.get_source(TEMPLATES, f"telegram/{language}/commands.txt.j2")
    lines = source.splitlines()
    assert [line.split(" - ")[0] for line in lines] == list(COMMANDS)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_each_command_and_settings_screen_answers(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    owned: Account,
    clock: FrozenClock,
    language: str,
) -> None:
    async with db.begin() as session:
        (await session.get_one(Account, owned.id)).language = language
    await seed_pending(db, owned, clock(), [3, 40, 70, 95, 400])
    typed = [
        "/help",
        "/status",
        "/pending",
        "/queue",
        "/note Person P1",
        "/keep Person P0",
        "/withdraw 60",
        "/withdraw x",
        "/pause",
        "/pause",
        "/resume",
        "/resume",
        "/logout",
        "/nonsense",
        "hello",
        "/export",
        "/stats",
        "/settings",
        "/settings timezone Mars/Olympus",
        "/settings digest_hour 7",
    ]
    async with running_bot(settings, clock=clock):
        for line in typed:
            botapi.send_text(OWNER, line)
        await wait_until(
            lambda: any(m.photo for m in botapi.bot_messages(OWNER)), within=30, what="the chart"
        )
        await wait_until(
            lambda: any(m.document for m in botapi.bot_messages(OWNER)), within=30, what="the CSV"
        )
        screen = await wait_until(
            lambda: next((m for m in botapi.bot_messages(OWNER) if len(m.buttons) == len(PREFERENCES)), None),
            what="the settings screen",
        )
        for index in range(len(PREFERENCES)):
            for data in (build(Op.SETTINGS, index + 1), build(Op.SETTINGS, 0)):
                edits = botapi.message(OWNER, screen.message_id).edits
                botapi.press(OWNER, screen.message_id, data)
                await wait_until(
                    lambda e=edits: botapi.message(OWNER, screen.message_id).edits > e, what=data
                )

    sent = [m.text or m.caption or "" for m in botapi.bot_messages(OWNER)]
    assert not [t for t in sent if UNEXPECTED in t or "Er ging aan mijn kant" in t]
    document = next(m.document for m in botapi.bot_messages(OWNER) if m.document)
    assert document[1].decode("utf-8-sig").splitlines()[0].startswith("name,company,headline")
    assert len(document[1].decode("utf-8-sig").splitlines()) == 6
    async with db() as session:
        stored = await session.scalar(select(Account).where(Account.id == owned.id))
    assert stored is not None and stored.digest_hour == 7 and stored.timezone == "UTC" and not stored.paused
