"""How updates are processed side by side: taps at once, one chat's messages in the order sent.

PTB processes one update at a time by default, so every update waited for the previous one's
handlers, including their round trips to Telegram: a burst of taps queued up one answer after
another. `ChatOrderedProcessor` lets up to `MAX_CONCURRENT_UPDATES` updates run together, with
one rule: messages (commands and typed text) from the same chat run one after the other, because
their order matters (a typed answer must not overtake the command that asked the question, nor
the one before it change the state it reads). Button taps are not ordered: each re-reads its row,
and the queue's unique keys make a repeated tap harmless.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_CONCURRENT_UPDATES = 32
"""Enough for a burst of taps; bounded so a flood cannot open connections and tasks without end."""


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Process updates concurrently, but a chat's messages strictly in the order they came."""

    __slots__ = ("_chats",)

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._chats: dict[int, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat_id = _ordered_chat(update)
        if chat_id is None:
            await coroutine
            return
        lock, waiting = self._chats.get(chat_id, (asyncio.Lock(), 0))
        self._chats[chat_id] = (lock, waiting + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, waiting = self._chats[chat_id]
            if waiting == 1:
                del self._chats[chat_id]  # no lock kept for chats that went quiet
            else:
                self._chats[chat_id] = (lock, waiting - 1)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release: PTB waits for updates in flight itself."""


def _ordered_chat(update: object) -> int | None:
    """The chat whose order this update keeps, or None for updates that need no order (taps)."""
    if not isinstance(update, Update) or update.callback_query is not None:
        return None
    chat = update.effective_chat
    return chat.id if chat is not None else None
