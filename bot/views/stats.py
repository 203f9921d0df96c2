"""/stats: what the chart shows, its labels in the account's language, and its caption."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.models import Account
from bot.rendering import Renderer
from bot.services.digest import Digest
from bot.services.stats import Stats
from bot.services.stats_chart import ChartData
from bot.views.base import text


@dataclass(frozen=True)
class StatsChart:
    """Everything `render_chart` needs, and the caption that goes with the picture."""

    data: ChartData
    labels: dict[str, str]
    caption: str


def stats_chart(render: Renderer, account: Account, stats: Stats, digest: Digest) -> StatsChart:
    """The chart's data (age buckets, note rates, pending over time) and its words."""
    labels = dict(
        line.split(": ", 1)
        for line in text(render, "export/chart_labels", account).splitlines()
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
    caption = text(render, "export/stats_caption", account, stats=stats, digest=digest)
    return StatsChart(data, labels, caption)
