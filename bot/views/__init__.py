"""What the chat shows, as pure functions: data in, `View` (text and keyboard) out.

Every message the bot composes is built here from templates under `templates/telegram/`, so
handlers and jobs only fetch data, call a view and hand the result to `bot.delivery`. Views do no
I/O: they never await, and they import neither `telegram.ext`, SQLAlchemy, a database session,
`bot.delivery` nor the context (`tests/test_architecture.py`); they take the result types of
services (a `Digest`, an `ActionOutcome`) as data, so each can be called with plain data in a test.
"""

from bot.views.base import View, button, keyboard, label, language_of, text

__all__ = ["View", "button", "keyboard", "label", "language_of", "text"]
