"""Everything the bot sends, for handlers and jobs alike (they never import each other).

    transport   `Delivery` (`context.delivery`): the one retrying, refusal-aware path to Telegram.
    chat        send or edit a `bot.views.View` for an account; tell the owner about a pause.
    digests     a page of invitation cards; the digest (synced first), weekly or on demand.
    reminders   redraw a cooldown reminder's message after its note or its invite changed.
    worker      run the action worker, kick it after an undo window, show each outcome.

This `__init__` only re-exports the transport; the other modules are imported by name.
"""

from bot.delivery.transport import (
    MAX_TEXT,
    NOTICE_POLICY,
    Delivery,
    Receipt,
    RetryPolicy,
    Status,
    plain_text,
    split_text,
)

__all__ = [
    "MAX_TEXT",
    "NOTICE_POLICY",
    "Delivery",
    "Receipt",
    "RetryPolicy",
    "Status",
    "plain_text",
    "split_text",
]
