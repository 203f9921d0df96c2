"""Which note template to use: Thompson sampling over each template's acceptance record.

Every template (built-in variant or the owner's) has a record: invitations sent with it and how
many of those were accepted, counting only decided ones (see `bot.services.stats`). For each
draft, one value is drawn from Beta(1 + accepted, 1 + not accepted) per applicable template and
the highest draw wins. A template with a good record wins most drafts, a new one still gets
tried (its Beta(1, 1) is wide), and a poor one fades out without being banned: the drafter keeps
learning as acceptances arrive.

The random source is passed in: seeded from the person's slug by default, so a person keeps
their draft while the records do not change, and seeded explicitly in tests.
"""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class TemplateRecord:
    """Decided invitations sent with one template, and how many were accepted."""

    sent: int = 0
    accepted: int = 0

    @property
    def rate(self) -> float | None:
        return self.accepted / self.sent if self.sent else None

    def wilson(self, z: float = 1.96) -> tuple[float, float] | None:
        """The 95% Wilson score interval of the acceptance rate; None before anything is decided."""
        if not self.sent:
            return None
        n, p = self.sent, self.accepted / self.sent
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return max(0.0, centre - half), min(1.0, centre + half)

    @property
    def percent_interval(self) -> tuple[int, int, int] | None:
        """(rate, low, high) in whole percent, the 95% Wilson interval, for the stats texts."""
        interval = self.wilson()
        if interval is None or self.rate is None:
            return None
        return round(100 * self.rate), round(100 * interval[0]), round(100 * interval[1])


def rng_for(slug: str) -> random.Random:
    """The default random source: stable per person (crc32, not hash(): same across processes)."""
    return random.Random(zlib.crc32(slug.encode()))


def thompson_pick(keys: Sequence[str], records: Mapping[str, TemplateRecord], rng: random.Random) -> str:
    """The template to use among `keys` (in order; ties go to the first), by Thompson sampling."""
    if not keys:
        raise ValueError("no template to choose from")
    best, best_draw = keys[0], -1.0
    for key in keys:
        record = records.get(key, TemplateRecord())
        draw = rng.betavariate(1 + record.accepted, 1 + record.sent - record.accepted)
        if draw > best_draw:
            best, best_draw = key, draw
    return best
