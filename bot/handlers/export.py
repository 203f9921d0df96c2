"""/export (the tracking sheet as a CSV document) and /stats (a PNG chart)."""

from __future__ import annotations

import asyncio
import io

from telegram import Update
from telegram.ext import CommandHandler

from bot.context import BotContext
from bot.db.models import Account
from bot.delivery.chat import naming
from bot.handlers.common import text, with_account
from bot.services.digest import build_digest
from bot.services.export import sheet_rows, write_csv
from bot.services.stats import account_stats
from bot.services.stats_chart import render_chart
from bot.views import View, language_of
from bot.views.stats import stats_chart as stats_chart_view


@with_account
async def export_csv(update: Update, context: BotContext, account: Account) -> None:
    """Send every invitation as a CSV file."""
    assert update.effective_chat is not None
    async with context.db() as session:
        rows = await sheet_rows(session, account)
    stream = io.StringIO()
    count = write_csv(rows, stream)
    today = context.clock().date().isoformat()
    caption = View(text(context, "export/caption", account, count=count))
    await context.delivery.send_document(
        update.effective_chat.id,
        stream.getvalue().encode("utf-8-sig"),
        f"invitesweep-{today}.csv",
        caption=(await naming(context, account, caption)).text,
        language=language_of(account),
    )


@with_account
async def stats_chart(update: Update, context: BotContext, account: Account) -> None:
    """Send the stats chart with the headline numbers as its caption."""
    assert update.effective_chat is not None
    now = context.clock()
    async with context.db() as session:
        stats = await account_stats(session, account, now=now)
        digest = await build_digest(session, account, now=now, page_size=1)
    chart = stats_chart_view(context.render, account, stats, digest)
    png = await asyncio.to_thread(render_chart, chart.data, chart.labels)
    caption = (await naming(context, account, View(chart.caption))).text
    await context.delivery.send_photo(
        update.effective_chat.id, png, "stats.png", caption=caption, language=language_of(account)
    )


HANDLERS = [
    CommandHandler("export", export_csv, block=False),
    CommandHandler("stats", stats_chart, block=False),
]
