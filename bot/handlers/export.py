"""/export (the tracking sheet as a CSV document) and /stats (a PNG chart)."""

from __future__ import annotations

import asyncio
import io

from telegram import Update
from telegram.ext import CommandHandler

from bot.context import BotContext
from bot.handlers.common import current_account, language_of, reply, text
from bot.services.digest import build_digest
from bot.services.export import sheet_rows, write_csv
from bot.services.stats import account_stats
from bot.services.stats_chart import ChartData, render_chart


async def export_csv(update: Update, context: BotContext) -> None:
    """Send every invitation as a CSV file."""
    assert update.effective_user is not None and update.effective_chat is not None
    account = await current_account(context, update.effective_user.id)
    if account is None:
        await reply(update, context, "errors/no_account", None)
        return
    async with context.db() as session:
        rows = await sheet_rows(session, account)
    stream = io.StringIO()
    count = write_csv(rows, stream)
    today = context.clock().date().isoformat()
    caption = text(context, "export/caption", account, count=count)
    await context.delivery.send_document(
        update.effective_chat.id,
        stream.getvalue().encode("utf-8-sig"),
        f"invitesweep-{today}.csv",
        caption=caption,
        language=language_of(account),
    )


async def stats_chart(update: Update, context: BotContext) -> None:
    """Send the stats chart with the headline numbers as its caption."""
    assert update.effective_user is not None and update.effective_chat is not None
    account = await current_account(context, update.effective_user.id)
    if account is None:
        await reply(update, context, "errors/no_account", None)
        return
    now = context.clock()
    async with context.db() as session:
        stats = await account_stats(session, account, now=now)
        digest = await build_digest(session, account, now=now, page_size=1)
    labels = dict(
        line.split(": ", 1)
        for line in text(context, "export/chart_labels", account).splitlines()
        if ": " in line
    )
    data = ChartData(
        buckets=tuple(
            (f"{b.min_days}+" if b.max_days is None else f"{b.min_days}–{b.max_days - 1}", b.count)
            for b in digest.buckets
        ),
        with_note=stats.with_note.percent,
        without_note=stats.without_note.percent,
        pending_over_time=stats.pending_over_time,
        ceiling=account.pending_ceiling,
    )
    png = await asyncio.to_thread(render_chart, data, labels)
    caption = text(context, "export/stats_caption", account, stats=stats, digest=digest)
    await context.delivery.send_photo(
        update.effective_chat.id, png, "stats.png", caption=caption, language=language_of(account)
    )


HANDLERS = [
    CommandHandler("export", export_csv, block=False),
    CommandHandler("stats", stats_chart, block=False),
]
