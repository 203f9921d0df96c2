"""A process's part of the bot: all of it (`run`), the Telegram front (`web`), browser work (`worker`).

    role    updates (handlers)   scans (digest, reminders)   browser work (queue, sync, idle close)
    ALL     yes                  yes, with profile visits     yes
    WEB     yes                  yes, from the store only     no: never launches a browser
    WORKER  no (no getUpdates)   no                           yes, and sends/edits the outcomes

`ALL` is the single process on one person's laptop. `WEB` and `WORKER` split it for several
processes on one PostgreSQL: any number of each, the queue in the store between them.
"""

from __future__ import annotations

import enum


class Role(enum.Enum):
    """A process's part of the bot."""

    ALL = "all"
    WEB = "web"
    WORKER = "worker"

    @property
    def handles_updates(self) -> bool:
        """Whether Telegram updates reach this process (its handlers, the menu, pairing)."""
        return self is not Role.WORKER

    @property
    def runs_scans(self) -> bool:
        """Whether the weekly digest and the cooldown reminders are scanned here."""
        return self is not Role.WORKER

    @property
    def runs_browser(self) -> bool:
        """Whether this process opens Chromium: the action worker, syncs, profile visits, sign-in."""
        return self is not Role.WEB
