"""Randomized human-like pauses between browser actions, injectable so tests never wait."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

from automation.config import Pacing

Sleep = Callable[[float], Awaitable[None]]


class Pacer:
    """Draws each pause uniformly from `pacing`'s range and sleeps it with the injected `sleep`.

    Tests pass `Pacing.off()` (no pause at all) or a recording `sleep` and a seeded `random.Random`.
    """

    def __init__(
        self, pacing: Pacing, *, sleep: Sleep = asyncio.sleep, rng: random.Random | None = None
    ) -> None:
        self.pacing = pacing
        self._sleep = sleep
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        """The next pause length in seconds (0 when pacing is off)."""
        low, high = self.pacing.min_seconds, max(self.pacing.min_seconds, self.pacing.max_seconds)
        if high <= 0:
            return 0.0
        return self._rng.uniform(low, high)

    async def pause(self) -> None:
        """Wait like a person between two actions."""
        delay = self.next_delay()
        if delay > 0:
            await self._sleep(delay)
