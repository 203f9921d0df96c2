"""The /stats picture: three small panels drawn with matplotlib into PNG bytes.

    pending by age          bars per 30-60-90 bucket
    acceptance              with a note vs without (percent of decided invitations)
    pending over time       the pending count per day against the ceiling

matplotlib is imported inside `render_chart`, so the bot pays its memory only when someone asks
for a chart; drawing is CPU work, so callers run it in a thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class ChartData:
    buckets: tuple[tuple[str, int], ...]  # (label, pending count), youngest first
    with_note: int | None  # acceptance percent, None when nothing decided
    without_note: int | None
    pending_over_time: tuple[tuple[date, int], ...]
    ceiling: int


def render_chart(data: ChartData, labels: Mapping[str, str]) -> bytes:
    """A PNG of the three panels; `labels` are the (translated) titles and axis names."""
    import matplotlib

    matplotlib.use("Agg")  # no display; must precede pyplot
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 3), dpi=100, layout="constrained")
    by_age, acceptance, history = figure.subplots(1, 3)

    by_age.bar([label for label, _ in data.buckets], [count for _, count in data.buckets], color="#0a66c2")
    by_age.set_title(labels["by_age"], fontsize=10)
    by_age.tick_params(labelsize=8)

    rates = [data.with_note or 0, data.without_note or 0]
    acceptance.bar([labels["with_note"], labels["without_note"]], rates, color=["#2e7d32", "#9e9e9e"])
    acceptance.set_ylim(0, 100)
    acceptance.set_title(labels["acceptance"], fontsize=10)
    acceptance.tick_params(labelsize=8)

    if data.pending_over_time:
        days = [day for day, _ in data.pending_over_time]
        history.plot(days, [count for _, count in data.pending_over_time], marker=".", color="#0a66c2")
        history.axhline(data.ceiling, color="#c62828", linestyle="--", linewidth=1, label=labels["ceiling"])
        history.legend(fontsize=8)
        history.tick_params(axis="x", labelrotation=45, labelsize=7)
    else:
        history.text(0.5, 0.5, labels["no_history"], ha="center", va="center", fontsize=9)
        history.set_xticks([])
    history.set_title(labels["over_time"], fontsize=10)
    history.tick_params(axis="y", labelsize=8)

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
