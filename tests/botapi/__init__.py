"""A small Telegram Bot API server of our own, spoken to over real HTTP on 127.0.0.1.

It stands in for api.telegram.org in tests and benchmarks: the bot reaches it through
`TELEGRAM_API_BASE_URL`, and tests inject messages and button taps and read what the bot sent.
"""

from tests.botapi.server import DROPPED, BotApiServer, Button, ChatMessage, FaultKind, RecordedCall

__all__ = ["DROPPED", "BotApiServer", "Button", "ChatMessage", "FaultKind", "RecordedCall"]
