"""The bot's HTTP calls to Telegram do no per-request work that can be done once."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

import httpx

from tests.botapi import BotApiServer


class _Lookups(importlib.abc.MetaPathFinder):
    """Records every module the import system is asked to find (finds none itself)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        self.names.append(fullname)
        return None


async def test_a_request_searches_for_no_module(botapi: BotApiServer) -> None:
    """httpcore imports `sniffio` each time it makes a lock, an event or a cancellation shield;
    when sniffio is missing, each of those imports fails after searching every folder on
    `sys.path` (a fifth of the bot's CPU during a burst of taps, before it was a dependency)."""
    async with httpx.AsyncClient(base_url=botapi.base_url) as client:
        await client.post("/getMe")  # the first request may import what it needs, once
        lookups = _Lookups()
        sys.meta_path.insert(0, lookups)
        try:
            for _ in range(3):
                await client.post("/getMe")
        finally:
            sys.meta_path.remove(lookups)
    assert lookups.names == []
